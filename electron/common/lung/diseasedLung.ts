import { InfectionLabel, LungLabel, type Volume } from '../volume/index.ts';
import { IndexStack, dilateRect2d, erodeRect2d } from './slice2d.ts';

/**
 * Diseased lung that a threshold lung mask misses (README "Lung mask").
 *
 * A threshold mask keeps aerated lung. Consolidation, atelectasis and dense ground-glass that touch
 * the chest wall are as dense as the chest wall, so they fall outside it, and with them the
 * infection that matters most. Two steps put them back:
 *
 * 1. `denseLungCandidates` (geometry only): per axial slice and lung, the convex hull of the aerated
 *    lung plus the air pockets chained to it (honeycombing and air bronchograms in dense lung) is
 *    the lung's envelope. Non-bone voxels of the envelope outside the aerated mask are candidates
 *    when they are *exposed to the chest wall*: a straight line from them posteriorly or laterally
 *    leaves the envelope without crossing aerated lung. The heart, the hilum and the aorta lie medial
 *    to aerated lung (the lung is lateral and, at their levels, posterior to them), so they are not
 *    candidates; dependent consolidation and pleural-based lesions are.
 * 2. `addDiseasedLung` (after the infection model has run on aerated lung + candidates): candidates
 *    the model labels as infection, where they form a thick region (not a band along the chest
 *    wall), and that touch the lung in the slice join it; enclosed gaps are filled. Candidates the
 *    model calls background stay outside (chest wall, effusion, vessels).
 */
export interface DenseLungOptions {
  /** Voxels above this are bone (ribs, spine) and never lung. */
  maxHu?: number;
  /** Air pockets within this distance (mm) of the lung, or of pockets already joined, join its envelope. */
  chainMm?: number;
  /** How far beyond the aerated lung's bounding box (mm) the envelope may reach. */
  marginMm?: number;
  /** Bone threshold for the rib cage (ribs' cortex and marrow are above it, muscle and fluid below). */
  ribBoneHu?: number;
  /** Candidates stay this far (mm) inside the first bone outward from the lung (intercostal muscle, pleura). */
  ribMarginMm?: number;
  /** No candidate lies closer than this (mm) to the body midline: the mediastinum and the spine. */
  midlineMm?: number;
  /**
   * Candidates and chained air pockets lie at least this deep (mm) inside the body: skin folds of
   * the axilla and the air under the breasts are internal air too, but never lung.
   */
  bodyDepthMm?: number;
  /** Only slices k with from <= k < to (default all); the others are left as they are in `out`. */
  slices?: { from: number; to: number };
  /** Written into (and returned) instead of a new array: a caller computing slabs in turn passes the same one. */
  out?: Uint8Array;
}

const CHAIN_ROUNDS = 3;
// Label values read once: in hot loops, reading them through a re-exported binding costs a getter
// call per voxel under some module loaders (tsx's CommonJS interop).
const RIGHT = LungLabel.RightLung;
const LEFT = LungLabel.LeftLung;
const CONSOLIDATION = InfectionLabel.Consolidation;

/**
 * Candidate voxels for diseased lung: 0 none, else the LungLabel of the lung they would join. Only
 * voxels with `lungs === 0` are candidates. `airMap` is LungMaskResult.airMap (1 internal air,
 * 2 outside air or airway).
 */
