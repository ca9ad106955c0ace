import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ctSlice, ctSliceElements, encodeDicomFile, TS } from '../../../test/dicom/syntheticDicom.ts';
import { parseDicomBytes } from './parseDicomBytes.ts';
import { readFrameHeaders } from './readFrameHeaders.ts';
import { Tag } from './tags.ts';

const slice = { sopUid: '1.2.9.1', positionMm: [1, 2, 3] as [number, number, number], instanceNumber: 7 };

describe('parseDicomBytes', () => {
  it('reads a Part 10 file', () => {
    const p = parseDicomBytes(ctSlice(slice));
    expect(p.hasFileMeta).toBe(true);
    expect(p.transferSyntaxUid).toBe(TS.explicitLE);
    expect(p.dataSet.string(Tag.SOPInstanceUID)).toBe('1.2.9.1');
  });

  it('reads the same header from Implicit VR and Big Endian encodings', () => {
    for (const ts of [TS.implicitLE, TS.explicitBE]) {
      const p = parseDicomBytes(ctSlice({ ...slice, transferSyntaxUid: ts }));
      const [f] = readFrameHeaders(p.dataSet, p.transferSyntaxUid, 'x');
      expect([f.rows, f.columns, f.instanceNumber, f.imagePositionMm]).toEqual([4, 4, 7, [1, 2, 3]]);
    }
  });

  it('reads a file without preamble and file meta and says so', () => {
    const p = parseDicomBytes(encodeDicomFile(ctSliceElements(slice), { noMeta: true }));
    expect(p.hasFileMeta).toBe(false);
    expect(p.transferSyntaxUid).toBe(TS.explicitLE);
    expect(p.notes[0]).toMatch(/no DICOM preamble/);
    expect(p.dataSet.string(Tag.SOPInstanceUID)).toBe('1.2.9.1');
  });

  it('inflates the Deflated Explicit VR Little Endian syntax', () => {
    const plain = ctSlice(slice);
    const metaEnd = plain.length - encodeDicomFile(ctSliceElements(slice), { noMeta: true }).length;
    const meta = encodeDicomFile([], { transferSyntaxUid: '1.2.840.10008.1.2.1.99', sopInstanceUid: '1.2.9.1' });
    const body = deflateSync(plain.subarray(metaEnd));
    const file = new Uint8Array(meta.length + body.length);
    file.set(meta);
    file.set(body, meta.length);
    const p = parseDicomBytes(file);
    expect(p.transferSyntaxUid).toBe('1.2.840.10008.1.2.1.99');
    expect(p.dataSet.string(Tag.SOPInstanceUID)).toBe('1.2.9.1');
  });

  it('answers E_NOT_DICOM for other files', () => {
    const text = new TextEncoder().encode('<?xml version="1.0"?>'.padEnd(400, ' '));
    expect(() => parseDicomBytes(text)).toThrowError(expect.objectContaining({ code: 'E_NOT_DICOM' }));
  });

  it('answers E_TRUNCATED for a file cut inside its header', () => {
    const b = ctSlice(slice);
    expect(() => parseDicomBytes(b.subarray(0, 300))).toThrowError(expect.objectContaining({ code: 'E_TRUNCATED' }));
  });
});
