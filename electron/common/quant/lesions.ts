import { connectedComponents3d, nonZeroBox } from '../lung/connectedComponents3d.ts';
import { IDENTITY_DIRECTION, InfectionLabel, LungLabel, type Mat3, type Vec3 } from '../volume/index.ts';
import type { Lesion, LesionLung, LungZone } from './Measurements.ts';

/**
 * Smallest 26-connected piece of infection that is a lesion: 0.1 mL (100 mm³, a sphere 5.8 mm
 * across, about 200 voxels at 0.7 x 0.7 x 1 mm). Below that a "lesion" is a few voxels of
 * partial-volumed vessel, fissure or noise that no reader would call an opacity; on normal chest CT
 * such specks were most of the 70-115 "lesions" reported before this rule.
 */
export const MIN_LESION_VOLUME_ML = 0.1;

export const ZONES: readonly LungZone[] = ['upper', 'middle', 'lower'];

/**
 * Zone of every slice k for one lung (0 upper, 1 middle, 2 lower, -1 outside its extent): thirds
 * of the lung's own cranio-caudal extent [kMin, kMax], counted from its inferior end, so the lower
 * third is the first round(h) slices and the middle one ends at round(2h) (h = extent / 3).
 */
export function sliceZoneTable(nz: number, kMin: number, kMax: number, superiorIsHighK: boolean): Int8Array {
  const table = new Int8Array(nz).fill(-1);
  if (kMin < 0 || kMax < kMin) return table;
  const h = (kMax - kMin + 1) / 3;
  const b1 = Math.round(h);
  const b2 = Math.round(2 * h);
  for (let k = kMin; k <= kMax; k++) {
    const fromBottom = superiorIsHighK ? k - kMin : kMax - k;
    table[k] = fromBottom < b1 ? 2 : fromBottom < b2 ? 1 : 0;
  }
  return table;
}

export interface LesionInput {
  /** 0 background, 1 ground-glass opacity, 2 consolidation. */
  infection: Uint8Array;
  /** 0 background, 1 right lung, 2 left lung. */
  lungs: Uint8Array;
  dims: Vec3;
  spacingMm: Vec3;
  /** LPS position of voxel (0,0,0); [0,0,0] when absent. */
  originMm?: Vec3;
  /** Voxel axes in LPS (Volume.direction); identity when absent. */
  direction?: Mat3;
  /** CT values in HU on the same grid: gives each lesion's mean HU (null without it). */
  hu?: Int16Array | Float32Array;
  /** The model's per-voxel confidence in its own label, 0-255 (0: the model gave none there). */
  confidence?: Uint8Array;
  /** The labels the model wrote (before any manual edit); voxels whose label differs are edited. */
  modelInfection?: Uint8Array;
  /**
   * sliceZoneTable() per lung label: [0] for infection outside both lungs (their combined extent),
   * [1] right lung, [2] left lung.
   */
  sliceZones: readonly [Int8Array, Int8Array, Int8Array];
  /** Default MIN_LESION_VOLUME_ML. */
  minVolumeMl?: number;
}

export interface LesionAnalysis {
  /** Largest first; ids 1..n in that order. */
  lesions: Lesion[];
  /**
   * Infection voxels that belong to lesions, per lung label and zone: index 3 * label + zone
   * (label 0 = outside both lungs). What the severity score's minimum is tested on.
   */
  lesionVoxelsByZone: Float64Array;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Every lesion of an infection labelmap: a 26-connected component of infection (any class) of at
 * least `minVolumeMl`, with its volume, class mix, mean HU, lung, zone, centroid (voxel and LPS),
 * bounding box and the model's mean confidence.
 *
 * - lung: where most of its voxels lie (right, left, or outside both lung masks).
 * - zone: the zone holding most of its voxels, with the severity score's rule (thirds of that
 *   lung's cranio-caudal extent; for a lesion outside both lungs, thirds of their combined
 *   extent); null when there are no lungs.
 * - meanConfidence (0-1): mean of the model's confidence over the lesion's voxels that still carry
 *   the model's own label and where the model gave a confidence. A voxel painted by hand (its label
 *   differs from `modelInfection`) has no model probability for its new label, so it is left out
 *   and counted in editedMl; a lesion painted entirely by hand has meanConfidence null.
 *
 * Cost: one labelling and one pass over the bounding box of the infection only (a few hundred ms
 * on a 512 x 512 x 300 study with lesions in both lungs).
 */
