import { describe, expect, it } from 'vitest';
import { generateChestPhantom } from '../phantom/index.ts';
import { quantify } from './quantify.ts';

describe('quantify on the phantom truth masks', () => {
  const p = generateChestPhantom({ seed: 2, size: 128, slices: 40 });
  const m = quantify({
    lungs: p.lungs,
    infection: p.infection,
    dims: p.volume.dims,
    spacingMm: p.volume.spacingMm,
    direction: p.volume.direction,
    originMm: p.volume.originMm,
    hu: p.volume.voxels as Int16Array,
  });
  const t = p.truth;

  it('gives exactly the truth volumes per lung and per class', () => {
    expect(m.voxelVolumeMl).toBeCloseTo(t.voxelVolumeMl, 12);
    expect(m.lungs.right.volumeMl).toBeCloseTo(t.lungs.right.volumeMl, 9);
    expect(m.lungs.left.volumeMl).toBeCloseTo(t.lungs.left.volumeMl, 9);
    expect(m.lungs.totalVolumeMl).toBeCloseTo(t.lungs.total.volumeMl, 9);
    expect(m.infection.groundGlassMl).toBeCloseTo(t.infection.groundGlassOpacity.volumeMl, 9);
    expect(m.infection.consolidationMl).toBeCloseTo(t.infection.consolidation.volumeMl, 9);
    expect(m.infection.totalMl).toBeCloseTo(t.infection.total.volumeMl, 9);
    expect(m.lungs.right.groundGlassMl).toBeCloseTo(t.perLung.right.groundGlassOpacity.volumeMl, 9);
    expect(m.lungs.left.consolidationMl).toBeCloseTo(t.perLung.left.consolidation.volumeMl, 9);
    expect(m.lungs.right.involvementPercent).toBeCloseTo(t.perLung.right.involvedPercent, 9);
    expect(m.lungs.left.involvementPercent).toBeCloseTo(t.perLung.left.involvedPercent, 9);
  });

  it('splits each lung into the same thirds as the truth', () => {
    const [nx, ny] = p.volume.dims;
    for (const side of ['right', 'left'] as const) {
      const label = side === 'right' ? 1 : 2;
      for (const zone of m.lungs[side].zones) {
        const [k0, k1] = t.lungSlices[side].zones[zone.zone];
        let voxels = 0;
        for (let k = k0; k <= k1; k++)
          for (let p2 = 0; p2 < nx * ny; p2++) if (p.lungs[k * nx * ny + p2] === label) voxels++;
        expect(zone.lungVolumeMl).toBeCloseTo(voxels * t.voxelVolumeMl, 9);
      }
    }
  });

  it('counts at most one lesion per painted lesion, and at least one', () => {
    expect(m.infection.lesionCount).toBeGreaterThan(0);
    expect(m.infection.lesionCount).toBeLessThanOrEqual(t.lesions.length);
  });

  it('lists the painted lesions with their lung, zone, class mix and centre (touching ones as one lesion)', () => {
    // Every painted lesion is far above the 0.1 mL minimum, so the lesions hold all the infection.
    const sum = m.lesions.reduce((a, l) => a + l.volumeMl, 0);
    expect(sum).toBeCloseTo(t.infection.total.volumeMl, 9);
    expect(m.lesions.reduce((a, l) => a + l.consolidationMl, 0)).toBeCloseTo(t.infection.consolidation.volumeMl, 9);
    expect(m.lesions.map((l) => l.volumeMl)).toEqual([...m.lesions.map((l) => l.volumeMl)].sort((a, b) => b - a));
    for (const lesion of m.lesions) {
      // The painted lesion nearest to its centroid lies in the same lung and zone, within a voxel or two.
      const nearest = [...t.lesions].sort((a, b) => dist(a.centreMm, lesion.centroidLpsMm) - dist(b.centreMm, lesion.centroidLpsMm))[0];
      expect(lesion.lung).toBe(nearest.lung);
      expect(lesion.zone).toBe(nearest.zone);
      expect(dist(nearest.centreMm, lesion.centroidLpsMm)).toBeLessThan(2 * p.volume.spacingMm[2]);
      const [ci, cj, ck] = lesion.centroidVoxel;
      const { min, max } = lesion.boundingBoxVoxel;
      expect(ci >= min[0] && ci <= max[0] && cj >= min[1] && cj <= max[1] && ck >= min[2] && ck <= max[2]).toBe(true);
    }
    // Mean HU in the phantom's ranges: ground-glass lesions well below consolidation ones.
    const ggo = m.lesions.filter((l) => l.consolidationMl === 0);
    const cons = m.lesions.filter((l) => l.groundGlassMl === 0);
    expect(Math.max(...ggo.map((l) => l.meanHu!))).toBeLessThan(Math.min(...cons.map((l) => l.meanHu!)));
  });

  it('scores every zone that holds a painted lesion above 0', () => {
    for (const l of t.lesions) expect(m.lungs[l.lung].zones.find((z) => z.zone === l.zone)!.score).toBeGreaterThan(0);
  });
});

function dist(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