export function denseLungCandidates(
  volume: Volume,
  lungs: Uint8Array,
  airMap: Uint8Array,
  options: DenseLungOptions = {},
): Uint8Array {
  const maxHu = options.maxHu ?? 200;
  const chainMm = options.chainMm ?? 5;
  const marginMm = options.marginMm ?? 90;
  const bodyDepthMm = options.bodyDepthMm ?? 15;
  const [nx, ny, nz] = volume.dims;
  const [sx, sy] = volume.spacingMm;
  const sliceSize = nx * ny;
  const hu = volume.voxels;
  const midlinePx = (options.midlineMm ?? 30) / sx;
  const ribBoneHu = options.ribBoneHu ?? 180;
  const ribMarginMm = options.ribMarginMm ?? 4;
  const out = options.out ?? new Uint8Array(lungs.length);
  // +j points posterior when the column direction has a positive LPS y; the right lung (lower LPS
  // x) is at low i when the row direction has a positive LPS x.
  const posteriorIsHighJ = volume.direction[4] >= 0;
  const rightIsLowI = volume.direction[0] >= 0;
  const marginX = Math.ceil(marginMm / sx);
  const marginY = Math.ceil(marginMm / sy);
  const openX = Math.max(1, Math.round(3 / sx));
  const openY = Math.max(1, Math.round(3 / sy));
  const chainX = Math.max(1, Math.round(chainMm / sx));
  const chainY = Math.max(1, Math.round(chainMm / sy));
  let set = new Uint8Array(0);
  let grown = new Uint8Array(0);
  let tmp = new Uint8Array(0);
  let hullSpan = new Int32Array(0);
  let deep = new Uint8Array(0);
  const bodyX = Math.max(1, Math.round(bodyDepthMm / sx));
  const bodyY = Math.max(1, Math.round(bodyDepthMm / sy));
  // Per slice and lung: bounding box and centroid, and the body's mean column, in one pass.
  const stats = new Float64Array(3 * 7); // per label: x0, x1, y0, y1, sumX, sumY, count
  const kFrom = Math.max(0, options.slices?.from ?? 0);
  const kTo = Math.min(nz, options.slices?.to ?? nz);
  for (let k = kFrom; k < kTo; k++) {
    const base = k * sliceSize;
    let sumX = 0;
    let bodyCount = 0;
    for (const label of [1, 2]) stats.set([nx, -1, ny, -1, 0, 0, 0], 7 * label);
    let anyLung = false;
    for (let y = 0; y < ny; y++) {
      const row = base + y * nx;
      for (let x = 0; x < nx; x++) {
        const v = row + x;
        if (airMap[v] !== 2) {
          sumX += x;
          bodyCount++;
        }
        const label = lungs[v];
        if (label !== RIGHT && label !== LEFT) continue;
        anyLung = true;
        const o = 7 * label;
        if (x < stats[o]) stats[o] = x;
        if (x > stats[o + 1]) stats[o + 1] = x;
        if (y < stats[o + 2]) stats[o + 2] = y;
        if (y > stats[o + 3]) stats[o + 3] = y;
        stats[o + 4] += x;
        stats[o + 5] += y;
        stats[o + 6]++;
      }
    }
    if (!anyLung || bodyCount === 0) continue;
    // Body midline of this slice: mean column of the body (everything but outside air).
    const midX = sumX / bodyCount;
    for (const label of [LungLabel.RightLung, LungLabel.LeftLung]) {
      const o = 7 * label;
      const x0 = stats[o];
      const x1 = stats[o + 1];
      const y0 = stats[o + 2];
      const y1 = stats[o + 3];
      const centroid = { x: stats[o + 4] / stats[o + 6], y: stats[o + 5] / stats[o + 6] };
      if (x1 < 0) continue;
      // The box reaches marginMm beyond the lung laterally and posteriorly (where candidates can
      // be) and only the air-pocket chain's reach medially and anteriorly (where only the hull can grow).
      const lateralLow = (label === LungLabel.RightLung) === rightIsLowI;
      const reachX = Math.min(marginX, CHAIN_ROUNDS * chainX + openX);
      const reachY = Math.min(marginY, CHAIN_ROUNDS * chainY + openY);
      const bx0 = Math.max(0, x0 - (lateralLow ? marginX : reachX));
      const by0 = Math.max(0, y0 - (posteriorIsHighJ ? reachY : marginY));
      const bw = Math.min(nx - 1, x1 + (lateralLow ? reachX : marginX)) - bx0 + 1;
      const bh = Math.min(ny - 1, y1 + (posteriorIsHighJ ? marginY : reachY)) - by0 + 1;
      const area = bw * bh;
      if (set.length < area) {
        set = new Uint8Array(area);
        grown = new Uint8Array(area);
        tmp = new Uint8Array(area);
        deep = new Uint8Array(area);
      }
      if (hullSpan.length < 2 * bh) hullSpan = new Int32Array(2 * bh);
      const s = set.subarray(0, area);
      for (let by = 0; by < bh; by++) {
        const row = base + (by + by0) * nx + bx0;
        for (let bx = 0; bx < bw; bx++) s[bx + by * bw] = lungs[row + bx] === label ? 1 : 0;
      }
      // Deep inside the body: the body (not outside air) eroded by bodyDepthMm.
      const body = grown.subarray(0, area);
      for (let by = 0; by < bh; by++) {
        const row = base + (by + by0) * nx + bx0;
        for (let bx = 0; bx < bw; bx++) body[bx + by * bw] = airMap[row + bx] === 2 ? 0 : 1;
      }
      erodeRect2d(body, bw, bh, bodyX, bodyY, tmp, deep);
      // Air pockets chained to the lung (not the other lung, not outside air or airways).
      let fragments = 0;
      for (let by = 0; by < bh; by++) {
        const row = base + (by + by0) * nx + bx0;
        for (let bx = 0; bx < bw; bx++) if (airMap[row + bx] === 1 && lungs[row + bx] === 0 && deep[bx + by * bw] === 1) fragments++;
      }
      for (let round = 0; round < CHAIN_ROUNDS && fragments > 0; round++) {
        dilateRect2d(s, bw, bh, chainX, chainY, tmp, grown);
        let added = 0;
        for (let by = 0; by < bh; by++) {
          const row = base + (by + by0) * nx + bx0;
          for (let bx = 0; bx < bw; bx++) {
            const b = bx + by * bw;
            if (s[b] === 0 && grown[b] === 1 && deep[b] === 1 && airMap[row + bx] === 1 && lungs[row + bx] === 0) {
              s[b] = 1;
              added++;
            }
          }
        }
        if (added === 0) break;
      }
      // Opening first: a thin spur of the mask (a partial-volume sliver at the apex) would swing
      // the hull out over the shoulder muscles.
      erodeRect2d(s, bw, bh, openX, openY, tmp, grown);
      dilateRect2d(grown, bw, bh, openX, openY, tmp, s);
      // Convex hull of the set, as an x span per row of the box.
      if (!convexHullSpans(s, bw, bh, hullSpan)) continue;
      // The rib cage around this lung: distance from the lung's centre to the first bone outside
      // it, per direction. Dependent consolidation below a flat aerated edge is outside the hull
      // but inside the ribs.
      const lateralSign = ((label === LungLabel.RightLung) === rightIsLowI ? -1 : 1) * sx;
      const ribs = ribRadii(volume, lungs, airMap, k, label, centroid, ribBoneHu, lateralSign, posteriorIsHighJ ? sy : -sy);
      // Exposure to the chest wall: posterior along columns, lateral along rows, from the hull's edge
      // inwards until the first aerated-lung voxel of this lung.
      const exposed = grown.subarray(0, area);
      exposed.fill(0);
      const isLung = (b: number, by: number): boolean => lungs[base + (by + by0) * nx + bx0 + (b - by * bw)] === label;
      for (let bx = 0; bx < bw; bx++) {
        if (posteriorIsHighJ) {
          for (let by = bh - 1; by >= 0; by--) {
            const b = bx + by * bw;
            if (isLung(b, by)) break;
            exposed[b] = 1;
          }
        } else {
          for (let by = 0; by < bh; by++) {
            const b = bx + by * bw;
            if (isLung(b, by)) break;
            exposed[b] = 1;
          }
        }
      }
      const lateralIsLowI = (label === LungLabel.RightLung) === rightIsLowI;
      for (let by = 0; by < bh; by++) {
        if (lateralIsLowI) {
          for (let bx = 0; bx < bw; bx++) {
            const b = bx + by * bw;
            if (isLung(b, by)) break;
            exposed[b] = 1;
          }
        } else {
          for (let bx = bw - 1; bx >= 0; bx--) {
            const b = bx + by * bw;
            if (isLung(b, by)) break;
            exposed[b] = 1;
          }
        }
      }
      const halfW = (bw + 1) >> 1;
      const ribCells = new Uint8Array(halfW * ((bh + 1) >> 1)); // 0 untested, 1 inside, 2 outside
      for (let by = 0; by < bh; by++) {
        const row = base + (by + by0) * nx + bx0;
        for (let bx = 0; bx < bw; bx++) {
          const b = bx + by * bw;
          if (exposed[b] === 0 || deep[b] === 0 || Math.abs(bx + bx0 - midX) < midlinePx) continue;
          const v = row + bx;
          if (lungs[v] !== 0 || out[v] !== 0 || airMap[v] === 2 || hu[v] > maxHu) continue;
          const inHull = bx >= hullSpan[2 * by] && bx <= hullSpan[2 * by + 1];
          if (inHull) {
            out[v] = label;
            continue;
          }
          if (!ribs) continue;
          // The rib envelope is smooth: one test per 2 x 2 block of the box.
          const cell = (bx >> 1) + halfW * (by >> 1);
          if (ribCells[cell] === 0) ribCells[cell] = ribs.inside(bx + bx0, by + by0, ribMarginMm) ? 1 : 2;
          if (ribCells[cell] === 1) out[v] = label;
        }
      }
    }
  }
  return out;
}

