import { OpalError } from '../errors/index.ts';
import { InfectionLabel, LungLabel, type Mat3, type Vec3 } from '../volume/index.ts';
import { findLesions, MIN_LESION_VOLUME_ML, sliceZoneTable, ZONES } from './lesions.ts';
import type { LungMeasurement, LungSide, Measurements, SeverityMinimum, ZoneMeasurement, ZoneScore } from './Measurements.ts';

/** A zone scores above 0 only with at least this much of its lung volume in lesions (%). */
export const MIN_ZONE_INVOLVEMENT_PERCENT = 0.5;
/** ...and at least this much infection in lesions (mL). */
export const MIN_ZONE_LESION_ML = 1;

export const SEVERITY_MINIMUM: SeverityMinimum = {
  zoneInvolvementPercent: MIN_ZONE_INVOLVEMENT_PERCENT,
  zoneLesionMl: MIN_ZONE_LESION_ML,
  lesionVolumeMl: MIN_LESION_VOLUME_ML,
};

export const SEVERITY_METHOD =
  'Zone-based approximation of the lobar CT severity score: each lung is split into upper, middle and lower thirds of its ' +
  'cranio-caudal extent (not anatomical lobes); each of the six zones scores 0 (none), 1 (<5 %), 2 (5-25 %), 3 (26-50 %), ' +
  `4 (51-75 %) or 5 (>75 % involved); total 0-30. A zone scores above 0 only when at least ${MIN_ZONE_LESION_ML.toFixed(1)} mL ` +
  `and ${MIN_ZONE_INVOLVEMENT_PERCENT} % of its volume is infection in lesions (connected regions of at least ` +
  `${MIN_LESION_VOLUME_ML} mL); below that minimum, scattered specks score 0.`;

/** @deprecated Use MIN_LESION_VOLUME_ML: smallest connected infection region counted as a lesion. */
export const MIN_LESION_VOLUME_MM3 = MIN_LESION_VOLUME_ML * 1000;

export interface QuantifyInput {
  /** 0 background, 1 right lung, 2 left lung. */
  lungs: Uint8Array;
  /** 0 background, 1 ground-glass opacity, 2 consolidation. */
  infection: Uint8Array;
  dims: Vec3;
  spacingMm: Vec3;
  /** Voxel axes in LPS (Volume.direction); decides which end of the k axis is superior. Identity when absent. */
  direction?: Mat3;
  /** LPS position of voxel (0,0,0) (Volume.originMm), for the lesion centroids; [0,0,0] when absent. */
  originMm?: Vec3;
  /** The CT in HU (Volume.voxels), for each lesion's mean HU (null without it). */
  hu?: Int16Array | Float32Array;
  /** The model's per-voxel confidence in its label, 0-255, for each lesion's mean confidence. */
  confidence?: Uint8Array;
  /** The labels the model wrote before any manual edit: painted voxels are left out of the confidence. */
  modelInfection?: Uint8Array;
  /** Warnings carried into the measurements (e.g. from the lung mask). */
  warnings?: string[];
}

/**
 * CT severity score of one zone from its involvement in percent. The published bands are
 * 0 / <5 / 5-25 / 26-50 / 51-75 / >75 %; on a continuous percentage the upper bounds are inclusive
 * (25 % scores 2, 25.1 % scores 3).
 */
export function zoneScore(involvementPercent: number): ZoneScore {
  if (involvementPercent <= 0) return 0;
  if (involvementPercent < 5) return 1;
  if (involvementPercent <= 25) return 2;
  if (involvementPercent <= 50) return 3;
  if (involvementPercent <= 75) return 4;
  return 5;
}

const fmtMl = (x: number): string => x.toFixed(x < 10 ? 2 : 1);
// Two decimals under 1 %, so a zone at 0.47 % never prints as the 0.5 % it fell short of.
const fmtPercent = (x: number): string => (x < 1 ? x.toFixed(2) : x.toFixed(1));
const BAND_TEXT = ['none', '<5 %', '5-25 %', '26-50 %', '51-75 %', '>75 %'];

