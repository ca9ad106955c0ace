import { describe, expect, it } from 'vitest';
import type { FrameHeader } from './readFrameHeaders.ts';
import { buildVolume, FILLER_HU, planSeries, splitSeries, VolumeBuilder, volumeMetaFromFrames } from './series.ts';

function frame(k: number, over: Partial<FrameHeader> = {}): FrameHeader {
  return {
    source: `f${k}`,
    frameIndex: 0,
    frameCount: 1,
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    sopInstanceUid: `1.2.3.${k}`,
    seriesInstanceUid: '1.2.3',
    modality: 'CT',
    rows: 2,
    columns: 3,
    pixelSpacingMm: [0.8, 0.6],
    imageOrientation: [1, 0, 0, 0, 1, 0],
    imagePositionMm: [10, 20, k * 2],
    instanceNumber: k + 1,
    rescaleSlope: 1,
    rescaleIntercept: -1024,
    bitsAllocated: 16,
    bitsStored: 16,
    highBit: 15,
    pixelRepresentation: 1,
    samplesPerPixel: 1,
    photometricInterpretation: 'MONOCHROME2',
    ...over,
  };
}

describe('planSeries', () => {
  it('orders slices by position along the normal, not by InstanceNumber', () => {
    // Instance numbers run opposite to position; files arrive shuffled.
    const frames = [3, 0, 4, 1, 2].map((k) => frame(k, { instanceNumber: 10 - k }));
    const g = planSeries(frames);
    expect(g.order.map((i) => frames[i].source)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(g.originMm).toEqual([10, 20, 0]);
    expect(g.spacingMm).toEqual([0.6, 0.8, 2]);
    expect(g.dims).toEqual([3, 2, 5]);
    expect(g.warnings).toEqual([]);
  });

  it('sorts along the normal of an oblique/reversed orientation (feet-first: normal along -z)', () => {
    // Row +x, column -y: normal = x × -y = -z, so increasing k goes towards lower z.
    const frames = [0, 1, 2].map((k) => frame(k, { imageOrientation: [1, 0, 0, 0, -1, 0] }));
    const g = planSeries(frames);
    expect(g.order.map((i) => frames[i].imagePositionMm?.[2])).toEqual([4, 2, 0]);
    expect(g.direction.slice(6)).toEqual([0, 0, -1]);
    expect(g.originMm[2]).toBe(4);
  });

  it('keeps every image at its true position across a gap: the missing slice becomes an empty grid slice', () => {
    const frames = [0, 1, 2, 4, 5].map((k) => frame(k));
    const g = planSeries(frames);
    expect(g.refusal).toBeUndefined();
    expect(g.dims[2]).toBe(6);
    expect(g.spacingMm[2]).toBe(2);
    expect(g.gridSlices).toEqual([0, 1, 2, 4, 5]);
    expect(g.missingSlices).toEqual([3]);
    expect(g.slicePositionsMm).toEqual([0, 2, 4, 6, 8, 10]);
    const gap = g.warnings.filter((w) => w.code === 'E_MISSING_SLICE');
    expect(gap).toHaveLength(1);
    expect(gap[0].positionMm).toBeCloseTo(6);
    expect(gap[0].message).toContain('4 mm and 8 mm');
    expect(gap[0].message).toContain('1 slice(s) missing');
  });

  it('fills a gap of several slices with as many grid slices', () => {
    const g = planSeries([0, 1, 5, 6].map((k) => frame(k)));
    expect(g.dims[2]).toBe(7);
    expect(g.missingSlices).toEqual([2, 3, 4]);
    expect(g.warnings.find((w) => w.code === 'E_MISSING_SLICE')?.message).toContain('3 slice(s) missing');
  });

  it('refuses a gap that leaves the images off any regular grid (E_MISSING_SLICE), never shifting them', () => {
    // Steps 2, 2, 5, 2: the 5 mm step is 2.5 slices, so the images after it cannot sit on the 2 mm grid.
    const z = [0, 2, 4, 9, 11];
    const g = planSeries(z.map((v, k) => frame(k, { imagePositionMm: [10, 20, v] })));
    expect(g.refusal?.code).toBe('E_MISSING_SLICE');
    expect(g.refusal?.message).toContain('4 mm and 9 mm');
  });

  it('refuses a series with more slices missing than present (E_MISSING_SLICE)', () => {
    const g = planSeries([0, 1, 2, 20].map((k) => frame(k)));
    expect(g.refusal?.code).toBe('E_MISSING_SLICE');
    expect(g.refusal?.message).toContain('more slices are missing than present (17 of 21)');
  });

  it('warns E_DUPLICATE_SOP_UID when images at different positions share one SOPInstanceUID, and still plans them', () => {
    const g = planSeries([0, 1, 2, 3].map((k) => frame(k, { sopInstanceUid: '1.2.3.777' })));
    expect(g.refusal).toBeUndefined();
    expect(g.dims[2]).toBe(4);
    const w = g.warnings.filter((x) => x.code === 'E_DUPLICATE_SOP_UID');
    expect(w).toHaveLength(1);
    expect(w[0].message).toContain('4 of 4 images');
    expect(w[0].message).toContain('1.2.3.777');
  });

  it('does not call the frames of one multi-frame object duplicates', () => {
    const g = planSeries([0, 1, 2].map((k) => frame(k, { sopInstanceUid: '1.2.3.5', frameIndex: k, frameCount: 3, source: 'mf' })));
    expect(g.warnings.map((w) => w.code)).not.toContain('E_DUPLICATE_SOP_UID');
  });

  it('names a coronal series (normal along y) and says it will be reordered to axial', () => {
    // Row +x (left), column -z (towards the feet): normal = x × -z = +y (posterior).
    const g = planSeries([0, 1, 2].map((k) => frame(k, { imageOrientation: [1, 0, 0, 0, 0, -1], imagePositionMm: [10, k * 2, 20] })));
    expect(g.acquisitionPlane).toBe('coronal');
    expect(g.refusal).toBeUndefined();
    expect(g.warnings.find((w) => w.code === 'E_NOT_AXIAL')?.message).toMatch(/Coronal acquisition.*no interpolation/);
  });

  it('names a sagittal series (normal along x)', () => {
    const g = planSeries([0, 1, 2].map((k) => frame(k, { imageOrientation: [0, 1, 0, 0, 0, -1], imagePositionMm: [k * 2, 10, 20] })));
    expect(g.acquisitionPlane).toBe('sagittal');
    expect(g.refusal).toBeUndefined();
  });

  it('refuses an oblique series whose image axes are all far from head-foot (E_NOT_AXIAL)', () => {
    // Rows along x, columns 60° from y towards the feet: the normal (0, sin 60°, cos 60°) is 60° from z.
    const [c, s] = [Math.cos(Math.PI / 3), Math.sin(Math.PI / 3)];
    const g = planSeries([0, 1, 2].map((k) => frame(k, { imageOrientation: [1, 0, 0, 0, c, -s], imagePositionMm: [0, k * 2 * s, k * 2 * c] })));
    expect(g.acquisitionPlane).toBe('oblique');
    expect(g.refusal?.code).toBe('E_NOT_AXIAL');
    expect(g.refusal?.message).toContain('axial reconstruction');
  });

  it('drops a second copy of the same SOP instance with a warning', () => {
    const frames = [frame(0), frame(1), { ...frame(1), source: 'copy-of-f1' }, frame(2)];
    const g = planSeries(frames);
    expect(g.dims[2]).toBe(3);
    expect(g.refusal).toBeUndefined();
    expect(g.warnings.map((w) => w.code)).toEqual(['E_DUPLICATE_SLICE']);
  });

  it('refuses two different images at one position (E_DUPLICATE_SLICE)', () => {
    const frames = [frame(0), frame(1), frame(1, { sopInstanceUid: '9.9.9', source: 'other' }), frame(2)];
    const g = planSeries(frames);
    expect(g.refusal?.code).toBe('E_DUPLICATE_SLICE');
    expect(g.refusal?.message).toContain('2 mm');
  });

  it('detects gantry tilt from GantryDetectorTilt and refuses to build a volume', () => {
    const g = planSeries([0, 1, 2].map((k) => frame(k, { gantryTiltDeg: 12 })));
    expect(g.gantryTiltDeg).toBe(12);
    expect(g.refusal?.code).toBe('E_GANTRY_TILT');
  });

  it('detects gantry tilt from positions sheared against the image plane', () => {
    // Tilted plane: column direction (0, cos t, -sin t); positions step straight along z.
    const t = (20 * Math.PI) / 180;
    const frames = [0, 1, 2, 3].map((k) => frame(k, { imageOrientation: [1, 0, 0, 0, Math.cos(t), -Math.sin(t)], imagePositionMm: [0, 0, 5 * k] }));
    const g = planSeries(frames);
    expect(g.gantryTiltDeg).toBeCloseTo(20, 1);
    expect(g.refusal?.code).toBe('E_GANTRY_TILT');
  });

  it('reports uneven spacing', () => {
    const z = [0, 2, 4, 6, 9, 12, 15];
    const g = planSeries(z.map((v, k) => frame(k, { imagePositionMm: [0, 0, v] })));
    expect(g.warnings.map((w) => w.code)).toContain('E_UNEVEN_SPACING');
  });

  it('refuses frames that disagree on geometry', () => {
    expect(() => planSeries([frame(0), frame(1, { pixelSpacingMm: [0.7, 0.7] })])).toThrowError(expect.objectContaining({ code: 'E_INCONSISTENT_GEOMETRY' }));
  });
});

describe('splitSeries', () => {
  it('keeps different series apart and splits a series that mixes orientations', () => {
    const frames = [frame(0), frame(1), frame(2, { seriesInstanceUid: '7.7' }), frame(3, { imageOrientation: [0, 1, 0, 0, 0, -1] })];
    const parts = splitSeries(frames);
    expect(parts.map((p) => [p.seriesKey, p.frames.length])).toEqual([
      ['1.2.3#1', 2],
      ['1.2.3#2', 1],
      ['7.7', 1],
    ]);
    expect(parts[0].warnings[0].code).toBe('E_INCONSISTENT_GEOMETRY');
  });
});

describe('VolumeBuilder', () => {
  const g = planSeries([frame(0), frame(1)]);
  it('applies integer slope/intercept into an Int16Array in k order', () => {
    const v = buildVolume(g, [{ header: frame(0), pixels: new Int16Array([0, 1, 2, 3, 4, 5]) }, { header: frame(1), pixels: new Int16Array(6).fill(2000) }], {});
    expect(v.voxels).toBeInstanceOf(Int16Array);
    expect(Array.from(v.voxels)).toEqual([-1024, -1023, -1022, -1021, -1020, -1019, 976, 976, 976, 976, 976, 976]);
  });

  it('uses Float32Array when the slope is fractional', () => {
    const h = frame(0, { rescaleSlope: 0.5, rescaleIntercept: 0 });
    const v = buildVolume(g, [{ header: h, pixels: new Int16Array(6).fill(3) }, { header: frame(1, { rescaleSlope: 0.5, rescaleIntercept: 0 }), pixels: new Int16Array(6) }], {});
    expect(v.voxels).toBeInstanceOf(Float32Array);
    expect(v.voxels[0]).toBe(1.5);
  });

  it('switches to Float32Array when integer values overflow int16', () => {
    const b = new VolumeBuilder(g, [frame(0, { rescaleIntercept: 0 }), frame(1, { rescaleIntercept: 0, pixelRepresentation: 0 })]);
    b.setSlice(0, new Int16Array(6).fill(-5));
    expect(b.isFloat).toBe(false);
    b.setSlice(1, new Uint16Array(6).fill(60000));
    const v = b.finish({});
    expect(v.voxels).toBeInstanceOf(Float32Array);
    expect([v.voxels[0], v.voxels[6]]).toEqual([-5, 60000]);
  });

  it('puts each image on its grid slice, fills a missing slice with -1024 HU and spreads the per-image lists', () => {
    const headers = [0, 1, 2, 4].map((k) => frame(k));
    const gap = planSeries(headers);
    const meta = volumeMetaFromFrames(gap.order.map((i) => headers[i]));
    const v = buildVolume(gap, gap.order.map((i) => ({ header: headers[i], pixels: new Int16Array(6).fill(1100 + i) })), meta);
    expect(v.dims).toEqual([3, 2, 5]);
    expect(Array.from(v.voxels.subarray(0, 6))).toEqual(new Array(6).fill(76));
    expect(Array.from(v.voxels.subarray(18, 24))).toEqual(new Array(6).fill(FILLER_HU));
    expect(Array.from(v.voxels.subarray(24, 30))).toEqual(new Array(6).fill(79));
    expect(v.meta.missingSlices).toEqual([3]);
    expect(v.meta.sopInstanceUids).toEqual(['1.2.3.0', '1.2.3.1', '1.2.3.2', '', '1.2.3.4']);
    expect(v.meta.frameNumbers).toEqual([1, 1, 1, 0, 1]);
    expect(v.meta.imagePositionsMm).toEqual([
      [10, 20, 0],
      [10, 20, 2],
      [10, 20, 4],
      [10, 20, 6],
      [10, 20, 8],
    ]);
  });
});