/**
 * Rasterised convex hull of the set pixels of a w x h mask: for each row, the first and last column
 * inside the hull in spans[2y], spans[2y+1] (an empty row has first > last). False when the mask is
 * empty. Andrew's monotone chain on the row extremes (the hull of a pixel set is the hull of each
 * row's leftmost and rightmost pixel).
 */
export function convexHullSpans(mask: Uint8Array, w: number, h: number, spans: Int32Array): boolean {
  const pts: number[] = []; // x, y pairs, sorted by y then x
  for (let y = 0; y < h; y++) {
    let first = -1;
    let last = -1;
    for (let x = 0; x < w; x++) {
      if (mask[x + y * w] === 0) continue;
      if (first < 0) first = x;
      last = x;
    }
    spans[2 * y] = 1;
    spans[2 * y + 1] = 0;
    if (first < 0) continue;
    pts.push(first, y);
    if (last !== first) pts.push(last, y);
  }
  if (pts.length === 0) return false;
  // Sort by x then y for the monotone chain.
  const order = Array.from({ length: pts.length / 2 }, (_, i) => i).sort(
    (a, b) => pts[2 * a] - pts[2 * b] || pts[2 * a + 1] - pts[2 * b + 1],
  );
  const cross = (o: number, a: number, b: number): number =>
    (pts[2 * a] - pts[2 * o]) * (pts[2 * b + 1] - pts[2 * o + 1]) -
    (pts[2 * a + 1] - pts[2 * o + 1]) * (pts[2 * b] - pts[2 * o]);
  const lower: number[] = [];
  for (const p of order) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: number[] = [];
  for (let i = order.length - 1; i >= 0; i--) {
    const p = order[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  const hull = lower.slice(0, -1).concat(upper.slice(0, -1));
  if (hull.length === 0) hull.push(order[0]);
  // Row spans: intersect every edge with each row it crosses.
  for (let y = 0; y < h; y++) {
    spans[2 * y] = w;
    spans[2 * y + 1] = -1;
  }
  const mark = (x: number, y: number): void => {
    if (x < spans[2 * y]) spans[2 * y] = x;
    if (x > spans[2 * y + 1]) spans[2 * y + 1] = x;
  };
  for (let e = 0; e < hull.length; e++) {
    const a = hull[e];
    const b = hull[(e + 1) % hull.length];
    const ax = pts[2 * a];
    const ay = pts[2 * a + 1];
    const bxp = pts[2 * b];
    const byp = pts[2 * b + 1];
    if (ay === byp) {
      mark(ax, ay);
      mark(bxp, byp);
      continue;
    }
    const yLo = Math.min(ay, byp);
    const yHi = Math.max(ay, byp);
    for (let y = yLo; y <= yHi; y++) {
      const x = ax + ((bxp - ax) * (y - ay)) / (byp - ay);
      mark(Math.round(x), y);
    }
  }
  return true;
}

export interface DiseasedLungResult {
  /** Voxels added to the right and left lung. */
  addedVoxels: { right: number; left: number };
}

/**
 * Adds to `lungs` (in place) the candidate voxels the model labelled as infection that touch the
 * lung of their label in the same slice (4-connected through such voxels), then fills the gaps the
 * grown lung encloses. Infection left on candidates that did not join a lung is cleared (in place),
 * so that infection is only ever reported inside a lung.
 */
export function addDiseasedLung(
  volume: Pick<Volume, 'dims' | 'voxels' | 'spacingMm'>,
  lungs: Uint8Array,
  candidates: Uint8Array,
  infection: Uint8Array,
  /**
   * Candidates in this HU range that form a thick region (an opening with a square of
   * 2 x THICK_DENSE_MM keeps them) join too, as consolidation, even where the model saw none: the
   * 2-D model misses large homogeneous consolidation. The chest wall between lung and ribs is a
   * band a few millimetres thick, which the opening removes. Undefined: only the model's infection joins.
   */
  consolidationHu?: readonly [number, number],
): DiseasedLungResult {
  const [nx, ny, nz] = volume.dims;
  const sliceSize = nx * ny;
  if (consolidationHu) markThickDenseLung(volume, candidates, infection, consolidationHu);
  keepThickCandidateInfection(volume, candidates, infection);
  const stack = new IndexStack();
  const added = { right: 0, left: 0 };
  const reached = new Uint8Array(sliceSize);
  const scratch = new Uint8Array(sliceSize);
  for (let k = 0; k < nz; k++) {
    const base = k * sliceSize;
    let any = false;
    for (let p = 0; p < sliceSize; p++) {
      if (candidates[base + p] !== 0 && infection[base + p] !== 0) {
        any = true;
        break;
      }
    }
    if (!any) continue;
    reached.fill(0);
    // Seeds: lung voxels next to a labelled candidate of the same lung.
    for (let p = 0; p < sliceSize; p++) {
      const c = candidates[base + p];
      if (c === 0 || infection[base + p] === 0) continue;
      const x = p % nx;
      const y = (p - x) / nx;
      const touches =
        (x > 0 && lungs[base + p - 1] === c) ||
        (x < nx - 1 && lungs[base + p + 1] === c) ||
        (y > 0 && lungs[base + p - nx] === c) ||
        (y < ny - 1 && lungs[base + p + nx] === c);
      if (touches) {
        reached[p] = 1;
        stack.push(p);
      }
    }
    // Through labelled candidates of the same lung as the seed they are reached from.
    flood4(stack, nx, ny, reached, (p, q) => candidates[base + q] === candidates[base + p] && infection[base + q] !== 0);
    for (let p = 0; p < sliceSize; p++) {
      const v = base + p;
      if (reached[p] === 1) {
        lungs[v] = candidates[v];
        if (candidates[v] === RIGHT) added.right++;
        else added.left++;
      }
    }
    // Gaps enclosed by a grown lung (air pockets, vessels in consolidation) join it.
    for (const label of [LungLabel.RightLung, LungLabel.LeftLung]) {
      added[label === LungLabel.RightLung ? 'right' : 'left'] += fillEnclosed(lungs, base, nx, ny, label, candidates, stack, scratch);
    }
  }
  for (let v = 0; v < lungs.length; v++) {
    if (infection[v] !== 0 && lungs[v] === 0 && candidates[v] !== 0) infection[v] = 0;
  }
  return { addedVoxels: added };
}

/**
 * 4-connected flood over one slice from the pixels on `stack` (already set in `mark`): a neighbour q
 * of a reached pixel p is reached when `accept(p, q)` admits it; reached pixels are set in `mark`.
 */
function flood4(
  stack: IndexStack,
  nx: number,
  ny: number,
  mark: Uint8Array,
  accept: (p: number, q: number) => boolean,
): void {
  while (stack.length > 0) {
    const p = stack.pop();
    const x = p % nx;
    const y = (p - x) / nx;
    if (x > 0 && mark[p - 1] === 0 && accept(p, p - 1)) {
      mark[p - 1] = 1;
      stack.push(p - 1);
    }
    if (x < nx - 1 && mark[p + 1] === 0 && accept(p, p + 1)) {
      mark[p + 1] = 1;
      stack.push(p + 1);
    }
    if (y > 0 && mark[p - nx] === 0 && accept(p, p - nx)) {
      mark[p - nx] = 1;
      stack.push(p - nx);
    }
    if (y < ny - 1 && mark[p + nx] === 0 && accept(p, p + nx)) {
      mark[p + nx] = 1;
      stack.push(p + nx);
    }
  }
}

/** Candidate pixels of `label` not 4-connected to the slice border except through `label` voxels become `label`. */
function fillEnclosed(
  lungs: Uint8Array,
  base: number,
  nx: number,
  ny: number,
  label: number,
  candidates: Uint8Array,
  stack: IndexStack,
  /** Scratch slice: 1 = reachable from the border without crossing this lung. */
  open: Uint8Array,
): number {
  const size = nx * ny;
  open.fill(0);
  for (let p = 0; p < size; p++) {
    const x = p % nx;
    const y = (p - x) / nx;
    if ((x === 0 || y === 0 || x === nx - 1 || y === ny - 1) && lungs[base + p] !== label) {
      open[p] = 1;
      stack.push(p);
    }
  }
  flood4(stack, nx, ny, open, (_, q) => lungs[base + q] !== label);
  let filled = 0;
  for (let p = 0; p < size; p++) {
    if (open[p] === 0 && lungs[base + p] === 0 && candidates[base + p] === label) {
      lungs[base + p] = label;
      filled++;
    }
  }
  return filled;
}

const RAY_COUNT = 180;
const RAY_MAX_MM = 250;
/** Deepest dense lung (mm) an envelope ray adds beyond the aerated lung. */
const RIB_REACH_MM = 90;

/**
 * Distance (mm) from the centroid of one lung's slice to the first bone voxel outside that lung,
 * per direction (RAY_COUNT rays). Rays that leave the body or the image without meeting bone (an
 * intercostal space) take the median of their neighbours; a 7-ray median then removes single far
 * hits (a scapula seen through a gap). Undefined when no ray meets bone.
 */
function ribRadii(
  volume: Volume,
  lungs: Uint8Array,
  airMap: Uint8Array,
  k: number,
  label: number,
  centroid: { x: number; y: number },
  boneHu: number,
  /** Sign (and scale) of the lateral and posterior directions along x and y. */
  lateral: number,
  posterior: number,
): { inside: (x: number, y: number, marginMm: number) => boolean } | undefined {
  const [nx, ny] = volume.dims;
  const [sx, sy] = volume.spacingMm;
  const base = k * nx * ny;
  const cx = centroid.x;
  const cy = centroid.y;
  // Only rays into the posterolateral half-plane (towards the ribs, away from the mediastinum and
  // the anterior chest wall, where the heart and great vessels lie next to the lung).
  const ux = Math.sign(lateral) / Math.SQRT2;
  const uy = Math.sign(posterior) / Math.SQRT2;
  const sector = new Uint8Array(RAY_COUNT);
  const raw = new Float64Array(RAY_COUNT).fill(Infinity);
  const lastLung = new Float64Array(RAY_COUNT);
  for (let a = 0; a < RAY_COUNT; a++) {
    const theta = (2 * Math.PI * a) / RAY_COUNT;
    if (Math.cos(theta) * ux + Math.sin(theta) * uy <= 0.2) continue;
    sector[a] = 1;
    const dx = Math.cos(theta) / sx;
    const dy = Math.sin(theta) / sy;
    for (let r = 1; r < RAY_MAX_MM; r++) {
      const x = Math.round(cx + dx * r);
      const y = Math.round(cy + dy * r);
      if (x < 0 || y < 0 || x >= nx || y >= ny) break;
      const v = base + y * nx + x;
      if (airMap[v] === 2) break;
      if (lungs[v] === label) {
        lastLung[a] = r;
        continue;
      }
      if (volume.voxels[v] > boneHu) {
        raw[a] = r;
        break;
      }
    }
  }
  const finite = Array.from(raw).filter(Number.isFinite);
  if (finite.length < RAY_COUNT / 8) return undefined;
  // Fill escaped rays from the nearest hits on each side, then a circular 7-ray median.
  const filled = new Float64Array(RAY_COUNT);
  for (let a = 0; a < RAY_COUNT; a++) {
    if (sector[a] === 0) continue;
    if (Number.isFinite(raw[a])) {
      filled[a] = raw[a];
      continue;
    }
    let before = Infinity;
    let after = Infinity;
    for (let d = 1; d < RAY_COUNT && !(Number.isFinite(before) && Number.isFinite(after)); d++) {
      const ab = (a - d + RAY_COUNT) % RAY_COUNT;
      const aa = (a + d) % RAY_COUNT;
      if (!Number.isFinite(before) && sector[ab]) before = raw[ab];
      if (!Number.isFinite(after) && sector[aa]) after = raw[aa];
    }
    filled[a] = Math.min(before, after);
  }
  // The envelope never reaches more than RIB_REACH_MM beyond the aerated lung along a ray.
  for (let a = 0; a < RAY_COUNT; a++) filled[a] = Math.min(filled[a], lastLung[a] + RIB_REACH_MM);
  const radius = new Float64Array(RAY_COUNT);
  const window: number[] = [];
  for (let a = 0; a < RAY_COUNT; a++) {
    if (sector[a] === 0) continue;
    window.length = 0;
    for (let d = -3; d <= 3; d++) window.push(filled[(a + d + RAY_COUNT) % RAY_COUNT]);
    window.sort((p, q) => p - q);
    radius[a] = window[3];
  }
  return {
    inside(x: number, y: number, marginMm: number): boolean {
      const ex = (x - cx) * sx;
      const ey = (y - cy) * sy;
      let theta = Math.atan2(ey, ex);
      if (theta < 0) theta += 2 * Math.PI;
      const a = Math.round((theta / (2 * Math.PI)) * RAY_COUNT) % RAY_COUNT;
      return Math.hypot(ex, ey) < radius[a] - marginMm;
    },
  };
}

/**
 * Half-width (mm) of the square the model's infection on candidates must hold: smaller than for
 * dense tissue without the model (the model's consolidation is patchy; its mistakes on the chest
 * wall are thin bands).
 */
const THICK_LABELLED_MM = 3.5;
/** Half-width (mm) of the square a dense region must hold to join a lung without the model. */
const THICK_DENSE_MM = 7;

/**
 * Per axial slice: the voxels `select` picks, opened with a square of 2 x halfWidthMm (a thickness
 * test: thin bands vanish, thick regions keep their shape); `apply(v, kept)` is called for every
 * selected voxel with whether the opening kept it.
 */
function forEachOpened(
  volume: Pick<Volume, 'dims' | 'spacingMm'>,
  halfWidthMm: number,
  select: (v: number) => boolean,
  apply: (v: number, kept: boolean) => void,
): void {
  const [nx, ny, nz] = volume.dims;
  const [sx, sy] = volume.spacingMm;
  const rx = Math.max(1, Math.round(halfWidthMm / sx));
  const ry = Math.max(1, Math.round(halfWidthMm / sy));
  const size = nx * ny;
  const picked = new Uint8Array(size);
  const tmp = new Uint8Array(size);
  const eroded = new Uint8Array(size);
  const opened = new Uint8Array(size);
  for (let k = 0; k < nz; k++) {
    const base = k * size;
    let any = false;
    for (let p = 0; p < size; p++) {
      const on = select(base + p);
      picked[p] = on ? 1 : 0;
      if (on) any = true;
    }
    if (!any) continue;
    erodeRect2d(picked, nx, ny, rx, ry, tmp, eroded);
    dilateRect2d(eroded, nx, ny, rx, ry, tmp, opened);
    for (let p = 0; p < size; p++) if (picked[p] === 1) apply(base + p, opened[p] === 1);
  }
}

/**
 * Clears the model's infection on candidates where it forms no thick region (THICK_LABELLED_MM):
 * diseased lung beyond the aerated edge is a thick region, while a model that takes the chest wall
 * for consolidation labels a band between lung and ribs.
 */
function keepThickCandidateInfection(
  volume: Pick<Volume, 'dims' | 'spacingMm'>,
  candidates: Uint8Array,
  infection: Uint8Array,
): void {
  forEachOpened(
    volume,
    THICK_LABELLED_MM,
    (v) => candidates[v] !== 0 && infection[v] !== 0,
    (v, kept) => {
      if (!kept) infection[v] = 0;
    },
  );
}

/** Sets consolidation on candidates in the HU range that form a thick region (THICK_DENSE_MM). */
function markThickDenseLung(
  volume: Pick<Volume, 'dims' | 'voxels' | 'spacingMm'>,
  candidates: Uint8Array,
  infection: Uint8Array,
  [lo, hi]: readonly [number, number],
): void {
  const hu = volume.voxels;
  forEachOpened(
    volume,
    THICK_DENSE_MM,
    (v) => candidates[v] !== 0 && infection[v] === 0 && hu[v] >= lo && hu[v] <= hi,
    (v, kept) => {
      if (kept) infection[v] = CONSOLIDATION;
    },
  );
}
