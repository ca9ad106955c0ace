/**
 * Shape-based interpolation between annotated axial slices (Raya & Udupa 1990): an annotator paints
 * every few slices and the slices in between are filled by interpolating each label's signed
 * distance map linearly between the two nearest painted slices and keeping where it is positive.
 * A shape morphs smoothly from one outline to the next instead of being copied.
 */

export interface SliceInterpolation {
  /** Voxels to set, ascending, with their labels. */
  indices: Uint32Array;
  values: Uint8Array;
  /** Gaps (runs of empty slices between two painted ones) that were filled. */
  gaps: number;
  /** Gaps left alone because they were wider than maxGapSlices. */
  skippedGaps: number;
}

const INF = 1e20;

/**
 * Squared distance transform of one line (Felzenszwalb & Huttenlocher 2012): d[p] = min_q f[q] +
 * w·(p−q)², in O(n). `v`, `z` are scratch arrays of length n and n + 1.
 */
function distanceTransform1d(f: Float64Array, n: number, w: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    if (f[q] >= INF) continue;
    while (true) {
      const r = v[k];
      if (f[r] >= INF) {
        // Only "infinite" parabolas so far: replace.
        v[k] = q;
        z[k] = -INF;
        z[k + 1] = INF;
        break;
      }
      const s = (f[q] + w * q * q - (f[r] + w * r * r)) / (2 * w * (q - r));
      if (s <= z[k]) {
        if (k === 0) {
          v[0] = q;
          z[0] = -INF;
          z[1] = INF;
          break;
        }
        k--;
        continue;
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = INF;
      break;
    }
  }
  k = 0;
  for (let p = 0; p < n; p++) {
    while (z[k + 1] < p) k++;
    const r = v[k];
    d[p] = f[r] >= INF ? INF : f[r] + w * (p - r) * (p - r);
  }
}

/**
 * Euclidean distance (mm) from every pixel to the nearest pixel where `target` is non-zero, on a
 * grid of nx × ny pixels of sx × sy mm. Target pixels get 0. No target pixel: INF everywhere.
 */
export function distanceToMask2d(target: Uint8Array, nx: number, ny: number, sx: number, sy: number): Float64Array {
  const n = Math.max(nx, ny);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const out = new Float64Array(nx * ny);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) f[x] = target[x + nx * y] !== 0 ? 0 : INF;
    distanceTransform1d(f, nx, sx * sx, d, v, z);
    for (let x = 0; x < nx; x++) out[x + nx * y] = d[x];
  }
  for (let x = 0; x < nx; x++) {
    for (let y = 0; y < ny; y++) f[y] = out[x + nx * y];
    distanceTransform1d(f, ny, sy * sy, d, v, z);
    for (let y = 0; y < ny; y++) out[x + nx * y] = d[y] >= INF ? INF : Math.sqrt(d[y]);
  }
  return out;
}

