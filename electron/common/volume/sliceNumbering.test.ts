import { describe, expect, it } from 'vitest';
import type { Mat3 } from './Volume.ts';
import { axialSliceLabel, axialSliceNumber, indexOfSliceNumber, sliceNumberAlong, voxelAxisAlong } from './sliceNumbering.ts';

const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const FEET_FIRST: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, -1]; // k runs head → feet
const FLIPPED_ROWS: Mat3 = [-1, 0, 0, 0, 1, 0, 0, 0, -1];

describe('sliceNumbering', () => {
  it('numbers axial slices from the feet: k+1 when k runs upwards, N-k when it runs downwards', () => {
    const dims: [number, number, number] = [4, 4, 10];
    expect(axialSliceNumber({ dims, direction: IDENTITY }, 0)).toBe(1);
    expect(axialSliceNumber({ dims, direction: IDENTITY }, 9)).toBe(10);
    expect(axialSliceNumber({ dims, direction: FEET_FIRST }, 0)).toBe(10);
    expect(axialSliceNumber({ dims, direction: FEET_FIRST }, 9)).toBe(1);
    expect(axialSliceLabel({ dims, direction: FEET_FIRST }, 3)).toBe('7/10');
    // Row flips do not change the axial numbering.
    expect(axialSliceNumber({ dims, direction: FLIPPED_ROWS }, 3)).toBe(7);
  });

  it('rounds continuous indices and clamps to 1..N', () => {
    expect(sliceNumberAlong(IDENTITY, 2, 2, 2.6, 10)).toBe(4);
    expect(sliceNumberAlong(IDENTITY, 2, 2, -3, 10)).toBe(1);
    expect(sliceNumberAlong(FEET_FIRST, 2, 2, 42, 10)).toBe(1);
  });

  it('inverts: index → number → index', () => {
    for (const d of [IDENTITY, FEET_FIRST, FLIPPED_ROWS]) {
      for (const axis of [0, 1, 2] as const) {
        for (let i = 0; i < 7; i++) expect(indexOfSliceNumber(d, axis, axis, sliceNumberAlong(d, axis, axis, i, 7), 7)).toBe(i);
      }
    }
  });

  it('finds the voxel axis along a patient axis for a coronal acquisition', () => {
    // Rows to the left, columns to the feet, slices front to back (a coronal series).
    const coronal: Mat3 = [1, 0, 0, 0, 0, -1, 0, 1, 0];
    expect(voxelAxisAlong(coronal, 2)).toBe(1);
    expect(voxelAxisAlong(coronal, 1)).toBe(2);
    // j runs to the feet: j = 0 is the top, the highest slice number.
    expect(axialSliceNumber({ dims: [5, 8, 3], direction: coronal }, 0)).toBe(8);
  });
});
