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
});