/** A rectangle of one slice: x0..x0+w-1, y0..y0+h-1. */
interface Crop {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

/**
 * Signed distance (mm) of one label in a crop of one slice: > 0 inside (distance to outside), < 0
 * outside. Exact for the crop when it holds a one-pixel unlabelled margin around every labelled
 * pixel of the slice (then no nearer pixel of either kind lies beyond it).
 */
function signedDistance(labels: Uint8Array, base: number, nx: number, crop: Crop, label: number, sx: number, sy: number, empty: number): Float64Array {
  const inside = new Uint8Array(crop.w * crop.h);
  const outside = new Uint8Array(crop.w * crop.h);
  for (let y = 0, p = 0; y < crop.h; y++) {
    const row = base + crop.x0 + nx * (crop.y0 + y);
    for (let x = 0; x < crop.w; x++, p++) {
      const on = labels[row + x] === label ? 1 : 0;
      inside[p] = on;
      outside[p] = 1 - on;
    }
  }
  const toInside = distanceToMask2d(inside, crop.w, crop.h, sx, sy);
  const toOutside = distanceToMask2d(outside, crop.w, crop.h, sx, sy);
  const sd = new Float64Array(crop.w * crop.h);
  for (let p = 0; p < sd.length; p++) {
    if (toInside[p] >= INF) sd[p] = -empty; // the label is absent from this slice
    else sd[p] = toInside[p] > 0 ? -toInside[p] : toOutside[p] >= INF ? empty : toOutside[p];
  }
  return sd;
}

/** Bounding box of the labelled pixels of slices z0 and z1, grown by one pixel (clamped). */
function labelledCrop(labels: Uint8Array, sliceSize: number, nx: number, ny: number, slices: number[]): Crop {
  let [x0, y0, x1, y1] = [nx, ny, -1, -1];
  for (const z of slices) {
    const base = z * sliceSize;
    for (let p = 0; p < sliceSize; p++) {
      if (labels[base + p] === 0) continue;
      const y = Math.floor(p / nx);
      const x = p - y * nx;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  x0 = Math.max(0, x0 - 1);
  y0 = Math.max(0, y0 - 1);
  x1 = Math.min(nx - 1, x1 + 1);
  y1 = Math.min(ny - 1, y1 + 1);
  return { x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** The slices painted and interpolated between: axial (k fixed), coronal (j fixed) or sagittal (i fixed). */
export type InterpolationPlane = 'axial' | 'coronal' | 'sagittal';

/** In-plane axes (u, v) and the axis across the slices, as voxel axis numbers (as paintDisc's planes). */
const PLANE_AXES: Record<InterpolationPlane, [number, number, number]> = {
  axial: [0, 1, 2],
  coronal: [0, 2, 1],
  sagittal: [1, 2, 0],
};

/**
 * For every run of completely unlabelled slices of `plane` (default axial) between two labelled
 * slices, at most `maxGapSlices` long, fills the run by shape-based interpolation of each label
 * present on either side; where two labels would overlap, the one deeper inside its shape wins.
 * Labelled slices are never changed. Wider gaps are counted in `skippedGaps` (they are usually two
 * separate lesions). Coronal and sagittal slices are interpolated on a copy of the labelmap
 * transposed so that their axis runs last; the indices returned are those of `labels`.
 */
export function interpolateSlices(
  labels: Uint8Array,
  dims: readonly [number, number, number],
  spacingMm: readonly [number, number, number],
  maxGapSlices: number,
  plane: InterpolationPlane = 'axial',
): SliceInterpolation {
  if (labels.length !== dims[0] * dims[1] * dims[2]) throw new RangeError(`labelmap has ${labels.length} voxels, dims say ${dims[0] * dims[1] * dims[2]}`);
  if (plane === 'axial') return interpolateAxial(labels, dims, spacingMm, maxGapSlices);
  const axes = PLANE_AXES[plane];
  if (!axes) throw new RangeError(`unknown plane ${String(plane)}`);
  const [ua, va, wa] = axes;
  const stride = [1, dims[0], dims[0] * dims[1]];
  const [nu, nv, nw] = [dims[ua], dims[va], dims[wa]];
  const [su, sv, sw] = [stride[ua], stride[va], stride[wa]];
  const t = new Uint8Array(labels.length);
  for (let w = 0, q = 0; w < nw; w++) {
    for (let v = 0; v < nv; v++) {
      const row = w * sw + v * sv;
      for (let u = 0; u < nu; u++, q++) t[q] = labels[row + u * su];
    }
  }
  const r = interpolateAxial(t, [nu, nv, nw], [spacingMm[ua], spacingMm[va], spacingMm[wa]], maxGapSlices);
  // Back to the labelmap's indices, ascending.
  const order = Array.from(r.indices, (q, n): [number, number] => {
    const u = q % nu;
    const rest = (q - u) / nu;
    const v = rest % nv;
    const w = (rest - v) / nv;
    return [u * su + v * sv + w * sw, r.values[n]];
  }).sort((a, b) => a[0] - b[0]);
  return { indices: Uint32Array.from(order, (o) => o[0]), values: Uint8Array.from(order, (o) => o[1]), gaps: r.gaps, skippedGaps: r.skippedGaps };
}

function interpolateAxial(labels: Uint8Array, dims: readonly [number, number, number], spacingMm: readonly [number, number, number], maxGapSlices: number): SliceInterpolation {
  const [nx, ny, nz] = dims;
  const sliceSize = nx * ny;
  if (labels.length !== sliceSize * nz) throw new RangeError(`labelmap has ${labels.length} voxels, dims say ${sliceSize * nz}`);
  if (!(Number.isInteger(maxGapSlices) && maxGapSlices >= 1)) throw new RangeError(`maxGapSlices must be a positive integer, got ${maxGapSlices}`);
  const [sx, sy] = [spacingMm[0], spacingMm[1]];
  const empty = Math.hypot(nx * sx, ny * sy);
  const labelled: number[] = [];
  for (let z = 0; z < nz; z++) {
    const base = z * sliceSize;
    for (let p = 0; p < sliceSize; p++) {
      if (labels[base + p] !== 0) {
        labelled.push(z);
        break;
      }
    }
  }
  const outIdx: number[] = [];
  const outVal: number[] = [];
  let gaps = 0;
  let skippedGaps = 0;
  for (let g = 0; g + 1 < labelled.length; g++) {
    const [z0, z1] = [labelled[g], labelled[g + 1]];
    const missing = z1 - z0 - 1;
    if (missing === 0) continue;
    if (missing > maxGapSlices) {
      skippedGaps++;
      continue;
    }
    gaps++;
    const present = new Set<number>();
    for (const z of [z0, z1]) for (let p = 0; p < sliceSize; p++) if (labels[z * sliceSize + p]) present.add(labels[z * sliceSize + p]);
    // Outside the labelled pixels' bounding box both signed distances are negative, so nothing
    // there can be filled: the distance maps are computed on that box only (lesions are small).
    const crop = labelledCrop(labels, sliceSize, nx, ny, [z0, z1]);
    const maps = [...present].sort((a, b) => a - b).map((label) => ({
      label,
      d0: signedDistance(labels, z0 * sliceSize, nx, crop, label, sx, sy, empty),
      d1: signedDistance(labels, z1 * sliceSize, nx, crop, label, sx, sy, empty),
    }));
    for (let z = z0 + 1; z < z1; z++) {
      const t = (z - z0) / (z1 - z0);
      for (let p = 0; p < crop.w * crop.h; p++) {
        let best = 0;
        let bestDepth = 0;
        for (const m of maps) {
          const depth = (1 - t) * m.d0[p] + t * m.d1[p];
          if (depth > bestDepth) {
            bestDepth = depth;
            best = m.label;
          }
        }
        if (best) {
          outIdx.push(z * sliceSize + crop.x0 + (p % crop.w) + nx * (crop.y0 + Math.floor(p / crop.w)));
          outVal.push(best);
        }
      }
    }
  }
  return { indices: Uint32Array.from(outIdx), values: Uint8Array.from(outVal), gaps, skippedGaps };
}
