/**
 * Measurements for the synthetic study, counted from its masks in the simplest way (voxel counts;
 * zones = thirds of the slice range of each lung). An input for the export tests, not a test of
 * electron/common/quant.
 */
import {
  findLesions,
  SEVERITY_MINIMUM,
  sliceZoneTable,
  type LungMeasurement,
  type LungSide,
  type LungZone,
  type Measurements,
  type ModelProvenance,
  type ZoneScore,
} from '../../electron/common/quant/index.ts';
import { InfectionLabel, LungLabel } from '../../electron/common/volume/index.ts';
import type { SyntheticStudy } from './syntheticStudy.ts';

function scoreOf(percent: number): ZoneScore {
  if (percent <= 0) return 0;
  if (percent < 5) return 1;
  if (percent <= 25) return 2;
  if (percent <= 50) return 3;
  if (percent <= 75) return 4;
  return 5;
}

export function sampleMeasurements(s: SyntheticStudy): Measurements {
  const [nx, ny, nz] = s.volume.dims;
  const voxelVolumeMl = (s.volume.spacingMm[0] * s.volume.spacingMm[1] * s.volume.spacingMm[2]) / 1000;
  const per = (side: LungSide): LungMeasurement => {
    const label = side === 'right' ? LungLabel.RightLung : LungLabel.LeftLung;
    let lungN = 0;
    let ggo = 0;
    let cons = 0;
    let kMin = nz;
    let kMax = -1;
    for (let k = 0; k < nz; k++) for (let q = 0; q < nx * ny; q++) {
      const p = k * nx * ny + q;
      if (s.lungs[p] !== label) continue;
      lungN++;
      kMin = Math.min(kMin, k);
      kMax = Math.max(kMax, k);
      if (s.infection[p] === InfectionLabel.GroundGlassOpacity) ggo++;
      if (s.infection[p] === InfectionLabel.Consolidation) cons++;
    }
    const zones = (['upper', 'middle', 'lower'] as LungZone[]).map((zone, zi) => {
      let zl = 0;
      let zi2 = 0;
      const span = kMax - kMin + 1;
      for (let k = kMin; k <= kMax; k++) {
        const third = Math.min(2, Math.floor(((kMax - k) * 3) / span)); // superior slices = upper
        if (third !== zi) continue;
        for (let q = 0; q < nx * ny; q++) {
          const p = k * nx * ny + q;
          if (s.lungs[p] !== label) continue;
          zl++;
          if (s.infection[p] !== 0) zi2++;
        }
      }
      const involvementPercent = zl ? (100 * zi2) / zl : 0;
      const score = scoreOf(involvementPercent);
      return {
        side,
        zone,
        lungVolumeMl: zl * voxelVolumeMl,
        infectionMl: zi2 * voxelVolumeMl,
        involvementPercent,
        score,
        lesionInfectionMl: zi2 * voxelVolumeMl,
        lesionInvolvementPercent: involvementPercent,
        belowMinimum: false,
        scoreReason: score ? `${involvementPercent.toFixed(1)} % involved` : 'no infection',
      };
    });
    return {
      side,
      volumeMl: lungN * voxelVolumeMl,
      groundGlassMl: ggo * voxelVolumeMl,
      consolidationMl: cons * voxelVolumeMl,
      infectionMl: (ggo + cons) * voxelVolumeMl,
      involvementPercent: lungN ? (100 * (ggo + cons)) / lungN : 0,
      zones,
    };
  };
  const right = per('right');
  const left = per('left');
  const total = [...right.zones, ...left.zones].reduce((a, z) => a + z.score, 0);
  // The two painted blobs are 27 and 9 mm³: lesions here with a 5 mm³ minimum.
  const noZones = sliceZoneTable(nz, -1, -1, true);
  const { lesions } = findLesions({ ...s.volume, hu: s.volume.voxels, lungs: s.lungs, infection: s.infection, sliceZones: [noZones, noZones, noZones], minVolumeMl: 0.005 });
  return {
    schemaVersion: 1,
    lungs: { right, left, totalVolumeMl: right.volumeMl + left.volumeMl },
    infection: {
      groundGlassMl: right.groundGlassMl + left.groundGlassMl,
      consolidationMl: right.consolidationMl + left.consolidationMl,
      totalMl: right.infectionMl + left.infectionMl,
      lesionCount: lesions.length,
      outsideLungsMl: 0,
    },
    severity: { total, max: 30, method: 'Zone-based approximation of the CT severity score (thirds of each lung; no lobe model)', minimum: { ...SEVERITY_MINIMUM } },
    lesions,
    voxelVolumeMl,
    warnings: [],
  };
}

export const sampleModel: ModelProvenance = {
  name: 'opal-infnet',
  version: '0.1.0',
  sha256: 'b'.repeat(64),
  executionProvider: 'cpu',
  edited: false,
};
