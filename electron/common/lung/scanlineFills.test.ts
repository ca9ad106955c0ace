import { describe, expect, it } from 'vitest';
import { connectedComponents3d } from './connectedComponents3d.ts';
import { floodFromBorder2d } from './slice2d.ts';

/** Random binary data with blobs and holes (so runs split and merge in every direction). */
function randomMask(n: number, density: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 < density ? 1 : 0;
  }
  return out;
}

/** Reference: breadth-first 6-connected labelling, one voxel at a time. */
function referenceLabels(mask: Uint8Array, nx: number, ny: number, nz: number, fg: number): Int32Array {
  const labels = new Int32Array(mask.length);
  const inMask = (v: number): boolean => (fg < 0 ? mask[v] !== 0 : mask[v] === fg);
  let id = 0;
  for (let seed = 0; seed < mask.length; seed++) {
    if (!inMask(seed) || labels[seed] !== 0) continue;
    labels[seed] = ++id;
    const queue = [seed];
    while (queue.length > 0) {
      const v = queue.pop()!;
      const i = v % nx;
      const j = Math.floor(v / nx) % ny;
      const k = Math.floor(v / (nx * ny));
      const nbrs = [i > 0 ? v - 1 : -1, i < nx - 1 ? v + 1 : -1, j > 0 ? v - nx : -1, j < ny - 1 ? v + nx : -1, k > 0 ? v - nx * ny : -1, k < nz - 1 ? v + nx * ny : -1];
      for (const w of nbrs) {
        if (w >= 0 && inMask(w) && labels[w] === 0) {
          labels[w] = id;
          queue.push(w);
        }
      }
    }
  }
  return labels;
}

describe('scanline fills equal the per-voxel reference', () => {
  it('connectedComponents3d (6-connected) gives the same partition, ids and sizes', () => {
    const [nx, ny, nz] = [23, 17, 11];
    for (const [density, seed] of [[0.3, 1], [0.55, 2], [0.7, 3], [0.9, 4]] as const) {
      const mask = randomMask(nx * ny * nz, density, seed);
      // Values 2 are "not in the mask" when foreground is 1.
      for (let i = 0; i < mask.length; i += 7) if (mask[i] === 1) mask[i] = 2;
      for (const fg of [-1, 1]) {
        const got = connectedComponents3d(mask, [nx, ny, nz], 6, fg < 0 ? undefined : fg);
        const want = referenceLabels(mask, nx, ny, nz, fg);
        // Both number components in order of their first voxel, so the ids match exactly.
        expect(Array.from(got.labels)).toEqual(Array.from(want));
        const sizes = new Array<number>(got.count + 1).fill(0);
        for (const l of want) if (l > 0) sizes[l]++;
        expect(Array.from(got.sizes).slice(1)).toEqual(sizes.slice(1));
      }
    }
  });

  it('floodFromBorder2d marks exactly the border-connected pixels and sums their x', () => {
    const [nx, ny] = [31, 19];
    for (const [density, seed] of [[0.4, 5], [0.6, 6], [0.8, 7]] as const) {
      const slice = randomMask(nx * ny, density, seed);
      const want = referenceLabels(slice, nx, ny, 1, 1);
      const borderIds = new Set<number>();
      for (let p = 0; p < nx * ny; p++) {
        const i = p % nx;
        const j = Math.floor(p / nx);
        if ((i === 0 || j === 0 || i === nx - 1 || j === ny - 1) && want[p] > 0) borderIds.add(want[p]);
      }
      const stats = { sumX: 0 };
      const changed = floodFromBorder2d(slice, nx, ny, 1, 2, undefined, stats);
      let count = 0;
      let sumX = 0;
      for (let p = 0; p < nx * ny; p++) {
        const outside = want[p] > 0 && borderIds.has(want[p]);
        expect(slice[p]).toBe(outside ? 2 : want[p] > 0 ? 1 : 0);
        if (outside) {
          count++;
          sumX += p % nx;
        }
      }
      expect(changed).toBe(count);
      expect(stats.sumX).toBe(sumX);
    }
  });
});