export function findLesions(input: LesionInput): LesionAnalysis {
  const { infection, lungs, dims, spacingMm, hu, confidence, modelInfection, sliceZones } = input;
  const [nx, ny, nz] = dims;
  const lesionVoxelsByZone = new Float64Array(9);
  const voxelMl = (spacingMm[0] * spacingMm[1] * spacingMm[2]) / 1000;

  // Bounding box of all infection: the labelling and the statistics visit only that.
  const found = nonZeroBox(infection, dims);
  if (!found) return { lesions: [], lesionVoxelsByZone };
  const [x0, x1, y0, y1, z0, z1] = found;
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
  const minVoxels = (input.minVolumeMl ?? MIN_LESION_VOLUME_ML) / voxelMl - 1e-9;

  // Only components that are lesions get statistics: a dense index per lesion (0 = not a lesion).
  const slot = new Int32Array(cc.count + 1);
  let nLesions = 0;
  for (let c = 1; c <= cc.count; c++) if (cc.sizes[c] >= minVoxels) slot[c] = ++nLesions;
  if (nLesions === 0) return { lesions: [], lesionVoxelsByZone };

  const m = nLesions + 1;
  const ggo = new Float64Array(m);
  const sumHu = new Float64Array(m);
  const sumI = new Float64Array(m);
  const sumJ = new Float64Array(m);
  const sumK = new Float64Array(m);
  const confSum = new Float64Array(m);
  const confN = new Float64Array(m);
  const edited = new Float64Array(m);
  const byLung = new Float64Array(3 * m); // [slot][lung label 0..2]
  const byZone = new Float64Array(9 * m); // [slot][lung label][zone]
  const bbox = new Int32Array(6 * m);
  for (let s = 1; s < m; s++) bbox.set([nx, -1, ny, -1, nz, -1], 6 * s);

  const labels = cc.labels;
  // Label values as locals: imported constants can be module getters, too slow per voxel.
  const GGO = InfectionLabel.GroundGlassOpacity;
  const RIGHT = LungLabel.RightLung;
  const LEFT = LungLabel.LeftLung;
  for (let k = 0, b = 0; k < bz; k++) {
    const kk = z0 + k;
    for (let j = 0; j < by; j++) {
      const jj = y0 + j;
      const row = x0 + nx * (jj + ny * kk);
      for (let i = 0; i < bx; i++, b++) {
        const c = labels[b];
        if (c === 0) continue;
        const s = slot[c];
        if (s === 0) continue;
        const v = row + i;
        const ii = x0 + i;
        const label = infection[v];
        if (label === GGO) ggo[s]++;
        if (hu) sumHu[s] += hu[v];
        sumI[s] += ii;
        sumJ[s] += jj;
        sumK[s] += kk;
        const o = 6 * s;
        if (ii < bbox[o]) bbox[o] = ii;
        if (ii > bbox[o + 1]) bbox[o + 1] = ii;
        if (jj < bbox[o + 2]) bbox[o + 2] = jj;
        if (jj > bbox[o + 3]) bbox[o + 3] = jj;
        if (kk < bbox[o + 4]) bbox[o + 4] = kk;
        if (kk > bbox[o + 5]) bbox[o + 5] = kk;
        const lung = lungs[v] === RIGHT || lungs[v] === LEFT ? lungs[v] : 0;
        byLung[3 * s + lung]++;
        const zone = sliceZones[lung][kk];
        if (zone >= 0) {
          byZone[9 * s + 3 * lung + zone]++;
          lesionVoxelsByZone[3 * lung + zone]++;
        }
        if (modelInfection && modelInfection[v] !== label) edited[s]++;
        else if (confidence && confidence[v] > 0) {
          confSum[s] += confidence[v];
          confN[s]++;
        }
      }
    }
  }

  const origin = input.originMm ?? [0, 0, 0];
  const d = input.direction ?? IDENTITY_DIRECTION;
  const lesions: Lesion[] = [];
  for (let c = 1; c <= cc.count; c++) {
    const s = slot[c];
    if (s === 0) continue;
    const n = cc.sizes[c];
    const ci = sumI[s] / n;
    const cj = sumJ[s] / n;
    const ck = sumK[s] / n;
    const a = ci * spacingMm[0];
    const bb = cj * spacingMm[1];
    const cz = ck * spacingMm[2];
    const centroidLpsMm: Vec3 = [
      round(origin[0] + d[0] * a + d[3] * bb + d[6] * cz, 2),
      round(origin[1] + d[1] * a + d[4] * bb + d[7] * cz, 2),
      round(origin[2] + d[2] * a + d[5] * bb + d[8] * cz, 2),
    ];
    // Majority lung; a tie goes to a lung rather than "outside".
    const lungLabel = byLung[3 * s + 1] >= byLung[3 * s + 2] ? (byLung[3 * s + 1] >= byLung[3 * s] ? 1 : 0) : byLung[3 * s + 2] >= byLung[3 * s] ? 2 : 0;
    const lung: LesionLung = lungLabel === 1 ? 'right' : lungLabel === 2 ? 'left' : 'outside';
    let zone: LungZone | null = null;
    let best = 0;
    for (let z = 0; z < 3; z++) {
      const count = byZone[9 * s + 3 * lungLabel + z];
      if (count > best) {
        best = count;
        zone = ZONES[z];
      }
    }
    const o = 6 * s;
    lesions.push({
      id: 0,
      volumeMl: n * voxelMl,
      groundGlassMl: ggo[s] * voxelMl,
      consolidationMl: (n - ggo[s]) * voxelMl,
      meanHu: hu ? round(sumHu[s] / n, 1) : null,
      lung,
      zone,
      centroidLpsMm,
      centroidVoxel: [round(ci, 2), round(cj, 2), round(ck, 2)],
      boundingBoxVoxel: { min: [bbox[o], bbox[o + 2], bbox[o + 4]], max: [bbox[o + 1], bbox[o + 3], bbox[o + 5]] },
      meanConfidence: confN[s] > 0 ? round(confSum[s] / confN[s] / 255, 4) : null,
      editedMl: edited[s] * voxelMl,
    });
  }
  // Largest first; equal volumes in slice, row, column order of their centroid (stable ids).
  lesions.sort(
    (p, q) => q.volumeMl - p.volumeMl || p.centroidVoxel[2] - q.centroidVoxel[2] || p.centroidVoxel[1] - q.centroidVoxel[1] || p.centroidVoxel[0] - q.centroidVoxel[0],
  );
  lesions.forEach((l, i) => (l.id = i + 1));
  return { lesions, lesionVoxelsByZone };
}
