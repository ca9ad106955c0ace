import { describe, expect, it } from 'vitest';
import { connectedComponents3d } from '../lung/connectedComponents3d.ts';
import { clipBox, growRegion, labelRegion, lesionAt, mergeInBox, nearestVoxelInRange, voxelIndex, type Dims } from './regionTools.ts';

const dims: Dims = [20, 18, 12];
const n = dims[0] * dims[1] * dims[2];
const at = (i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);
const ijk = (v: number): [number, number, number] => [v % dims[0], Math.floor(v / dims[0]) % dims[1], Math.floor(v / (dims[0] * dims[1]))];

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('lesionAt', () => {
  it('returns exactly the 26-connected component under the click, both labels, on every slice', () => {
    // Random speckle: compare with the whole-volume connected components for many seeds.
    const rnd = lcg(3);
    const labels = Uint8Array.from({ length: n }, () => (rnd() < 0.3 ? (rnd() < 0.5 ? 1 : 2) : 0));
    const cc = connectedComponents3d(labels, [dims[0], dims[1], dims[2]], 26);
    for (let t = 0; t < 40; t++) {
      const v = Math.floor(rnd() * n);
      const got = lesionAt(labels, dims, ijk(v));
      if (labels[v] === 0) {
        expect(got.indices.length).toBe(0);
        continue;
      }
      const want: number[] = [];
      for (let w = 0; w < n; w++) if (cc.labels[w] === cc.labels[v]) want.push(w);
      expect([...got.indices]).toEqual(want);
      expect(got.voxelsByLabel[1] + got.voxelsByLabel[2]).toBe(want.length);
      expect(got.voxelsByLabel[2]).toBe(want.filter((w) => labels[w] === 2).length);
    }
  });

  it('takes a diagonal-only neighbour but not a lesion one voxel apart, and reports the slices spanned', () => {
    const labels = new Uint8Array(n);
    labels[at(5, 5, 2)] = 1;
    labels[at(6, 6, 3)] = 2; // corner contact
    labels[at(6, 6, 4)] = 1;
    labels[at(6, 6, 6)] = 1; // a gap at k=5: another lesion
    const got = lesionAt(labels, dims, [6, 6, 4]);
    expect([...got.indices]).toEqual([at(5, 5, 2), at(6, 6, 3), at(6, 6, 4)]);
    expect(got.voxelsByLabel).toEqual([0, 2, 1]);
    expect(got.slices).toEqual([2, 4]);
  });

  it('refuses a voxel outside the volume', () => {
    expect(() => lesionAt(new Uint8Array(n), dims, [20, 0, 0])).toThrow(RangeError);
    expect(() => lesionAt(new Uint8Array(n), dims, [0, 0, -1])).toThrow(RangeError);
  });
});