export interface ZoneScoreInputs {
  infectionMl: number;
  involvementPercent: number;
  lesionInfectionMl: number;
  lesionInvolvementPercent: number;
}

/**
 * The zone's score with the minimum (SEVERITY_METHOD): 0 unless the infection in lesions reaches
 * both `minimum.zoneLesionMl` and `minimum.zoneInvolvementPercent`; above it, the published band
 * of the zone's whole involvement (at least 1). Returns the reason in words for the report.
 */
export function scoreZone(z: ZoneScoreInputs, minimum: SeverityMinimum = SEVERITY_MINIMUM): Pick<ZoneMeasurement, 'score' | 'belowMinimum' | 'scoreReason'> {
  if (z.infectionMl <= 0) return { score: 0, belowMinimum: false, scoreReason: 'no infection' };
  if (z.lesionInfectionMl < minimum.zoneLesionMl || z.lesionInvolvementPercent < minimum.zoneInvolvementPercent) {
    return {
      score: 0,
      belowMinimum: true,
      scoreReason:
        `below the minimum: ${fmtMl(z.lesionInfectionMl)} of ${fmtMl(z.infectionMl)} mL in lesions ` +
        `(${fmtPercent(z.lesionInvolvementPercent)} % of the zone); needs ${minimum.zoneLesionMl.toFixed(1)} mL and ${minimum.zoneInvolvementPercent} %`,
    };
  }
  const score = Math.max(1, zoneScore(z.involvementPercent)) as ZoneScore;
  return { score, belowMinimum: false, scoreReason: `${fmtPercent(z.involvementPercent)} % involved (${BAND_TEXT[score]})` };
}

/**
 * The numbers OPAL reports for one study (DESIGN.md §3.7): per-class infection volume, each lung's
 * volume and involvement, the six-zone severity score with its minimum (scoreZone) and the lesion
 * list (findLesions: 3-D 26-connected components of infection of at least MIN_LESION_VOLUME_ML).
 */
