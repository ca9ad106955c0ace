import { describe, expect, it } from 'vitest';
import { PREVIEW_SLICES, fullSliceCrop, lungBoundingBox, planSliceOrder, previewStep } from './lungBoundingBox.ts';

describe('lungBoundingBox', () => {
  it('bounds all lung voxels, adds the margin in mm and clips to the image', () => {
    const dims: [number, number, number] = [10, 8, 3];
    const lungs = new Uint8Array(240);
    lungs[3 + 10 * (2 + 8 * 0)] = 1;
    lungs[6 + 10 * (5 + 8 * 2)] = 2;
    const box = lungBoundingBox(lungs, dims, [2, 2, 5], 4)!; // 4 mm = 2 voxels
    expect(box).toMatchObject({ x0: 1, y0: 0, width: 8, height: 8 });
    expect(Array.from(box.sliceHasLung)).toEqual([1, 0, 1]);
    expect(lungBoundingBox(new Uint8Array(240), dims, [1, 1, 1], 0)).toBeUndefined();
    expect(fullSliceCrop(lungs, dims)).toMatchObject({ x0: 0, y0: 0, width: 10, height: 8 });
  });
});

describe('previewStep', () => {
  it('is every 4th slice up to 160 lung slices, then sparser so that the preview stays near PREVIEW_SLICES slices', () => {
    expect(previewStep(24)).toBe(4);
    expect(previewStep(160)).toBe(4);
    expect(previewStep(161)).toBe(5);
    expect(previewStep(300)).toBe(8);
    for (const n of [161, 300, 777, 2000]) expect(Math.ceil(n / previewStep(n))).toBeLessThanOrEqual(PREVIEW_SLICES);
  });
});

describe('planSliceOrder', () => {
  it('puts every fourth lung slice in the preview and the others after it', () => {
    const has = new Uint8Array([0, 1, 1, 1, 1, 1, 1, 0, 1]);
    expect(planSliceOrder(has)).toEqual({ preview: [1, 5], rest: [2, 3, 4, 6, 8] });
  });
});
