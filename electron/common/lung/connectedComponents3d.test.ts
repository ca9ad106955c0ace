import { describe, expect, it } from 'vitest';
import { componentsBySize, connectedComponents3d } from './connectedComponents3d.ts';

describe('connectedComponents3d', () => {
  it('separates blobs that touch only at a corner under 6-connectivity and joins them under 26', () => {
    const mask = new Uint8Array(3 * 3 * 3);
    mask[0] = 1; // (0,0,0)
    mask[1 + 3 * (1 + 3 * 1)] = 1; // (1,1,1)
    mask[2 + 3 * (2 + 3 * 2)] = 1; // (2,2,2)
    expect(connectedComponents3d(mask, [3, 3, 3], 6).count).toBe(3);
    expect(connectedComponents3d(mask, [3, 3, 3], 18).count).toBe(3);
    expect(connectedComponents3d(mask, [3, 3, 3], 26).count).toBe(1);
  });

  it('counts voxels per component and orders them by size', () => {
    const dims: [number, number, number] = [10, 4, 3];
    const mask = new Uint8Array(120);
    for (let i = 0; i < 4; i++) mask[i] = 1; // a row of 4 in slice 0
    for (let k = 0; k < 3; k++) for (let j = 0; j < 4; j++) mask[8 + 10 * (j + 4 * k)] = 1; // a 1x4x3 column block
    const cc = connectedComponents3d(mask, dims, 6);
    expect(cc.count).toBe(2);
    expect(Array.from(cc.sizes)).toEqual([0, 4, 12]);
    expect(componentsBySize(cc)).toEqual([2, 1]);
    expect(cc.labels[8]).toBe(2);
    expect(cc.labels[5]).toBe(0);
  });

  it('does not wrap around the x edge of a row', () => {
    const mask = new Uint8Array(4 * 2);
    mask[3] = 1; // end of row 0
    mask[4] = 1; // start of row 1: adjacent in memory, not in space
    expect(connectedComponents3d(mask, [4, 2, 1], 6).count).toBe(2);
  });

  it('labels a large solid block without overflowing its stack', () => {
    const dims: [number, number, number] = [64, 64, 64];
    const mask = new Uint8Array(64 ** 3).fill(1);
    const cc = connectedComponents3d(mask, dims, 6);
    expect(cc.count).toBe(1);
    expect(cc.sizes[1]).toBe(64 ** 3);
  });
});
