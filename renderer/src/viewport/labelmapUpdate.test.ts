import { describe, expect, it } from 'vitest';
import { replaceLabelmap, slicesOfIndices } from './labelmapUpdate.ts';

describe('replaceLabelmap', () => {
  it('copies the new labels and lists exactly the slices that changed', () => {
    const sliceSize = 6;
    const target = new Uint8Array(sliceSize * 5);
    target[3] = 1; // slice 0: cleared below
    const next = new Uint8Array(target.length);
    next[2 * sliceSize + 5] = 2; // slice 2: new label
    next[4 * sliceSize] = 1; // slice 4: new label
    expect(replaceLabelmap(target, next, sliceSize)).toEqual([0, 2, 4]);
    expect(Array.from(target)).toEqual(Array.from(next));
    expect(replaceLabelmap(target, next, sliceSize)).toEqual([]);
  });

  it('refuses labelmaps of different sizes', () => {
    expect(() => replaceLabelmap(new Uint8Array(4), new Uint8Array(5), 2)).toThrow(RangeError);
  });

  it('lists the slices a diff touches, once each, in order', () => {
    expect(slicesOfIndices([13, 2, 7, 30, 12], 6)).toEqual([0, 1, 2, 5]);
    expect(slicesOfIndices([], 6)).toEqual([]);
  });
});
