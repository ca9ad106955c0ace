import { describe, expect, it } from 'vitest';
import { ctSliceElements, encodeDicomFile, type El } from '../../../test/dicom/syntheticDicom.ts';
import { parseDicomBytes } from './parseDicomBytes.ts';
import { readFrameHeaders } from './readFrameHeaders.ts';
import { planSeries } from './series.ts';

const seq = (g: number, e: number, items: El[][]): El => ({ tag: [g, e], vr: 'SQ', value: items });

/** Enhanced CT (PS3.3 A.38): geometry and rescale only in the functional groups. */
function enhancedCt(): Uint8Array {
  const base = ctSliceElements({ sopUid: '1.2.5.1', rows: 2, columns: 2, pixels: new Int16Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) }).filter(
    (el) => !['0020,0032', '0020,0037', '0028,0030', '0028,1052', '0028,1053', '0018,0050'].includes(`${el.tag[0].toString(16).padStart(4, '0')},${el.tag[1].toString(16).padStart(4, '0')}`),
  );
  // Frames stored in reverse z order; per-frame rescale differs on frame 2.
  const zs = [10, 5, 0];
  const perFrame = zs.map((z, f) => [
    seq(0x0020, 0x9113, [[{ tag: [0x0020, 0x0032], vr: 'DS', value: `-5\\-5\\${z}` }]]),
    ...(f === 2 ? [seq(0x0028, 0x9145, [[{ tag: [0x0028, 0x1052], vr: 'DS', value: '-1000' }, { tag: [0x0028, 0x1053], vr: 'DS', value: '2' }]])] : []),
  ]);
  const shared: El[] = [
    seq(0x0028, 0x9110, [[{ tag: [0x0028, 0x0030], vr: 'DS', value: '0.7\\0.9' }, { tag: [0x0018, 0x0050], vr: 'DS', value: '5' }]]),
    seq(0x0020, 0x9116, [[{ tag: [0x0020, 0x0037], vr: 'DS', value: '1\\0\\0\\0\\1\\0' }]]),
    seq(0x0028, 0x9145, [[{ tag: [0x0028, 0x1052], vr: 'DS', value: '-1024' }, { tag: [0x0028, 0x1053], vr: 'DS', value: '1' }]]),
  ];
  return encodeDicomFile([...base, { tag: [0x0028, 0x0008], vr: 'IS', value: '3' }, seq(0x5200, 0x9229, [shared]), seq(0x5200, 0x9230, perFrame)], { sopClassUid: '1.2.840.10008.5.1.4.1.1.2.1' });
}

describe('readFrameHeaders', () => {
  it('reads one header per frame of an enhanced CT from the shared and per-frame functional groups', () => {
    const p = parseDicomBytes(enhancedCt());
    const frames = readFrameHeaders(p.dataSet, p.transferSyntaxUid, 'mf.dcm');
    expect(frames).toHaveLength(3);
    expect(frames.map((f) => f.imagePositionMm)).toEqual([[-5, -5, 10], [-5, -5, 5], [-5, -5, 0]]);
    expect(frames[0].pixelSpacingMm).toEqual([0.7, 0.9]);
    expect(frames[0].imageOrientation).toEqual([1, 0, 0, 0, 1, 0]);
    expect(frames[0].sliceThicknessMm).toBe(5);
    expect([frames[0].rescaleSlope, frames[0].rescaleIntercept]).toEqual([1, -1024]);
    expect([frames[2].rescaleSlope, frames[2].rescaleIntercept]).toEqual([2, -1000]);
  });

  it('assembles an enhanced CT by frame position', () => {
    const p = parseDicomBytes(enhancedCt());
    const g = planSeries(readFrameHeaders(p.dataSet, p.transferSyntaxUid, 'mf.dcm'));
    expect(g.order).toEqual([2, 1, 0]);
    expect(g.spacingMm).toEqual([0.9, 0.7, 5]);
    expect(g.originMm).toEqual([-5, -5, 0]);
  });

  it('refuses an object without pixel data with E_NO_PIXEL_DATA', () => {
    const p = parseDicomBytes(encodeDicomFile([{ tag: [0x0008, 0x0060], vr: 'CS', value: 'SR' }]));
    expect(() => readFrameHeaders(p.dataSet, p.transferSyntaxUid, 'sr.dcm')).toThrowError(expect.objectContaining({ code: 'E_NO_PIXEL_DATA' }));
  });
});
