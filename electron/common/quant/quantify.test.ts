import { describe, expect, it } from 'vitest';
import { countLesions, quantify, zoneScore } from './quantify.ts';

describe('zoneScore', () => {
  it('follows the CT severity bands at their boundaries', () => {
    expect([0, 0.001, 4.999, 5, 25, 25.001, 50, 50.5, 75, 75.001, 100].map(zoneScore)).toEqual([
      0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]);
  });
});

/** A 4x1xNZ volume: column 0-1 right lung, 2-3 left lung, on every slice. */
function tiny(nz: number) {
  const lungs = new Uint8Array(4 * nz);
  for (let k = 0; k < nz; k++) {
    lungs[4 * k] = 1;
    lungs[4 * k + 1] = 1;
    lungs[4 * k + 2] = 2;
    lungs[4 * k + 3] = 2;
  }
  return { lungs, infection: new Uint8Array(4 * nz), dims: [4, 1, nz] as [number, number, number] };
}

describe('quantify', () => {
  it('reports volumes in mL from the voxel spacing', () => {
    const t = tiny(6);
    t.infection[0] = 1; // GGO in right lung, slice 0
    t.infection[4 * 5 + 3] = 2; // consolidation in left lung, slice 5
    const m = quantify({ ...t, spacingMm: [10, 10, 10] }); // 1 mL voxels
    expect(m.voxelVolumeMl).toBe(1);
    expect(m.lungs.right.volumeMl).toBe(12);
    expect(m.lungs.left.volumeMl).toBe(12);
    expect(m.lungs.totalVolumeMl).toBe(24);
    expect(m.infection).toMatchObject({ groundGlassMl: 1, consolidationMl: 1, totalMl: 2 });
    expect(m.lungs.right.groundGlassMl).toBe(1);
    expect(m.lungs.left.consolidationMl).toBe(1);
    expect(m.lungs.right.involvementPercent).toBeCloseTo(100 / 12, 10);
  });

  it('counts infection outside both lungs in the totals only, and says so', () => {
    const t = tiny(6);
    t.infection[0] = 1; // in the right lung
    t.lungs[4 * 2 + 1] = 0; // a voxel that is in no lung...
    t.infection[4 * 2 + 1] = 2; // ...painted as consolidation
    const m = quantify({ ...t, spacingMm: [10, 10, 10] });
    expect(m.infection).toMatchObject({ groundGlassMl: 1, consolidationMl: 1, totalMl: 2, outsideLungsMl: 1 });
    expect(m.lungs.right.infectionMl + m.lungs.left.infectionMl).toBe(1);
    expect(m.warnings.join(' ')).toMatch(/1\.0 mL of the infection mask lies outside the lung masks/);
    t.infection[4 * 2 + 1] = 0;
    const inside = quantify({ ...t, spacingMm: [10, 10, 10] });
    expect(inside.infection.outsideLungsMl).toBe(0);
    expect(inside.warnings).toEqual([]);
  });

  it('puts the superior third of each lung in the upper zone (high k is superior with an identity direction)', () => {
    const t = tiny(6);
    t.infection[4 * 5] = 1; // right lung, top slice (k = 5)
    const m = quantify({ ...t, spacingMm: [10, 10, 10] });
    const upper = m.lungs.right.zones.find((z) => z.zone === 'upper')!;
    expect(upper.lungVolumeMl).toBe(4);
    expect(upper.infectionMl).toBe(1);
    expect(upper.involvementPercent).toBe(25);
    expect(upper.score).toBe(2);
    expect(m.lungs.right.zones.find((z) => z.zone === 'lower')!.score).toBe(0);
    const flipped = quantify({ ...t, spacingMm: [10, 10, 10], direction: [1, 0, 0, 0, 1, 0, 0, 0, -1] });
    expect(flipped.lungs.right.zones.find((z) => z.zone === 'lower')!.infectionMl).toBe(1);
  });

  it('splits an extent that is not a multiple of three at round(h) and round(2h) from the bottom', () => {
    // 4 slices: h = 4/3, lower = 1 slice (k 0), middle = 2 slices (k 1-2), upper = 1 slice (k 3)
    const m = quantify({ ...tiny(4), spacingMm: [10, 10, 10] });
    expect(m.lungs.right.zones.map((z) => [z.zone, z.lungVolumeMl])).toEqual([
      ['upper', 2],
      ['middle', 4],
      ['lower', 2],
    ]);
    // 5 slices: h = 5/3, b1 = 2, b2 = 3: lower 2, middle 1, upper 2
    const m5 = quantify({ ...tiny(5), spacingMm: [10, 10, 10] });
    expect(m5.lungs.left.zones.map((z) => z.lungVolumeMl)).toEqual([4, 2, 4]);
  });

  it('scores each zone from its own lung extent and sums six zones', () => {
    const t = tiny(3);
    // every zone of the left lung fully involved, right lung clean
    for (let k = 0; k < 3; k++) {
      t.infection[4 * k + 2] = 2;
      t.infection[4 * k + 3] = 1;
    }
    const m = quantify({ ...t, spacingMm: [1, 1, 1] });
    expect(m.lungs.left.zones.map((z) => z.score)).toEqual([5, 5, 5]);
    expect(m.lungs.right.zones.map((z) => z.score)).toEqual([0, 0, 0]);
    expect(m.severity.total).toBe(15);
    expect(m.severity.max).toBe(30);
    expect(m.severity.method).toMatch(/approximation/);
  });

  it('reports zeros, not NaN, when there are no lungs', () => {
    const m = quantify({
      lungs: new Uint8Array(8),
      infection: new Uint8Array(8),
      dims: [2, 2, 2],
      spacingMm: [1, 1, 1],
      warnings: ['E_NO_LUNGS: none'],
    });
    expect(m.lungs.totalVolumeMl).toBe(0);
    expect(m.lungs.right.involvementPercent).toBe(0);
    expect(m.severity.total).toBe(0);
    expect(m.warnings).toEqual(['E_NO_LUNGS: none']);
  });

  it('refuses masks that do not match the dims', () => {
    expect(() =>
      quantify({
        lungs: new Uint8Array(7),
        infection: new Uint8Array(8),
        dims: [2, 2, 2],
        spacingMm: [1, 1, 1],
      }),
    ).toThrow(/voxels/);
  });
});

describe('countLesions', () => {
  it('counts 26-connected regions of at least 10 mm³', () => {
    const dims: [number, number, number] = [10, 10, 3];
    const inf = new Uint8Array(300);
    // region A: 10 voxels of 1 mm³ in a row (exactly 10 mm³: counted)
    for (let i = 0; i < 10; i++) inf[i + 10 * 0] = 1;
    // region B: 9 voxels (9 mm³: not counted)
    for (let i = 0; i < 9; i++) inf[i + 10 * 5] = 2;
    // region C: 10 voxels, touching B only diagonally? no: far away on slice 2, mixed classes
    for (let i = 0; i < 5; i++) inf[i + 10 * (9 + 10 * 2)] = 1;
    for (let i = 5; i < 10; i++) inf[i + 10 * (9 + 10 * 2)] = 2;
    expect(countLesions(inf, dims, 1)).toBe(2);
    expect(countLesions(inf, dims, 0.5)).toBe(0); // 10 voxels of 0.5 mm³ = 5 mm³
    expect(countLesions(new Uint8Array(300), dims, 1)).toBe(0);
  });
});
