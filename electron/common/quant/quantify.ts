import { OpalError } from '../errors/index.ts';
import { connectedComponents3d } from '../lung/connectedComponents3d.ts';
import { InfectionLabel, LungLabel, type Mat3, type Vec3 } from '../volume/index.ts';
import type {
  LungMeasurement,
  LungSide,
  LungZone,
  Measurements,
  ZoneMeasurement,
  ZoneScore,
} from './Measurements.ts';

export const SEVERITY_METHOD =
  'Zone-based approximation of the lobar CT severity score: each lung is split into upper, middle and lower thirds of its ' +
  'cranio-caudal extent (not anatomical lobes); each of the six zones scores 0 (none), 1 (<5 %), 2 (5-25 %), 3 (26-50 %), ' +
  '4 (51-75 %) or 5 (>75 % involved); total 0-30.';

/** Smallest connected infection region counted as a lesion. */
export const MIN_LESION_VOLUME_MM3 = 10;

export interface QuantifyInput {
  /** 0 background, 1 right lung, 2 left lung. */
  lungs: Uint8Array;
  /** 0 background, 1 ground-glass opacity, 2 consolidation. */
  infection: Uint8Array;
  dims: Vec3;
  spacingMm: Vec3;
  /** Voxel axes in LPS (Volume.direction); decides which end of the k axis is superior. Identity when absent. */
  direction?: Mat3;
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

const ZONES: LungZone[] = ['upper', 'middle', 'lower'];

/**
 * The numbers OPAL reports for one study (DESIGN.md §3.7): per-class infection volume, each lung's
 * volume and involvement, the six-zone severity score and the lesion count (3-D 26-connected
 * components of infection of at least 10 mm³).
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
  const voxelMm3 = spacingMm[0] * spacingMm[1] * spacingMm[2];
  const voxelMl = voxelMm3 / 1000;
  const superiorIsHighK = (input.direction?.[8] ?? 1) >= 0;
  const sliceSize = nx * ny;

  // Per slice and lung: lung voxels, GGO and consolidation voxels inside that lung.
  const perSlice = new Float64Array(nz * 3 * 3); // [k][lung 0..2][lungVox, ggo, cons]
  let ggoTotal = 0;
  let consTotal = 0;
  for (let k = 0; k < nz; k++) {
    const base = k * sliceSize;
    for (let p = 0; p < sliceSize; p++) {
      const v = base + p;
      const inf = infection[v];
      if (inf === InfectionLabel.GroundGlassOpacity) ggoTotal++;
      else if (inf === InfectionLabel.Consolidation) consTotal++;
      const lung = lungs[v];
      if (lung !== LungLabel.RightLung && lung !== LungLabel.LeftLung) continue;
      const o = (k * 3 + lung) * 3;
      perSlice[o]++;
      if (inf === InfectionLabel.GroundGlassOpacity) perSlice[o + 1]++;
      else if (inf === InfectionLabel.Consolidation) perSlice[o + 2]++;
    }
  }

  const measureLung = (side: LungSide): LungMeasurement => {
    const label = side === 'right' ? LungLabel.RightLung : LungLabel.LeftLung;
    let kMin = -1;
    let kMax = -1;
    for (let k = 0; k < nz; k++) {
      if (perSlice[(k * 3 + label) * 3] > 0) {
        if (kMin < 0) kMin = k;
        kMax = k;
      }
    }
    const zoneSums = ZONES.map(() => [0, 0, 0]);
    const total = [0, 0, 0];
    if (kMin >= 0) {
      // Thirds of the lung's own cranio-caudal extent, counted from its inferior end: the lower
      // third is the first round(h) slices, the middle one ends at round(2h) (h = extent / 3).
      const h = (kMax - kMin + 1) / 3;
      const b1 = Math.round(h);
      const b2 = Math.round(2 * h);
      for (let k = kMin; k <= kMax; k++) {
        const fromBottom = superiorIsHighK ? k - kMin : kMax - k;
        const zone = fromBottom < b1 ? 2 : fromBottom < b2 ? 1 : 0; // ZONES = upper, middle, lower
        const o = (k * 3 + label) * 3;
        for (let c = 0; c < 3; c++) {
          zoneSums[zone][c] += perSlice[o + c];
          total[c] += perSlice[o + c];
        }
      }
    }
    const zones: ZoneMeasurement[] = ZONES.map((zone, z) => {
      const [lungVox, ggo, cons] = zoneSums[z];
      const involvementPercent = lungVox > 0 ? (100 * (ggo + cons)) / lungVox : 0;
      return {
        side,
        zone,
        lungVolumeMl: lungVox * voxelMl,
        infectionMl: (ggo + cons) * voxelMl,
        involvementPercent,
        score: zoneScore(involvementPercent),
      };
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
      lesionCount: countLesions(infection, dims, voxelMm3),
      outsideLungsMl,
    },
    severity: { total: severityTotal, max: 30, method: SEVERITY_METHOD },
    voxelVolumeMl: voxelMl,
    warnings,
  };
}

/** 26-connected components of infection (any class) of at least MIN_LESION_VOLUME_MM3, within its bounding box. */
export function countLesions(infection: Uint8Array, dims: Vec3, voxelMm3: number): number {
  const [nx, ny, nz] = dims;
  let x0 = nx,
    x1 = -1,
    y0 = ny,
    y1 = -1,
    z0 = nz,
    z1 = -1;
  for (let k = 0, v = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        if (infection[v] === 0) continue;
        if (i < x0) x0 = i;
        if (i > x1) x1 = i;
        if (j < y0) y0 = j;
        if (j > y1) y1 = j;
        if (k < z0) z0 = k;
        if (k > z1) z1 = k;
      }
    }
  }
  if (x1 < 0) return 0;
  const bx = x1 - x0 + 1;
  const by = y1 - y0 + 1;
  const bz = z1 - z0 + 1;
  const box = new Uint8Array(bx * by * bz);
  for (let k = 0; k < bz; k++) {
    for (let j = 0; j < by; j++) {
      const src = x0 + nx * (y0 + j + ny * (z0 + k));
      const dst = bx * (j + by * k);
      for (let i = 0; i < bx; i++) box[dst + i] = infection[src + i] !== 0 ? 1 : 0;
    }
  }
  const cc = connectedComponents3d(box, [bx, by, bz], 26);
  const minVoxels = MIN_LESION_VOLUME_MM3 / voxelMm3;
  let lesions = 0;
  for (let id = 1; id <= cc.count; id++) if (cc.sizes[id] >= minVoxels) lesions++;
  return lesions;
}
