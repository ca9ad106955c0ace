import { describe, expect, it } from 'vitest';
import { generateChestPhantom, PHANTOM_CONSOLIDATION_HU, PHANTOM_GGO_HU, type ChestPhantom } from './generateChestPhantom.ts';
import { InfectionLabel, LungLabel, voxelToPatient } from '../volume/index.ts';

// Small phantoms keep the suite fast; the anatomy is in millimetres, so it is the same chest.
const opts = { seed: 7, size: 96, slices: 40 };
const phantom = generateChestPhantom(opts);

function indexOfPoint(p: ChestPhantom, xMm: number, yMm: number, zMm: number): number {
  const v = p.volume;
  const i = Math.round((xMm - v.originMm[0]) / v.spacingMm[0]);
  const j = Math.round((yMm - v.originMm[1]) / v.spacingMm[1]);
  const k = Math.round((zMm - v.originMm[2]) / v.spacingMm[2]);
  return i + v.dims[0] * (j + v.dims[1] * k);
}

describe('generateChestPhantom', () => {
  it('is deterministic for a seed and different for another seed', () => {
    const again = generateChestPhantom(opts);
    expect(Buffer.from(again.volume.voxels.buffer).equals(Buffer.from(phantom.volume.voxels.buffer))).toBe(true);
    expect(Buffer.from(again.lungs).equals(Buffer.from(phantom.lungs))).toBe(true);
    expect(Buffer.from(again.infection).equals(Buffer.from(phantom.infection))).toBe(true);
    expect(again.truth).toEqual(phantom.truth);
    const other = generateChestPhantom({ ...opts, seed: 8 });
    expect(Buffer.from(other.volume.voxels.buffer).equals(Buffer.from(phantom.volume.voxels.buffer))).toBe(false);
    expect(other.truth.infection.total.voxels).not.toBe(phantom.truth.infection.total.voxels);
  });

  it('reports truth counts equal to the masks, and mL = voxels × voxel volume', () => {
    const count = (mask: Uint8Array, value: number, where?: (n: number) => boolean): number => {
      let c = 0;
      for (let n = 0; n < mask.length; n++) if (mask[n] === value && (!where || where(n))) c++;
      return c;
    };
    const t = phantom.truth;
    const [sx, sy, sz] = phantom.volume.spacingMm;
    expect(t.voxelVolumeMl).toBeCloseTo((sx * sy * sz) / 1000, 12);
    expect(t.lungs.right.voxels).toBe(count(phantom.lungs, LungLabel.RightLung));
    expect(t.lungs.left.voxels).toBe(count(phantom.lungs, LungLabel.LeftLung));
    expect(t.lungs.total.voxels).toBe(t.lungs.right.voxels + t.lungs.left.voxels);
    expect(t.infection.groundGlassOpacity.voxels).toBe(count(phantom.infection, InfectionLabel.GroundGlassOpacity));
    expect(t.infection.consolidation.voxels).toBe(count(phantom.infection, InfectionLabel.Consolidation));
    const inRight = (n: number): boolean => phantom.lungs[n] === LungLabel.RightLung;
    expect(t.perLung.right.groundGlassOpacity.voxels).toBe(count(phantom.infection, 1, inRight));
    expect(t.perLung.right.consolidation.voxels).toBe(count(phantom.infection, 2, inRight));
    for (const x of [t.lungs.right, t.lungs.left, t.infection.groundGlassOpacity, t.infection.consolidation, t.perLung.left.consolidation]) {
      expect(x.volumeMl).toBeCloseTo(x.voxels * t.voxelVolumeMl, 9);
    }
    expect(t.lesions.reduce((a, l) => a + l.voxels, 0)).toBe(t.infection.total.voxels);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('paints every lesion inside the lungs, with both classes present', () => {
    let outside = 0;
    for (let n = 0; n < phantom.infection.length; n++) if (phantom.infection[n] !== 0 && phantom.lungs[n] === 0) outside++;
    expect(outside).toBe(0);
    expect(phantom.truth.infection.groundGlassOpacity.voxels).toBeGreaterThan(0);
    expect(phantom.truth.infection.consolidation.voxels).toBeGreaterThan(0);
  });

  it('places lesions in the upper, middle and lower third of each lung, most of them peripheral', () => {
    const t = phantom.truth;
    for (const lung of ['right', 'left'] as const) {
      for (const zone of ['upper', 'middle', 'lower'] as const) {
        const here = t.lesions.filter((l) => l.lung === lung && l.zone === zone && l.voxels > 0);
        expect(here.length, `${lung} ${zone}`).toBeGreaterThan(0);
        for (const l of here) {
          const k = Math.round((l.centreMm[2] - t.originMm[2]) / t.spacingMm[2]);
          const [lo, hi] = t.lungSlices[lung].zones[zone];
          expect(k, `lesion ${l.id} slice`).toBeGreaterThanOrEqual(lo - 1);
          expect(k, `lesion ${l.id} slice`).toBeLessThanOrEqual(hi + 1);
          // The lesion centre lies in its own lung (right lung = patient right = negative x in LPS).
          expect(Math.sign(l.centreMm[0])).toBe(lung === 'right' ? -1 : 1);
        }
      }
    }
    expect(t.lesions.filter((l) => l.peripheral).length).toBeGreaterThanOrEqual(4);
  });

  it('keeps every tissue in its HU range', () => {
    const { voxels } = phantom.volume;
    const lungHu: number[] = [];
    let vesselVoxels = 0;
    const outOfRange: string[] = [];
    for (let n = 0; n < voxels.length; n++) {
      const v = voxels[n];
      if (v < -1024 || v > 3071) outOfRange.push(`voxel ${n}: ${v} HU`);
      const inf = phantom.infection[n];
      if (inf === InfectionLabel.GroundGlassOpacity) {
        if (v < PHANTOM_GGO_HU[0] || v > PHANTOM_GGO_HU[1]) outOfRange.push(`GGO voxel ${n}: ${v} HU`);
      } else if (inf === InfectionLabel.Consolidation) {
        if (v < PHANTOM_CONSOLIDATION_HU[0] || v > PHANTOM_CONSOLIDATION_HU[1]) outOfRange.push(`consolidation voxel ${n}: ${v} HU`);
      } else if (phantom.lungs[n] !== 0) {
        lungHu.push(v);
        if (v > -200) vesselVoxels++;
      }
    }
    expect(outOfRange.slice(0, 5)).toEqual([]);
    lungHu.sort((a, b) => a - b);
    const median = lungHu[lungHu.length >> 1];
    expect(median).toBeGreaterThan(-890);
    expect(median).toBeLessThan(-810);
    // Vessels (~+40 HU) are inside the lung mask, as in a real lung segmentation.
    expect(vesselVoxels / lungHu.length).toBeGreaterThan(0.005);
    expect(vesselVoxels / lungHu.length).toBeLessThan(0.2);
    const z0 = phantom.truth.originMm[2];
    const zMid = z0 + (phantom.volume.dims[2] / 2) * phantom.volume.spacingMm[2];
    expect(voxels[indexOfPoint(phantom, -175, -175, zMid)]).toBeLessThan(-950); // air outside the body
    expect(voxels[indexOfPoint(phantom, 0, 60, zMid + 10)]).toBeGreaterThan(-100); // vertebral body (bone or disc)
    expect(voxels[indexOfPoint(phantom, 150, 5, zMid)]).toBeGreaterThan(-200); // chest wall / fat, not lung
  });

  it('puts the right lung on the patient right (low x in LPS) and the left lung on the left', () => {
    const { dims } = phantom.volume;
    let rightI = 0, rightN = 0, leftI = 0, leftN = 0;
    for (let n = 0; n < phantom.lungs.length; n++) {
      const i = n % dims[0];
      if (phantom.lungs[n] === LungLabel.RightLung) { rightI += i; rightN++; }
      else if (phantom.lungs[n] === LungLabel.LeftLung) { leftI += i; leftN++; }
    }
    expect(voxelToPatient(phantom.volume, rightI / rightN, 0, 0)[0]).toBeLessThan(-40);
    expect(voxelToPatient(phantom.volume, leftI / leftN, 0, 0)[0]).toBeGreaterThan(40);
  });

  it('keeps the trachea (air) outside the lung masks', () => {
    const topZ = phantom.truth.originMm[2] + (phantom.volume.dims[2] - 2) * phantom.volume.spacingMm[2];
    const n = indexOfPoint(phantom, 0, 22, topZ);
    expect(phantom.volume.voxels[n]).toBeLessThan(-900);
    expect(phantom.lungs[n]).toBe(0);
  });

  it('has adult lung volumes (3-6 L in total) independent of the grid', () => {
    const fine = generateChestPhantom({ seed: 1, size: 160, slices: 60 });
    const coarse = generateChestPhantom({ seed: 1, size: 80, slices: 30 });
    expect(fine.truth.lungs.total.volumeMl).toBeGreaterThan(3000);
    expect(fine.truth.lungs.total.volumeMl).toBeLessThan(6000);
    expect(fine.truth.lungs.right.volumeMl).toBeGreaterThan(fine.truth.lungs.left.volumeMl);
    expect(Math.abs(coarse.truth.lungs.total.volumeMl / fine.truth.lungs.total.volumeMl - 1)).toBeLessThan(0.05);
    expect(fine.truth.spacingMm).toEqual([2.25, 2.25, 5]);
  });

  it('refuses impossible options with E_BAD_ARGUMENT', () => {
    for (const bad of [{ size: 8 }, { slices: 0 }, { seed: 1.5 }, { pixelSpacingMm: -1 }, { sliceThicknessMm: 0 }]) {
      expect(() => generateChestPhantom(bad)).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
    }
  });
});