describe('growRegion', () => {
  const spacing = [0.8, 0.8, 2] as const;
  /** -850 HU lung with a -450 HU ball of radius 4 voxels at (10, 9, 6), and a -450 HU slab far away. */
  function ct(): Int16Array {
    const hu = new Int16Array(n).fill(-850);
    for (let v = 0; v < n; v++) {
      const [i, j, k] = ijk(v);
      if ((i - 10) ** 2 + (j - 9) ** 2 + ((k - 6) * 2.5) ** 2 <= 16) hu[v] = -450;
      if (i === 0) hu[v] = -450; // a separate region (not connected to the ball)
    }
    return hu;
  }

  it('grows over the connected voxels in the HU range only, and no farther than the radius', () => {
    const hu = ct();
    const r = growRegion({ hu, dims, spacingMm: spacing, seed: [10, 9, 6], minHu: -750, maxHu: -300, maxVoxels: 1e6 });
    const ball = [...hu.keys()].filter((v) => hu[v] === -450 && ijk(v)[0] !== 0);
    expect([...r.region]).toEqual(ball);
    expect(r.capped).toBe(false);
    expect(r.seedHu).toBe(-450);
    // A 2 mm radius cuts the ball: every voxel within 2 mm of the seed, none farther.
    const small = growRegion({ hu, dims, spacingMm: spacing, seed: [10, 9, 6], minHu: -750, maxHu: -300, radiusMm: 2, maxVoxels: 1e6 });
    expect(small.region.length).toBeGreaterThan(0);
    expect(small.region.length).toBeLessThan(ball.length);
    for (const v of small.region) {
      const [i, j, k] = ijk(v);
      expect(Math.hypot((i - 10) * 0.8, (j - 9) * 0.8, (k - 6) * 2)).toBeLessThanOrEqual(2);
      expect(hu[v]).toBe(-450);
    }
    const inSphere = ball.filter((v) => {
      const [i, j, k] = ijk(v);
      return Math.hypot((i - 10) * 0.8, (j - 9) * 0.8, (k - 6) * 2) <= 2;
    });
    expect(small.region.length).toBe(inSphere.length);
  });

  it('is refused when the seed is outside the HU range or the mask, and stops at the voxel cap', () => {
    const hu = ct();
    expect(growRegion({ hu, dims, spacingMm: spacing, seed: [15, 2, 1], minHu: -750, maxHu: -300, maxVoxels: 10 })).toMatchObject({ refused: 'seed-outside-range', seedHu: -850 });
    const within = new Uint8Array(n);
    expect(growRegion({ hu, dims, spacingMm: spacing, seed: [10, 9, 6], minHu: -750, maxHu: -300, maxVoxels: 10, within })).toMatchObject({ refused: 'seed-outside-mask' });
    const capped = growRegion({ hu, dims, spacingMm: spacing, seed: [10, 9, 6], minHu: -750, maxHu: -300, maxVoxels: 10 });
    expect(capped.capped).toBe(true);
    expect(capped.region.length).toBe(10);
    expect(capped.region).toContain(at(10, 9, 6));
  });

  it('stays inside a mask and a box', () => {
    const hu = ct();
    const within = new Uint8Array(n);
    for (let v = 0; v < n; v++) if (ijk(v)[0] <= 10) within[v] = 1; // half of the ball
    const r = growRegion({ hu, dims, spacingMm: spacing, seed: [10, 9, 6], minHu: -750, maxHu: -300, maxVoxels: 1e6, within });
    expect(r.region.length).toBeGreaterThan(0);
    for (const v of r.region) expect(ijk(v)[0]).toBeLessThanOrEqual(10);
    const box = { from: [9, 8, 5] as const, to: [11, 10, 7] as const };
    const b = growRegion({ hu, dims, spacingMm: spacing, seed: [10, 9, 6], minHu: -750, maxHu: -300, maxVoxels: 1e6, box });
    expect(b.region.length).toBe(27);
  });
});

describe('labelRegion, mergeInBox, nearestVoxelInRange, clipBox', () => {
  it('labelRegion writes only voxels whose label differs', () => {
    const labels = new Uint8Array(n);
    labels[5] = 1;
    labels[6] = 2;
    const e = labelRegion(labels, Uint32Array.from([4, 5, 6]), 1);
    expect([...e.indices]).toEqual([4, 6]);
    expect([...e.values]).toEqual([1, 1]);
  });

  it('mergeInBox adds proposal labels only inside the box and only where the labelmap is background', () => {
    const labels = new Uint8Array(n);
    const box = { from: [2, 3, 4] as const, to: [6, 7, 5] as const };
    labels[at(3, 3, 4)] = 2; // kept
    const proposal = new Uint8Array(dims[0] * dims[1] * 2).fill(1); // slices 4 and 5, all labelled
    const e = mergeInBox(labels, proposal, dims, box);
    expect(e.indices.length).toBe(5 * 5 * 2 - 1);
    for (const v of e.indices) {
      const [i, j, k] = ijk(v);
      expect(i >= 2 && i <= 6 && j >= 3 && j <= 7 && k >= 4 && k <= 5).toBe(true);
    }
    expect(e.indices).not.toContain(at(3, 3, 4));
    expect(new Set(e.values)).toEqual(new Set([1]));
  });

  it('nearestVoxelInRange finds the closest in-range voxel in the box', () => {
    const hu = new Int16Array(n).fill(-900);
    hu[at(8, 8, 8)] = -500;
    hu[at(4, 4, 8)] = -500;
    const box = { from: [0, 0, 6] as const, to: [12, 12, 10] as const };
    expect(nearestVoxelInRange(hu, dims, [1, 1, 1], box, [7, 7, 8], -750, -300)).toEqual([8, 8, 8]);
    expect(nearestVoxelInRange(hu, dims, [1, 1, 1], box, [7, 7, 8], -200, 0)).toBeUndefined();
  });

  it('clipBox orders and clips corners; voxelIndex refuses outside voxels', () => {
    expect(clipBox(dims, { from: [25, 5, 3], to: [10, -4, 3] })).toEqual({ from: [10, 0, 3], to: [19, 5, 3] });
    expect(clipBox(dims, { from: [25, 5, 3], to: [21, 6, 3] })).toBeUndefined();
    expect(voxelIndex(dims, [19, 17, 11])).toBe(n - 1);
    expect(voxelIndex(dims, [1.5, 0, 0])).toBe(-1);
  });
});
