import { describe, expect, it } from 'vitest';
import { MIN_ZONE_INVOLVEMENT_PERCENT, MIN_ZONE_LESION_ML, quantify, scoreZone, SEVERITY_MINIMUM, zoneScore } from './quantify.ts';

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
    const m = quantify({ ...t, spacingMm: [10, 10, 10] }); // 1 mL voxels: each zone holds 2 mL of lesion
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

describe('the severity score minimum', () => {
  /** Two lungs of 20 x 20 voxels per slice (1 mm x 1 mm x 10 mm = 4 mL per slice per lung), 30 slices: 40 mL per zone. */
  function chest() {
    const dims: [number, number, number] = [40, 20, 30];
    const lungs = new Uint8Array(40 * 20 * 30);
    for (let v = 0; v < lungs.length; v++) lungs[v] = v % 40 < 20 ? 1 : 2;
    return { lungs, infection: new Uint8Array(lungs.length), dims, spacingMm: [1, 1, 10] as [number, number, number] };
  }
  const at = (i: number, j: number, k: number) => i + 40 * (j + 20 * k);
  const rightLower = (m: ReturnType<typeof quantify>) => m.lungs.right.zones.find((z) => z.zone === 'lower')!;

  it(`scores 0, with the reason, a zone whose infection is all specks under the lesion minimum`, () => {
    const c = chest();
    // 40 isolated single voxels (0.01 mL each) on the lower slices: 0.4 mL = 1 % of the zone, no lesion
    for (let n = 0; n < 40; n++) c.infection[at(2 * (n % 10), 2 * Math.floor(n / 10), 2 * (n % 5))] = 1;
    const m = quantify(c);
    const z = rightLower(m);
    expect(z.involvementPercent).toBeCloseTo(1, 9);
    expect(z.lesionInfectionMl).toBe(0);
    expect(z).toMatchObject({ score: 0, belowMinimum: true });
    expect(z.scoreReason).toBe('below the minimum: 0.00 of 0.40 mL in lesions (0.00 % of the zone); needs 1.0 mL and 0.5 %');
    expect(m.severity.total).toBe(0);
    expect(m.lesions).toEqual([]);
  });

  it('scores 0 a lesion under 1 mL, and 1 once it reaches 1 mL and 0.5 % of its zone', () => {
    const c = chest();
    for (let j = 0; j < 9; j++) for (let i = 0; i < 10; i++) c.infection[at(i, j, 0)] = 1; // 0.9 mL, 2.25 % of the 40 mL zone
    expect(rightLower(quantify(c))).toMatchObject({ score: 0, belowMinimum: true, lesionInfectionMl: expect.closeTo(0.9, 9) });
    for (let i = 0; i < 10; i++) c.infection[at(i, 9, 0)] = 1; // 1.0 mL, 2.5 %
    expect(rightLower(quantify(c))).toMatchObject({ score: 1, belowMinimum: false, scoreReason: '2.5 % involved (<5 %)' });
    // The percentage minimum: 1 mL in a zone of 400 mL (0.25 %) does not score; 0.5 % does.
    expect(scoreZone({ infectionMl: 1, involvementPercent: 0.25, lesionInfectionMl: 1, lesionInvolvementPercent: 0.25 })).toMatchObject({ score: 0, belowMinimum: true });
    expect(scoreZone({ infectionMl: 2, involvementPercent: 0.5, lesionInfectionMl: 2, lesionInvolvementPercent: 0.5 })).toMatchObject({ score: 1, belowMinimum: false });
  });

  it('keeps the published bands above the minimum, on the whole involvement of the zone', () => {
    const c = chest();
    for (let k = 0; k < 4; k++) for (let j = 0; j < 20; j++) for (let i = 0; i < 20; i++) c.infection[at(i, j, k)] = 2; // 16 mL of 40: 40 %
    const m = quantify(c);
    expect(rightLower(m)).toMatchObject({ score: 3, belowMinimum: false, lesionInfectionMl: expect.closeTo(16, 9) });
    expect(m.severity.total).toBe(3);
  });

  it('reports "no infection" for a clean zone, and states the thresholds in the method and the measurements', () => {
    const m = quantify(chest());
    expect(rightLower(m)).toMatchObject({ score: 0, belowMinimum: false, scoreReason: 'no infection' });
    expect(m.severity.minimum).toEqual(SEVERITY_MINIMUM);
    expect(SEVERITY_MINIMUM).toEqual({ zoneInvolvementPercent: MIN_ZONE_INVOLVEMENT_PERCENT, zoneLesionMl: MIN_ZONE_LESION_ML, lesionVolumeMl: 0.1 });
    expect(m.severity.method).toContain('scores above 0 only when at least 1.0 mL and 0.5 % of its volume is infection in lesions');
  });
});
