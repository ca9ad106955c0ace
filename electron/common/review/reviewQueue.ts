import type { Mat3, Vec3 } from '../volume/index.ts';
import { axialSliceNumber } from '../volume/sliceNumbering.ts';

/**
 * The review queue (issue 15 point 4): the axial slices a reader should look at first, ordered by
 * how unsure the model was there.
 *
 * What the confidence map holds (common/inference/postprocess.ts argmaxWithConfidence, per voxel):
 * the model's winning softmax probability p over its three classes (background, ground-glass,
 * consolidation) × 255, rounded; 0 where the model did not run (outside the lungs and the dense-lung
 * candidates, a missing slice). With three classes p ≥ 1/3, so a voxel the model ran on is ≥ 85.
 * The map describes the model's own label: a voxel later painted by hand keeps its old value.
 *
 * The rule (README: Review mode):
 * - A voxel is *uncertain* when the model ran on it (confidence > 0), its winning probability was
 *   below 0.6 (confidence < UNCERTAIN_BELOW, i.e. at least 40 % of the probability went to other
 *   classes: the model hesitated between background and infection, or between ground-glass and
 *   consolidation), and no edit touched it (a voxel painted by hand has been looked at).
 * - A slice's score is its **uncertain volume in mL** (uncertain voxels × voxel volume). Beside it
 *   each slice carries its infection volume (mL) and the mean model confidence of the infection on
 *   it (%, voxels painted by hand left out), which a reader can compare with the score.
 * - The queue holds every axial slice with uncertain voxels or with infection, most uncertain
 *   volume first; ties (e.g. no confidence map, as for an imported mask: every score is 0) by more
 *   infection, then by slice number. Rank 1 is the first slice to review.
 *
 * Measured on the phantom the demo segments (256×256×96): healthy lung has a median confidence of
 * 236 (p 0.93); infection 210 (p 0.82), its lower quarter under 167; 41 of 96 slices hold uncertain
 * voxels under this threshold, 30 hold infection.
 */
export const UNCERTAIN_BELOW = 153; // round(0.6 × 255)

export interface ReviewSlice {
  /** Voxel slice index along the volume's axial axis (k). */
  k: number;
  /** The app's axial slice number (1 = most inferior; common/volume/sliceNumbering.ts). */
  sliceNumber: number;
  /** 1 = review first. */
  rank: number;
  /** The score: volume of the uncertain voxels on the slice (mL). */
  uncertainMl: number;
  /** Infection (ground-glass + consolidation) on the slice now (mL). */
  infectionMl: number;
  /** Mean model confidence (0–1) of the infection on the slice, voxels painted by hand left out; null: none to average. */
  meanInfectionConfidence: number | null;
  /** Where to look on the slice: the centre (voxel i, j, k) of its uncertain voxels, else of its infection. */
  centreVoxel: [number, number, number];
}

export interface ReviewQueueInput {
  dims: Vec3;
  spacingMm: Vec3;
  direction: Mat3;
  /** Infection labelmap (0 background, 1 GGO, 2 consolidation). */
  infection: Uint8Array;
  /** The model's confidence (p × 255; 0 not run); null when there is none (an imported mask). */
  confidence: Uint8Array | null;
  /** Voxels an edit touched (non-zero), or null. */
  editedMask?: Uint8Array | null;
}

/** Ranks the axial slices for review (see the rule above). Engine volumes are axial: k is the axial axis. */
export function rankReviewSlices(input: ReviewQueueInput): ReviewSlice[] {
  const { dims, spacingMm, infection, confidence } = input;
  const edited = input.editedMask ?? null;
  const [nx, ny, nz] = dims;
  const perSlice = nx * ny;
  const n = perSlice * nz;
  if (infection.length !== n || (confidence && confidence.length !== n) || (edited && edited.length !== n)) {
    throw new RangeError(`rankReviewSlices: arrays of ${infection.length}/${confidence?.length ?? '-'}/${edited?.length ?? '-'} voxels for a ${nx}×${ny}×${nz} volume`);
  }
  const voxelMl = (spacingMm[0] * spacingMm[1] * spacingMm[2]) / 1000;
  const slices: Omit<ReviewSlice, 'rank'>[] = [];
  for (let k = 0; k < nz; k++) {
    let uncertain = 0;
    let infected = 0;
    let confSum = 0;
    let confCount = 0;
    let uI = 0;
    let uJ = 0;
    let fI = 0;
    let fJ = 0;
    for (let j = 0; j < ny; j++) {
      const row = k * perSlice + j * nx;
      for (let i = 0; i < nx; i++) {
        const v = row + i;
        const touched = edited !== null && edited[v] !== 0;
        const c = confidence === null ? 0 : confidence[v];
        if (c !== 0 && c < UNCERTAIN_BELOW && !touched) {
          uncertain++;
          uI += i;
          uJ += j;
        }
        if (infection[v] !== 0) {
          infected++;
          fI += i;
          fJ += j;
          if (c !== 0 && !touched) {
            confSum += c;
            confCount++;
          }
        }
      }
    }
    if (uncertain === 0 && infected === 0) continue;
    const centreVoxel: [number, number, number] = uncertain > 0 ? [uI / uncertain, uJ / uncertain, k] : [fI / infected, fJ / infected, k];
    slices.push({
      k,
      sliceNumber: axialSliceNumber(input, k),
      uncertainMl: uncertain * voxelMl,
      infectionMl: infected * voxelMl,
      meanInfectionConfidence: confCount > 0 ? confSum / confCount / 255 : null,
      centreVoxel,
    });
  }
  slices.sort((a, b) => b.uncertainMl - a.uncertainMl || b.infectionMl - a.infectionMl || a.sliceNumber - b.sliceNumber);
  return slices.map((s, i) => ({ ...s, rank: i + 1 }));
}

/**
 * The confidence map binned for display as a labelmap overlay (the renderer's "Confidence" toggle):
 * 0 where the model did not run or the voxel was confident (p ≥ 0.8), 1 = p in [0.6, 0.8) (a little
 * unsure), 2 = p < 0.6 (uncertain, as the queue counts). Voxels painted by hand read 0.
 */
export const CONFIDENCE_LEVELS = { none: 0, unsure: 1, uncertain: 2 } as const;
export const UNSURE_BELOW = 204; // round(0.8 × 255)

export function confidenceLevels(confidence: Uint8Array, editedMask?: Uint8Array | null): Uint8Array {
  // One table look-up per voxel. On a 512×512×300 study this pass (and rankReviewSlices) take a few
  // hundred ms on a loaded 2-core machine: ReviewService computes each once per labelmap revision.
  const lut = new Uint8Array(256);
  for (let c = 1; c < UNSURE_BELOW; c++) lut[c] = c < UNCERTAIN_BELOW ? CONFIDENCE_LEVELS.uncertain : CONFIDENCE_LEVELS.unsure;
  const out = new Uint8Array(confidence.length);
  for (let v = 0; v < confidence.length; v++) out[v] = lut[confidence[v]];
  if (editedMask) for (let v = 0; v < editedMask.length; v++) if (editedMask[v] !== 0) out[v] = 0;
  return out;
}
