import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  generateChestPhantom,
  PHANTOM_ATELECTASIS_HU,
  PHANTOM_CONSOLIDATION_HU,
  PHANTOM_EFFUSION_HU,
  PHANTOM_GGO_HU,
  PhantomFinding,
  type ChestPhantom,
  type PhantomProfile,
} from './generateChestPhantom.ts';
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

function count(mask: Uint8Array, value: number, where?: (n: number) => boolean): number {
  let c = 0;
  for (let n = 0; n < mask.length; n++) if (mask[n] === value && (!where || where(n))) c++;
  return c;
}

function sha256(a: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

describe('generateChestPhantom profiles', () => {
  const profiles: PhantomProfile[] = ['normal', 'covid', 'severe'];
  const byProfile = Object.fromEntries(profiles.map((profile) => [profile, generateChestPhantom({ ...opts, profile })])) as Record<PhantomProfile, ChestPhantom>;

  it('makes covid the default, voxel for voxel', () => {
    const covid = byProfile.covid;
    expect(covid.truth.profile).toBe('covid');
    expect(phantom.truth.profile).toBe('covid');
    expect(sha256(covid.volume.voxels)).toBe(sha256(phantom.volume.voxels));
    expect(covid.truth).toEqual(phantom.truth);
    expect(covid.findings).toBeNull();
  });

  it('keeps the covid phantom of seed 1 at 512x512x64 exactly as it has always been', () => {
    const p = generateChestPhantom({ seed: 1, size: 512, slices: 64 });
    // Hashes of the voxels and masks from before profiles existed: goldens and fixtures stay valid.
    expect(sha256(p.volume.voxels).slice(0, 16)).toBe('45d06f274cb53c39');
    expect(sha256(p.lungs).slice(0, 16)).toBe('658c500eec73c777');
    expect(sha256(p.infection).slice(0, 16)).toBe('814b75a7a477bf35');
    expect(p.truth.lungs.total.volumeMl).toBeCloseTo(3964.593, 2);
    expect(p.truth.infection.groundGlassOpacity.volumeMl).toBeCloseTo(90.366, 2);
    expect(p.truth.infection.consolidation.volumeMl).toBeCloseTo(25.763, 2);
    expect(p.truth.effusion.total.voxels).toBe(0);
    expect(p.truth.atelectasis.total.voxels).toBe(0);
    expect(p.volume.meta.seriesInstanceUid).toBe('2.25.274653389589880311375881322737063673553');
    expect(p.volume.meta.seriesDescription).toBe('OPAL chest phantom seed 1');
  });

  it.each(profiles)('reports %s truth volumes equal to the voxel counts of its masks', (profile) => {
    const p = byProfile[profile];
    const t = p.truth;
    const findings = p.findings ?? new Uint8Array(p.lungs.length);
    const inRight = (n: number): boolean => p.lungs[n] === LungLabel.RightLung;
    const inLeft = (n: number): boolean => p.lungs[n] === LungLabel.LeftLung;
    const nx = p.volume.dims[0];
    const rightSide = (n: number): boolean => p.volume.originMm[0] + (n % nx) * p.volume.spacingMm[0] < 0;
    expect(t.profile).toBe(profile);
    expect(t.lungs.right.voxels).toBe(count(p.lungs, LungLabel.RightLung));
    expect(t.lungs.left.voxels).toBe(count(p.lungs, LungLabel.LeftLung));
    expect(t.infection.groundGlassOpacity.voxels).toBe(count(p.infection, InfectionLabel.GroundGlassOpacity));
    expect(t.infection.consolidation.voxels).toBe(count(p.infection, InfectionLabel.Consolidation));
    expect(t.perLung.right.consolidation.voxels).toBe(count(p.infection, InfectionLabel.Consolidation, inRight));
    expect(t.perLung.left.groundGlassOpacity.voxels).toBe(count(p.infection, InfectionLabel.GroundGlassOpacity, inLeft));
    expect(t.effusion.right.voxels).toBe(count(findings, PhantomFinding.Effusion, rightSide));
    expect(t.effusion.total.voxels).toBe(count(findings, PhantomFinding.Effusion));
    expect(t.atelectasis.right.voxels).toBe(count(findings, PhantomFinding.Atelectasis, inRight));
    expect(t.atelectasis.left.voxels).toBe(count(findings, PhantomFinding.Atelectasis, inLeft));
    expect(t.lesions.reduce((a, l) => a + l.voxels, 0)).toBe(t.infection.total.voxels);
    for (const x of [t.lungs.total, t.infection.total, t.effusion.total, t.effusion.left, t.atelectasis.total]) {
      expect(x.volumeMl).toBeCloseTo(x.voxels * t.voxelVolumeMl, 9);
    }
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('paints no lesion at all in the normal chest, and otherwise the same chest as covid', () => {
    const normal = byProfile.normal;
    const covid = byProfile.covid;
    expect(count(normal.infection, 0)).toBe(normal.infection.length);
    expect(normal.truth.infection.total.voxels).toBe(0);
    expect(normal.truth.lesions).toEqual([]);
    expect(normal.truth.perLung.right.involvedPercent).toBe(0);
    expect(normal.findings).toBeNull();
    expect(sha256(normal.lungs)).toBe(sha256(covid.lungs));
    let differs = 0;
    for (let n = 0; n < covid.infection.length; n++) if (covid.infection[n] === 0 && normal.volume.voxels[n] !== covid.volume.voxels[n]) differs++;
    expect(differs).toBe(0);
  });

  it('gives each profile its own series UIDs and names it in the series description', () => {
    const uids = profiles.map((profile) => byProfile[profile].volume.meta.seriesInstanceUid);
    expect(new Set(uids).size).toBe(3);
    expect(byProfile.covid.volume.meta.seriesDescription).toBe('OPAL chest phantom seed 7');
    expect(byProfile.severe.volume.meta.seriesDescription).toBe('OPAL chest phantom seed 7 (severe)');
  });

  it('consolidates at least 35 % of the right lung in the severe chest, and the consolidation touches the posterior chest wall', () => {
    const severe = byProfile.severe;
    const t = severe.truth;
    const fraction = t.perLung.right.consolidation.voxels / t.lungs.right.voxels;
    expect(fraction).toBeGreaterThanOrEqual(0.35);
    expect(fraction).toBeLessThan(0.6);
    // Pleural-based: consolidated voxels whose posterior neighbour is the chest wall (soft tissue or
    // bone, not lung, not fluid), away from the mediastinum and the spine.
    const [nx, ny] = severe.volume.dims;
    let againstWall = 0;
    for (let n = 0; n < severe.infection.length; n++) {
      if (severe.infection[n] !== InfectionLabel.Consolidation) continue;
      const j = Math.floor(n / nx) % ny;
      const x = severe.volume.originMm[0] + (n % nx) * severe.volume.spacingMm[0];
      const behind = n + nx;
      if (j + 1 < ny && x < -40 && severe.lungs[behind] === 0 && severe.findings?.[behind] === 0 && severe.volume.voxels[behind] > -200) againstWall++;
    }
    expect(againstWall).toBeGreaterThan(100);
    // Dependent: the consolidation's centre lies behind the right lung's centre.
    const consolidation = t.lesions.find((l) => l.className === 'consolidation' && l.lung === 'right');
    expect(consolidation?.centreMm[1]).toBeGreaterThan(20);
  });

  it('puts the severe effusion outside the lung truth, in its HU band, layered behind the left lung', () => {
    const severe = byProfile.severe;
    const findings = severe.findings as Uint8Array;
    const { voxels, originMm, spacingMm, dims } = severe.volume;
    let effusion = 0;
    let yMmSum = 0;
    const bad: string[] = [];
    for (let n = 0; n < findings.length; n++) {
      if (findings[n] !== PhantomFinding.Effusion) continue;
      effusion++;
      yMmSum += originMm[1] + (Math.floor(n / dims[0]) % dims[1]) * spacingMm[1];
      if (severe.lungs[n] !== 0 || severe.infection[n] !== 0) bad.push(`voxel ${n} is lung or infection`);
      if (voxels[n] < PHANTOM_EFFUSION_HU[0] || voxels[n] > PHANTOM_EFFUSION_HU[1]) bad.push(`voxel ${n}: ${voxels[n]} HU`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(severe.truth.effusion.left.volumeMl).toBeGreaterThan(100);
    expect(severe.truth.effusion.right.voxels).toBe(0);
    expect(effusion).toBe(severe.truth.effusion.total.voxels);
    expect(yMmSum / effusion).toBeGreaterThan(40); // posterior (dependent in a supine patient)
    // The lungs keep the diseased lung: without the effusion they are still an adult's lungs.
    expect(severe.truth.lungs.total.volumeMl).toBeGreaterThan(0.9 * byProfile.covid.truth.lungs.total.volumeMl);
    expect(severe.truth.lungs.total.voxels + effusion).toBe(byProfile.covid.truth.lungs.total.voxels);
  });

  it('keeps severe atelectasis inside the lungs, out of the infection, in its HU band, and every lesion in its band', () => {
    const severe = byProfile.severe;
    const findings = severe.findings as Uint8Array;
    const { voxels } = severe.volume;
    const bad: string[] = [];
    for (let n = 0; n < findings.length; n++) {
      const v = voxels[n];
      if (findings[n] === PhantomFinding.Atelectasis) {
        if (severe.lungs[n] === 0 || severe.infection[n] !== 0) bad.push(`atelectasis voxel ${n} outside lung or in infection`);
        if (v < PHANTOM_ATELECTASIS_HU[0] || v > PHANTOM_ATELECTASIS_HU[1]) bad.push(`atelectasis voxel ${n}: ${v} HU`);
      }
      const inf = severe.infection[n];
      if (inf !== 0 && severe.lungs[n] === 0) bad.push(`infection voxel ${n} outside the lungs`);
      if (inf === InfectionLabel.GroundGlassOpacity && (v < PHANTOM_GGO_HU[0] || v > PHANTOM_GGO_HU[1])) bad.push(`GGO voxel ${n}: ${v} HU`);
      if (inf === InfectionLabel.Consolidation && (v < PHANTOM_CONSOLIDATION_HU[0] || v > PHANTOM_CONSOLIDATION_HU[1])) bad.push(`consolidation voxel ${n}: ${v} HU`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(severe.truth.atelectasis.right.voxels).toBeGreaterThan(0);
    expect(severe.truth.atelectasis.left.voxels).toBeGreaterThan(0);
    // Small beside the consolidation, so an engine that calls it consolidation stays within 15 %.
    expect(severe.truth.atelectasis.total.volumeMl).toBeLessThan(0.1 * severe.truth.infection.consolidation.volumeMl);
  });

  it('puts ground glass in the other (left) lung of the severe chest, and air bronchograms in its consolidation', () => {
    const severe = byProfile.severe;
    expect(severe.truth.perLung.left.groundGlassOpacity.volumeMl).toBeGreaterThan(20);
    expect(severe.truth.perLung.left.consolidation.voxels).toBe(0);
    // Air inside the consolidated region: lung voxels below -900 HU behind the consolidation's front.
    let air = 0;
    const [nx, ny] = severe.volume.dims;
    for (let n = nx; n < severe.lungs.length - nx; n++) {
      if (severe.lungs[n] !== LungLabel.RightLung || severe.volume.voxels[n] > -900) continue;
      if (severe.infection[n - 1] === InfectionLabel.Consolidation || severe.infection[n + 1] === InfectionLabel.Consolidation) {
        if (Math.floor(n / nx) % ny > 0) air++;
      }
    }
    expect(air).toBeGreaterThan(0);
  });

  it('refuses an unknown profile with E_BAD_ARGUMENT', () => {
    expect(() => generateChestPhantom({ profile: 'mild' as PhantomProfile })).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
  });
});
