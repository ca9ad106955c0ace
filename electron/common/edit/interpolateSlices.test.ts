import { describe, expect, it } from 'vitest';
import { distanceToMask2d, interpolateSlices } from './interpolateSlices.ts';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('distanceToMask2d', () => {
  it('equals the brute-force Euclidean distance on anisotropic pixels', () => {
    const rnd = lcg(7);
    for (const [nx, ny, sx, sy, density] of [[17, 11, 0.7, 1.3, 0.05], [9, 23, 1, 1, 0.3], [30, 30, 0.5, 2, 0.01]] as const) {
      const mask = Array.from({ length: nx * ny }, () => rnd() < density);
      mask[3] = true;
      const d = distanceToMask2d(Uint8Array.from(mask, Number), nx, ny, sx, sy);
      for (let p = 0; p < nx * ny; p++) {
        let best = Infinity;
        for (let q = 0; q < nx * ny; q++) {
          if (!mask[q]) continue;
          best = Math.min(best, Math.hypot(((p % nx) - (q % nx)) * sx, (Math.floor(p / nx) - Math.floor(q / nx)) * sy));
        }
        expect(d[p]).toBeCloseTo(best, 9);
      }
    }
  });

  it('is "infinite" (>= 1e10) everywhere for an empty mask', () => {
    const d = distanceToMask2d(new Uint8Array(20), 5, 4, 1, 1);
    expect(d.every((x) => x >= 1e10)).toBe(true);
  });
});

describe('interpolateSlices', () => {
  const dims: [number, number, number] = [40, 40, 12];
  const idx = (x: number, y: number, z: number) => x + 40 * (y + 40 * z);
  function disc(m: Uint8Array, z: number, cx: number, cy: number, r: number, label = 1) {
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[idx(x, y, z)] = label;
  }
  const areaAt = (m: Uint8Array, ind: Uint32Array, z: number) => [...ind].filter((i) => Math.floor(i / 1600) === z).length + m.subarray(z * 1600, (z + 1) * 1600).filter((v) => v).length;

  it('morphs a small disc into a large one across the gap and leaves painted slices alone', () => {
    const m = new Uint8Array(40 * 40 * 12);
    disc(m, 2, 20, 20, 4);
    disc(m, 6, 20, 20, 12);
    const r = interpolateSlices(m, dims, [1, 1, 2.5], 5);
    expect(r).toMatchObject({ gaps: 1, skippedGaps: 0 });
    for (const i of r.indices) expect([3, 4, 5]).toContain(Math.floor(i / 1600));
    // Radius grows linearly: ~6, ~8, ~10 on slices 3, 4, 5 (area within 15 % of a disc of that radius).
    for (const [z, radius] of [[3, 6], [4, 8], [5, 10]] as const) {
      const area = areaAt(m, r.indices, z);
      expect(area / (Math.PI * radius * radius), `slice ${z}`).toBeGreaterThan(0.85);
      expect(area / (Math.PI * radius * radius), `slice ${z}`).toBeLessThan(1.15);
    }
    expect(r.values.every((v) => v === 1)).toBe(true);
  });

  it('skips gaps wider than the limit, and carries each label separately', () => {
    const m = new Uint8Array(40 * 40 * 12);
    disc(m, 0, 10, 10, 5, 2);
    disc(m, 2, 10, 10, 5, 2);
    disc(m, 9, 30, 30, 5, 1);
    const r = interpolateSlices(m, dims, [1, 1, 1], 3);
    expect(r).toMatchObject({ gaps: 1, skippedGaps: 1 });
    // Slice 1 gets the same consolidation disc; nothing between slices 2 and 9.
    expect([...r.indices].every((i) => Math.floor(i / 1600) === 1)).toBe(true);
    expect(r.indices.length).toBe(m.subarray(0, 1600).filter((v) => v).length);
    expect(r.values.every((v) => v === 2)).toBe(true);
    expect(() => interpolateSlices(m, dims, [1, 1, 1], 0)).toThrow(RangeError);
  });
});

describe('interpolateSlices in the coronal and sagittal planes', () => {
  // An axial scene (discs on slices k = 2 and 6 of a 40 x 40 x 12 grid) laid out again so that the
  // same shapes lie on coronal (j fixed) or sagittal (i fixed) slices of another grid.
  const [A, B, C] = [40, 36, 12];
  const axialScene = () => {
    const m = new Uint8Array(A * B * C);
    for (const [k, cx, cy, r, label] of [[2, 20, 18, 4, 1], [6, 20, 18, 11, 1], [6, 8, 8, 3, 2], [9, 8, 8, 3, 2]] as const) {
      for (let y = 0; y < B; y++) for (let x = 0; x < A; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[x + A * (y + B * k)] = label;
    }
    return m;
  };
  /** Voxel (a, b, c) of the axial scene (a, b in-plane, c across) is voxel `place(a, b, c)` of the other grid. */
  const layouts = {
    coronal: { dims: [A, C, B] as [number, number, number], spacing: [0.7, 2.5, 1.1] as [number, number, number], place: (a: number, b: number, c: number) => a + A * (c + C * b) },
    sagittal: { dims: [C, A, B] as [number, number, number], spacing: [2.5, 0.7, 1.1] as [number, number, number], place: (a: number, b: number, c: number) => c + C * (a + A * b) },
  } as const;

  for (const plane of ['coronal', 'sagittal'] as const) {
    it(`fills gaps between painted ${plane} slices exactly as the same shapes on axial slices`, () => {
      const axial = axialScene();
      const expected = interpolateSlices(axial, [A, B, C], [0.7, 1.1, 2.5], 3);
      expect(expected).toMatchObject({ gaps: 2, skippedGaps: 0 });
      const { dims, spacing, place } = layouts[plane];
      const m = new Uint8Array(A * B * C);
      for (let c = 0; c < C; c++) for (let b = 0; b < B; b++) for (let a = 0; a < A; a++) m[place(a, b, c)] = axial[a + A * (b + B * c)];
      const r = interpolateSlices(m, dims, spacing, 3, plane);
      expect(r).toMatchObject({ gaps: 2, skippedGaps: 0 });
      const want = new Map<number, number>();
      expected.indices.forEach((i, n) => {
        const a = i % A;
        const b = Math.floor(i / A) % B;
        const c = Math.floor(i / (A * B));
        want.set(place(a, b, c), expected.values[n]);
      });
      expect(r.indices.length).toBe(want.size);
      expect([...r.indices].every((v, n, all) => n === 0 || all[n - 1] < v)).toBe(true); // ascending
      r.indices.forEach((i, n) => expect(want.get(i), `voxel ${i}`).toBe(r.values[n]));
      // The same labelmap read as axial slices has no gaps of this kind to fill.
      expect(interpolateSlices(m, dims, spacing, 3, 'axial').indices.length).not.toBe(r.indices.length);
    });
  }

  it('refuses a labelmap whose size does not match the grid, in any plane', () => {
    expect(() => interpolateSlices(new Uint8Array(10), [2, 2, 2], [1, 1, 1], 2, 'coronal')).toThrow(RangeError);
  });
});
