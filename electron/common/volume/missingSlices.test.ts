import { describe, expect, it } from 'vitest';
import { fillMissingFromNearest, measurementMasks, presentSlicesVolume, spreadToGrid } from './missingSlices.ts';
import type { Volume } from './Volume.ts';

/** Six 1x2 slices; slices 2 and 3 are missing (filled with -1024 HU). */
function gapVolume(): Volume<Int16Array> {
  return {
    dims: [1, 2, 6],
    spacingMm: [1, 1, 2],
    originMm: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    voxels: Int16Array.from([10, 11, 20, 21, -1024, -1024, -1024, -1024, 50, 51, 60, 61]),
    meta: { missingSlices: [2, 3], sopInstanceUids: ['1', '2', '', '', '5', '6'], slicePositionsMm: [0, 2, 4, 6, 8, 10] },
  };
}

describe('missing slices', () => {
  it('gives the engine the images that exist, stacked without the gap', () => {
    const v = presentSlicesVolume(gapVolume());
    expect(v.dims).toEqual([1, 2, 4]);
    expect(Array.from(v.voxels)).toEqual([10, 11, 20, 21, 50, 51, 60, 61]);
    expect(v.meta.missingSlices).toBeUndefined();
    expect(v.meta.slicePositionsMm).toEqual([0, 2, 8, 10]);
  });

  it('puts the engine masks back on the grid with nothing in the missing slices', () => {
    const grid = spreadToGrid(Uint8Array.from([1, 1, 2, 2, 3, 3, 4, 4]), gapVolume());
    expect(Array.from(grid)).toEqual([1, 1, 2, 2, 0, 0, 0, 0, 3, 3, 4, 4]);
  });

  it('measures each missing slice as its nearest image (the lower one when both are as near)', () => {
    const mask = Uint8Array.from([1, 1, 2, 0, 0, 0, 0, 0, 3, 3, 4, 4]);
    // Slice 2 is nearest to slice 1, slice 3 to slice 4.
    expect(Array.from(fillMissingFromNearest(mask, gapVolume()))).toEqual([1, 1, 2, 0, 2, 0, 3, 3, 3, 3, 4, 4]);
    const one: Volume<Int16Array> = { ...gapVolume(), meta: { missingSlices: [2] } };
    expect(Array.from(fillMissingFromNearest(mask, one)).slice(4, 6)).toEqual([2, 0]);
  });

  it('counts the gap once: the measured voxels equal the images weighted by the distance each one stands for', () => {
    // Lung in every image: 2 voxels per slice; a 6-slice grid measures 12 voxels, not 8 (zero) or more (twice).
    const lungs = spreadToGrid(new Uint8Array(8).fill(1), gapVolume());
    const m = measurementMasks(gapVolume(), lungs, new Uint8Array(12));
    expect(m.lungs.reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('leaves a volume without missing slices as it is', () => {
    const v: Volume<Int16Array> = { ...gapVolume(), meta: {} };
    expect(presentSlicesVolume(v)).toBe(v);
    const mask = new Uint8Array(12);
    expect(fillMissingFromNearest(mask, v)).toBe(mask);
  });
});