export function quantify(input: QuantifyInput): Measurements {
  const { lungs, infection, dims, spacingMm } = input;
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  if (lungs.length !== n || infection.length !== n) {
    throw new OpalError(
      'E_BAD_ARGUMENT',
      `Masks have ${lungs.length} and ${infection.length} voxels; the volume has ${n}.`,
    );
  }
  for (const [name, arr] of [['CT', input.hu], ['confidence', input.confidence], ['model labelmap', input.modelInfection]] as const) {
    if (arr && arr.length !== n) throw new OpalError('E_BAD_ARGUMENT', `The ${name} has ${arr.length} voxels; the volume has ${n}.`);
  }
  const voxelMl = (spacingMm[0] * spacingMm[1] * spacingMm[2]) / 1000;
  const superiorIsHighK = (input.direction?.[8] ?? 1) >= 0;
  const sliceSize = nx * ny;

  // Per slice and lung: lung voxels, GGO and consolidation voxels inside that lung.
  // The label values are read into locals once: imported constants can be module getters
  // (tsx, vitest), and a getter call per voxel made this loop ten times slower.
  const GGO = InfectionLabel.GroundGlassOpacity;
  const CONS = InfectionLabel.Consolidation;
  const RIGHT = LungLabel.RightLung;
  const LEFT = LungLabel.LeftLung;
  const perSlice = new Float64Array(nz * 3 * 3); // [k][lung 0..2][lungVox, ggo, cons]
  let ggoTotal = 0;
  let consTotal = 0;
  for (let k = 0; k < nz; k++) {
    const base = k * sliceSize;
    for (let p = 0; p < sliceSize; p++) {
      const v = base + p;
      const inf = infection[v];
      if (inf === GGO) ggoTotal++;
      else if (inf === CONS) consTotal++;
      const lung = lungs[v];
      if (lung !== RIGHT && lung !== LEFT) continue;
      const o = (k * 3 + lung) * 3;
      perSlice[o]++;
      if (inf === GGO) perSlice[o + 1]++;
      else if (inf === CONS) perSlice[o + 2]++;
    }
  }

  // Zone of each slice per lung label (index 0: both lungs' combined extent, for infection outside them).
  const extent = (labels: number[]): [number, number] => {
    let kMin = -1;
    let kMax = -1;
    for (let k = 0; k < nz; k++) {
      if (labels.some((l) => perSlice[(k * 3 + l) * 3] > 0)) {
        if (kMin < 0) kMin = k;
        kMax = k;
      }
    }
    return [kMin, kMax];
  };
  const sliceZones = [[1, 2], [1], [2]].map((labels) => sliceZoneTable(nz, ...extent(labels), superiorIsHighK)) as [Int8Array, Int8Array, Int8Array];

  const { lesions, lesionVoxelsByZone } = findLesions({
    infection,
    lungs,
    dims,
    spacingMm,
    originMm: input.originMm,
    direction: input.direction,
    hu: input.hu,
    confidence: input.confidence,
    modelInfection: input.modelInfection,
    sliceZones,
  });

  const measureLung = (side: LungSide): LungMeasurement => {
    const label = side === 'right' ? LungLabel.RightLung : LungLabel.LeftLung;
    const zoneSums = ZONES.map(() => [0, 0, 0]);
    const total = [0, 0, 0];
    for (let k = 0; k < nz; k++) {
      const zone = sliceZones[label][k];
      if (zone < 0) continue;
      const o = (k * 3 + label) * 3;
      for (let c = 0; c < 3; c++) {
        zoneSums[zone][c] += perSlice[o + c];
        total[c] += perSlice[o + c];
      }
    }
    const zones: ZoneMeasurement[] = ZONES.map((zone, z) => {
      const [lungVox, ggo, cons] = zoneSums[z];
      const lesionVox = lesionVoxelsByZone[3 * label + z];
      const inputs: ZoneScoreInputs = {
        infectionMl: (ggo + cons) * voxelMl,
        involvementPercent: lungVox > 0 ? (100 * (ggo + cons)) / lungVox : 0,
        lesionInfectionMl: lesionVox * voxelMl,
        lesionInvolvementPercent: lungVox > 0 ? (100 * lesionVox) / lungVox : 0,
      };
      return { side, zone, lungVolumeMl: lungVox * voxelMl, ...inputs, ...scoreZone(inputs) };
    });
    return {
      side,
      volumeMl: total[0] * voxelMl,
      groundGlassMl: total[1] * voxelMl,
      consolidationMl: total[2] * voxelMl,
      infectionMl: (total[1] + total[2]) * voxelMl,
      involvementPercent: total[0] > 0 ? (100 * (total[1] + total[2])) / total[0] : 0,
      zones,
    };
  };

  const right = measureLung('right');
  const left = measureLung('left');
  const severityTotal = [...right.zones, ...left.zones].reduce((s, z) => s + z.score, 0);
  const outsideVoxels = ggoTotal + consTotal - (right.infectionMl + left.infectionMl) / voxelMl;
  const outsideLungsMl = Math.max(0, Math.round(outsideVoxels)) * voxelMl;
  const warnings = [...(input.warnings ?? [])];
  if (outsideLungsMl > 0) {
    warnings.push(
      `${outsideLungsMl.toFixed(1)} mL of the infection mask lies outside the lung masks: it is in the infection totals but not in either lung's volume, involvement or severity score.`,
    );
  }
  return {
    schemaVersion: 1,
    lungs: { right, left, totalVolumeMl: right.volumeMl + left.volumeMl },
    infection: {
      groundGlassMl: ggoTotal * voxelMl,
      consolidationMl: consTotal * voxelMl,
      totalMl: (ggoTotal + consTotal) * voxelMl,
      lesionCount: lesions.length,
      outsideLungsMl,
    },
    severity: { total: severityTotal, max: 30, method: SEVERITY_METHOD, minimum: { ...SEVERITY_MINIMUM } },
    lesions,
    voxelVolumeMl: voxelMl,
    warnings,
  };
}
