import { describe, expect, it } from 'vitest';
import { slicesOfIndices } from './labelmapUpdate.ts';

describe('slicesOfIndices', () => {
  it('lists the slices a diff touches, once each, in order', () => {
    expect(slicesOfIndices([13, 2, 7, 30, 12], 6)).toEqual([0, 1, 2, 5]);
    expect(slicesOfIndices([], 6)).toEqual([]);
  });
});
