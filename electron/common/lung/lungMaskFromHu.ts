import type { OpalErrorJson } from '../errors/index.ts';
import { LungLabel, type Volume } from '../volume/index.ts';
import { componentsBySize, connectedComponents3d } from './connectedComponents3d.ts';
import { IndexStack, closeRect2d, dilateRect2d, floodFromBorder2d, labelComponents2d } from './slice2d.ts';

export interface LungMaskOptions {
  /** Voxels below this are air-like (lung parenchyma is about -850 HU, soft tissue above -100). */
  airThresholdHu?: number;
  /** A lung smaller than this is not a lung (sinuses, bowel gas, head-holder air). */
  minLungVolumeMl?: number;
  /** Smallest lung cross-section per slice (mm²) for series too short to hold minLungVolumeMl. */
  minLungAreaMm2?: number;
  /** Radius of the per-slice closing that keeps vessels, airway walls and lesions inside the mask. */
  closingRadiusMm?: number;
  /** Largest cross-section (mm²) of an airway still counted as trachea or main bronchus. */
  maxAirwayAreaMm2?: number;
}

export interface LungMaskResult {
  /** 0 background, 1 right lung, 2 left lung (LungLabel), same layout as the volume. */
  lungs: Uint8Array;
  rightVoxels: number;
  leftVoxels: number;
  /** Voxels removed as trachea / main bronchi. */
  airwayVoxels: number;
  /**
   * Per voxel: 1 air inside the body (lungs, air pockets in diseased lung, bowel gas), 2 air outside
   * the body or in the trachea/main bronchi, 0 tissue. Kept for the diseased-lung step, which must
   * not grow a lung into outside air or the airways.
   */
  airMap?: Uint8Array;
  warnings: OpalErrorJson[];
  /** Milliseconds per step (for the benchmark). */
  timingsMs: Record<string, number>;
}

const OUTSIDE = 2;
/** Air components whose median is below this are pure air (bowel gas, pneumothorax), not lung. */
const PURE_AIR_MEDIAN_HU = -970;
/** How far (mm) around the mirror image of one lung the air pockets of the other are looked for. */
const MIRROR_MARGIN_MM = 15;

/**
 * Lung mask from Hounsfield units, without a network (DESIGN.md §3.5):
 * 1. air = HU < -320; air 4-connected to the slice border is outside the body (per axial slice, so
 *    the air around the patient and under the table never joins the lungs);
 * 2. the trachea is found in the most superior slices as a small air region near the midline and
 *    followed downward (with the main bronchi after the carina) until each branch enters a lung;
 *    it is removed so that the two lungs are no longer joined through it;
 * 3. 3-D components (6-connected) of the remaining internal air; the largest ones are the lungs.
 *    A component that lies on both sides of the body midline holds two touching lungs and is cut
 *    per slice at the thinnest column of the mask near the midline (the anterior/posterior
 *    junction line);
 * 4. per slice and per lung: closing with a rectangle of ±radius mm and hole filling, so vessels, airway walls,
 *    ground-glass and consolidation inside the lung stay in the mask.
 * A volume without a plausible lung (e.g. a head CT) gives an empty mask and an E_NO_LUNGS warning.
 */
export function lungMaskFromHu(volume: Volume, options: LungMaskOptions = {}): LungMaskResult {
  const airThresholdHu = options.airThresholdHu ?? -320;
  const minLungVolumeMl = options.minLungVolumeMl ?? 100;
  const closingRadiusMm = options.closingRadiusMm ?? 6;
  const maxAirwayAreaMm2 = options.maxAirwayAreaMm2 ?? 1000;
  const [nx, ny, nz] = volume.dims;
  const [sx, sy, sz] = volume.spacingMm;
  const sliceSize = nx * ny;
  const n = sliceSize * nz;
  const hu = volume.voxels;
  const voxelMl = (sx * sy * sz) / 1000;
  const warnings: OpalErrorJson[] = [];
  const timingsMs: Record<string, number> = {};
  let tStep = Date.now();
  const step = (name: string): void => {
    const now = Date.now();
    timingsMs[name] = now - tStep;
    tStep = now;
  };
  const empty = (message: string): LungMaskResult => {
    warnings.push({ code: 'E_NO_LUNGS', message });
    return { lungs: new Uint8Array(n), rightVoxels: 0, leftVoxels: 0, airwayVoxels: 0, warnings, timingsMs };
  };

  // 1. Air, with outside air marked OUTSIDE, and the body's extent per column (for the midline).
  // Threshold and flood one slice at a time, so the flood reads a slice still in cache.
  const air = new Uint8Array(n);
  const stack = new IndexStack();
  // Body = every pixel not marked OUTSIDE; its x sum is the slice's total minus the outside runs'.
  const outside = { sumX: 0 };
  const sliceSumX = (ny * nx * (nx - 1)) / 2;
  let bodySumX = 0;
  let bodyCount = 0;
  for (let k = 0; k < nz; k++) {
    const slice = air.subarray(k * sliceSize, (k + 1) * sliceSize);
    for (let p = 0, v = k * sliceSize; p < sliceSize; p++, v++) slice[p] = hu[v] < airThresholdHu ? 1 : 0;
    outside.sumX = 0;
    const outsideCount = floodFromBorder2d(slice, nx, ny, 1, OUTSIDE, stack, outside);
    bodyCount += sliceSize - outsideCount;
    bodySumX += sliceSumX - outside.sumX;
  }
  step('air and body');
  if (bodyCount === 0) return empty('No body was found in the image (everything is air).');
  // Midline as a column index; the patient's right is the side of lower LPS x.
  const midX = bodySumX / bodyCount;
  const rightIsLowI = volume.direction[0] >= 0;

  // 2. Trachea and main bronchi.
  const airwayVoxels = removeAirways(air, volume, midX, maxAirwayAreaMm2, stack);
  step('airways');

  // 3. Internal air components.
  // Internal air is the voxels still 1 (outside air and airways are OUTSIDE).
  const cc = connectedComponents3d(air, volume.dims, 6, 1);
  const boxes = cc.bbox as Int32Array; // always present for 6-connected labelling
  // Pure air is not lung: lung parenchyma has a median of about -850 HU (vessels, interstitium),
  // bowel gas, a pneumothorax or a large bulla about -1000 HU. Among the largest components only.
  const ids = componentsBySize(cc).filter(
    (id, rank) => rank >= 6 || medianHuOf(hu, cc.labels, boxes, id, nx, sliceSize) > PURE_AIR_MEDIAN_HU,
  );
  step('components');
  // A series of a few slices cannot hold 100 mL of lung: there the minimum is an area per slice
  // (a lung cross-section of 10 cm² or more, about a tenth of a mid-chest lung's), so that a single
  // chest slice is still recognised as one.
  const minVoxels = Math.ceil(
    Math.min(minLungVolumeMl / voxelMl, (nz * (options.minLungAreaMm2 ?? 1000)) / (sx * sy)),
  );
  if (ids.length === 0 || cc.sizes[ids[0]] < minVoxels) {
    return empty(
      'No lungs were found in this image (no air-filled region of lung size inside the body); is this a chest CT?',
    );
  }

  // Per component: voxels left and right of the midline.
  // Counted inside each component's bounding box, only for the few components looked at.
  const lowSideCache = new Map<number, number>();
  const lowSideOf = (id: number): number => {
    const cached = lowSideCache.get(id);
    if (cached !== undefined) return cached;
    const b = 6 * id;
    const xEnd = Math.min(boxes[b + 1], Math.ceil(midX) - 1);
    let count = 0;
    for (let k = boxes[b + 4]; k <= boxes[b + 5]; k++) {
      for (let y = boxes[b + 2]; y <= boxes[b + 3]; y++) {
        const row = k * sliceSize + y * nx;
        for (let x = boxes[b]; x <= xEnd; x++) if (cc.labels[row + x] === id) count++;
      }
    }
    lowSideCache.set(id, count);
    return count;
  };
  const sideOf = (id: number): 'right' | 'left' => {
    const lowFraction = lowSideOf(id) / cc.sizes[id];
    const isLow = lowFraction >= 0.5;
    return isLow === rightIsLowI ? 'right' : 'left';
  };
  const spansBoth = (id: number): boolean => {
    const f = lowSideOf(id) / cc.sizes[id];
    return Math.min(f, 1 - f) > 0.2;
  };

  const lungs = new Uint8Array(n);
  const first = ids[0];
  // The region every later step works in: the lungs' bounding box (closing never leaves it).
  const region: Region = regionOf(boxes, first);
  const rightLabel = LungLabel.RightLung;
  const leftLabel = LungLabel.LeftLung;
  if (spansBoth(first)) {
    splitAtMidlineValley(cc.labels, first, lungs, volume, midX, rightIsLowI, region);
  } else {
    const firstSide = sideOf(first);
    const firstLabel = firstSide === 'right' ? rightLabel : leftLabel;
    const second = ids
      .slice(1)
      .find((id) => cc.sizes[id] >= minVoxels && sideOf(id) !== firstSide && !spansBoth(id));
    if (second !== undefined) unionRegion(region, regionOf(boxes, second));
    const secondLabel = firstLabel === rightLabel ? leftLabel : rightLabel;
    forEachRow(region, nx, sliceSize, (row, x0, x1) => {
      for (let v = row + x0; v <= row + x1; v++) {
        const id = cc.labels[v];
        if (id === first) lungs[v] = firstLabel;
        else if (second !== undefined && id === second) lungs[v] = secondLabel;
      }
    });
    // A lung broken up by disease (reticulation, honeycombing, consolidation between air pockets)
    // has no large air component of its own: its air pockets are taken where the mirror image of
    // the other lung says the lung should be; the closing below joins them.
    if (second === undefined || cc.sizes[second] < 0.25 * cc.sizes[first]) {
      const recruited = recruitMirroredAir(
        air,
        lungs,
        volume,
        firstLabel,
        secondLabel,
        midX,
        (firstLabel === rightLabel) === rightIsLowI,
        region,
      );
      if (recruited) unionRegion(region, recruited);
    }
    if (second === undefined && !lungs.includes(secondLabel)) {
      warnings.push({
        code: 'E_NO_LUNGS',
        message: `Only the ${firstSide} lung was found; the ${firstSide === 'right' ? 'left' : 'right'} lung is missing or not aerated.`,
      });
    }
  }

  // 4. Closing and hole filling per lung and slice, inside each lung's bounding box plus a margin.
  step('left/right');
  closeAndFill(lungs, volume, closingRadiusMm, stack, region);
  step('closing and holes');

  let rightVoxels = 0;
  let leftVoxels = 0;
  forEachRow(region, nx, sliceSize, (row, x0, x1) => {
    for (let v = row + x0; v <= row + x1; v++) {
      if (lungs[v] === rightLabel) rightVoxels++;
      else if (lungs[v] === leftLabel) leftVoxels++;
    }
  });
  return { lungs, rightVoxels, leftVoxels, airwayVoxels, airMap: air, warnings, timingsMs };
}

/**
 * Finds the trachea in the superior slices and follows it (and the main bronchi) inferiorly, setting
 * its voxels to OUTSIDE in `air`. Returns the number of voxels removed.
 */
function removeAirways(
  air: Uint8Array,
  volume: Volume,
  midX: number,
  maxAreaMm2: number,
  stack: IndexStack,
): number {
  const [nx, ny, nz] = volume.dims;
  const [sx, sy] = volume.spacingMm;
  const sliceSize = nx * ny;
  const pixelMm2 = sx * sy;
  // PS3.3 C.7.6.2.1.1: +z (LPS) is superior; slice order follows direction[8].
  const superiorIsHighK = volume.direction[8] >= 0;
  const order = Array.from({ length: nz }, (_, s) => (superiorIsHighK ? nz - 1 - s : s));
  const labels = new Int32Array(sliceSize);
  const sliceMask = new Uint8Array(sliceSize);
  let previous: Uint8Array | undefined;
  let removed = 0;
  // Search for the start only among the superior third of the slices that contain internal air.
  const slicesWithAir = order.filter((k) => {
    const s = air.subarray(k * sliceSize, (k + 1) * sliceSize);
    for (let p = 0; p < sliceSize; p++) if (s[p] === 1) return true;
    return false;
  });
  const searchLimit = Math.max(1, Math.ceil(slicesWithAir.length / 3));
  const maxCentreOffsetPx = 25 / sx;
  let searched = 0;
  for (const k of order) {
    const slice = air.subarray(k * sliceSize, (k + 1) * sliceSize);
    let taken: Uint8Array;
    if (!previous) {
      for (let p = 0; p < sliceSize; p++) sliceMask[p] = slice[p] === 1 ? 1 : 0;
      const comps = labelComponents2d(sliceMask, nx, ny, labels, stack);
      taken = new Uint8Array(comps.count + 1);
      if (comps.count === 0) continue;
      if (searched++ >= searchLimit) break;
      let best = 0;
      let bestOffset = Infinity;
      for (let c = 1; c <= comps.count; c++) {
        const areaMm2 = comps.sizes[c] * pixelMm2;
        const offset = Math.abs(comps.meanX[c] - midX);
        if (
          areaMm2 >= 30 &&
          areaMm2 <= maxAreaMm2 * 0.8 &&
          offset <= maxCentreOffsetPx &&
          offset < bestOffset
        ) {
          best = c;
          bestOffset = offset;
        }
      }
      if (best === 0) continue;
      taken[best] = 1;
    } else {
      // Following the airway: only the air components that overlap its previous cross-section are
      // labelled (not every air region of the slice; the lungs are labelled once, where the
      // airway joins them and the search ends).
      labels.fill(0);
      const sizes: number[] = [0];
      for (let p = 0; p < sliceSize; p++) {
        if (previous[p] !== 1 || slice[p] !== 1 || labels[p] !== 0) continue;
        sizes.push(fillAirComponent(slice, nx, ny, p, sizes.length, labels, stack));
      }
      taken = new Uint8Array(sizes.length);
      for (let c = 1; c < sizes.length; c++) if (sizes[c] * pixelMm2 <= maxAreaMm2) taken[c] = 1;
    }
    let any = false;
    const next = previous ?? new Uint8Array(sliceSize);
    next.fill(0);
    for (let p = 0; p < sliceSize; p++) {
      if (labels[p] !== 0 && taken[labels[p]] === 1) {
        slice[p] = OUTSIDE;
        next[p] = 1;
        removed++;
        any = true;
      }
    }
    if (!any) break;
    previous = next;
  }
  return removed;
}

/** An inclusive voxel box [x0..x1] x [y0..y1] x [z0..z1]. */
interface Region {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  z0: number;
  z1: number;
}

function regionOf(boxes: Int32Array, id: number): Region {
  const b = 6 * id;
  return { x0: boxes[b], x1: boxes[b + 1], y0: boxes[b + 2], y1: boxes[b + 3], z0: boxes[b + 4], z1: boxes[b + 5] };
}

function unionRegion(into: Region, other: Region): void {
  into.x0 = Math.min(into.x0, other.x0);
  into.x1 = Math.max(into.x1, other.x1);
  into.y0 = Math.min(into.y0, other.y0);
  into.y1 = Math.max(into.y1, other.y1);
  into.z0 = Math.min(into.z0, other.z0);
  into.z1 = Math.max(into.z1, other.z1);
}

/** Calls fn(rowStartIndex, x0, x1) for every row (y, z) of the region. */
function forEachRow(r: Region, nx: number, sliceSize: number, fn: (row: number, x0: number, x1: number) => void): void {
  for (let k = r.z0; k <= r.z1; k++) for (let y = r.y0; y <= r.y1; y++) fn(k * sliceSize + y * nx, r.x0, r.x1);
}

/** Labels the 4-connected region of air (value 1) around `seed` with `id`; returns its pixel count. */
function fillAirComponent(slice: Uint8Array, nx: number, ny: number, seed: number, id: number, labels: Int32Array, stack: IndexStack): number {
  let size = 0;
  labels[seed] = id;
  stack.push(seed);
  while (stack.length > 0) {
    const p = stack.pop();
    size++;
    const j = (p / nx) | 0;
    const i = p - j * nx;
    if (i > 0 && slice[p - 1] === 1 && labels[p - 1] === 0) {
      labels[p - 1] = id;
      stack.push(p - 1);
    }
    if (i < nx - 1 && slice[p + 1] === 1 && labels[p + 1] === 0) {
      labels[p + 1] = id;
      stack.push(p + 1);
    }
    if (j > 0 && slice[p - nx] === 1 && labels[p - nx] === 0) {
      labels[p - nx] = id;
      stack.push(p - nx);
    }
    if (j < ny - 1 && slice[p + nx] === 1 && labels[p + nx] === 0) {
      labels[p + nx] = id;
      stack.push(p + nx);
    }
  }
  return size;
}

/**
 * Splits one component holding both lungs: per slice, the cut is the column (within 15 % of the
 * body width... approximated by a band of the image width around the midline) where the mask is
 * thinnest; voxels on the low-i side of the cut go to the lung on that side.
 */
function splitAtMidlineValley(
  labels: Int32Array,
  id: number,
  lungs: Uint8Array,
  volume: Volume,
  midX: number,
  rightIsLowI: boolean,
  region: Region,
): void {
  const [nx, ny] = volume.dims;
  const sliceSize = nx * ny;
  const band = Math.max(2, Math.round(nx * 0.12));
  const lo = Math.max(0, Math.round(midX) - band);
  const hi = Math.min(nx - 1, Math.round(midX) + band);
  const columnCounts = new Int32Array(nx);
  const lowLabel = rightIsLowI ? LungLabel.RightLung : LungLabel.LeftLung;
  const highLabel = rightIsLowI ? LungLabel.LeftLung : LungLabel.RightLung;
  for (let k = region.z0; k <= region.z1; k++) {
    const base = k * sliceSize;
    columnCounts.fill(0);
    let any = false;
    for (let y = region.y0; y <= region.y1; y++) {
      const row = base + y * nx;
      for (let x = region.x0; x <= region.x1; x++) {
        if (labels[row + x] === id) {
          columnCounts[x]++;
          any = true;
        }
      }
    }
    if (!any) continue;
    // Thinnest column in the band; ties go to the one closest to the midline.
    let cut = Math.round(midX);
    let best = Infinity;
    for (let x = lo; x <= hi; x++) {
      const score = columnCounts[x] * 1000 + Math.abs(x - midX);
      if (score < best) {
        best = score;
        cut = x;
      }
    }
    for (let y = region.y0; y <= region.y1; y++) {
      const row = base + y * nx;
      for (let x = region.x0; x <= region.x1; x++) {
        if (labels[row + x] !== id) continue;
        if (x === cut && columnCounts[cut] > 0) continue; // the junction line itself belongs to neither
        lungs[row + x] = x < cut ? lowLabel : highLabel;
      }
    }
  }
}

function closeAndFill(lungs: Uint8Array, volume: Volume, radiusMm: number, stack: IndexStack, region: Region): void {
  const [nx, ny, nz] = volume.dims;
  const [sx, sy] = volume.spacingMm;
  const sliceSize = nx * ny;
  const marginX = Math.ceil(radiusMm / sx) + 1;
  const marginY = Math.ceil(radiusMm / sy) + 1;
  const bboxes = new Int32Array(nz * 3 * 4); // per slice and label: x0, x1, y0, y1
  for (let k = 0; k < nz; k++) {
    for (const label of [1, 2]) {
      const b = (k * 3 + label) * 4;
      bboxes[b] = nx;
      bboxes[b + 1] = -1;
      bboxes[b + 2] = ny;
      bboxes[b + 3] = -1;
    }
    if (k < region.z0 || k > region.z1) continue;
    const base = k * sliceSize;
    for (let y = region.y0; y <= region.y1; y++) {
      const row = base + y * nx;
      for (let x = region.x0; x <= region.x1; x++) {
        const label = lungs[row + x];
        if (label === 0) continue;
        const b = (k * 3 + label) * 4;
        if (x < bboxes[b]) bboxes[b] = x;
        if (x > bboxes[b + 1]) bboxes[b + 1] = x;
        if (y < bboxes[b + 2]) bboxes[b + 2] = y;
        if (y > bboxes[b + 3]) bboxes[b + 3] = y;
      }
    }
  }
  // Scratch boxes reused across slices (grown when a box is larger).
  let box = new Uint8Array(0);
  let tmp = new Uint8Array(0);
  let tmp2 = new Uint8Array(0);
  for (const label of [LungLabel.RightLung, LungLabel.LeftLung]) {
    for (let k = 0; k < nz; k++) {
      const base = k * sliceSize;
      const b = (k * 3 + label) * 4;
      const x0 = bboxes[b];
      const x1 = bboxes[b + 1];
      const y0 = bboxes[b + 2];
      const y1 = bboxes[b + 3];
      if (x1 < 0) continue;
      // Work in a padded box so that the closing is never clipped by the box edge.
      const bx0 = x0 - marginX;
      const by0 = y0 - marginY;
      const bw = x1 - x0 + 1 + 2 * marginX;
      const bh = y1 - y0 + 1 + 2 * marginY;
      if (box.length < bw * bh) {
        box = new Uint8Array(bw * bh);
        tmp = new Uint8Array(bw * bh);
        tmp2 = new Uint8Array(bw * bh);
      }
      const area = box.subarray(0, bw * bh);
      area.fill(0);
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++)
          if (lungs[base + y * nx + x] === label) area[x - bx0 + bw * (y - by0)] = 1;
      }
      if (radiusMm > 0) {
        const rx = Math.round(radiusMm / sx);
        const ry = Math.round(radiusMm / sy);
        closeRect2d(area, bw, bh, rx, ry, tmp, tmp2);
      }
      // Hole filling: background reached from the box border becomes 2; everything else (lung and
      // enclosed holes) is written back as this lung.
      floodFromBorder2d(area, bw, bh, 0, 2, stack);
      keepDomesOut(area, bw, bh, bx0, by0, k, volume, stack);
      for (let by = 0; by < bh; by++) {
        const y = by + by0;
        if (y < 0 || y >= ny) continue;
        for (let bx = 0; bx < bw; bx++) {
          const x = bx + bx0;
          if (x < 0 || x >= nx || area[bx + bw * by] === 2) continue;
          const v = base + y * nx + x;
          if (lungs[v] === 0) lungs[v] = label; // never take voxels of the other lung
        }
      }
    }
  }
}

/** Enclosed holes at least this large (mm^2) are tested for being the diaphragm's dome. */
const DOME_MIN_AREA_MM2 = 500;
/** Soft tissue (not lung parenchyma, not air) for the dome test. */
const DOME_SOFT_HU = -300;
/** A hole whose soft tissue goes on this far inferiorly (mm) is the dome, not a lesion in the lung. */
const DOME_REACH_MM = 30;

/**
 * Near the lung base the lung can ring the dome of the diaphragm in one slice: the liver (or the
 * spleen) is then a hole in the lung, which plain hole filling would make lung. In a large enclosed
 * hole of soft tissue, the pixels whose voxels below stay soft tissue for DOME_REACH_MM (or to the
 * end of the series) are the dome and stay out (marked 2 in `area`, as background). A lesion inside
 * the lung ends sooner: aerated lung lies below it.
 */
function keepDomesOut(
  area: Uint8Array,
  bw: number,
  bh: number,
  bx0: number,
  by0: number,
  k: number,
  volume: Volume,
  stack: IndexStack,
): void {
  const [nx, ny, nz] = volume.dims;
  const [sx, sy, sz] = volume.spacingMm;
  const minPixels = DOME_MIN_AREA_MM2 / (sx * sy);
  let holes = 0;
  for (let p = 0; p < bw * bh; p++) if (area[p] === 0) holes++;
  if (holes < minPixels) return;
  const holeMask = new Uint8Array(bw * bh);
  for (let p = 0; p < bw * bh; p++) holeMask[p] = area[p] === 0 ? 1 : 0;
  const labels = new Int32Array(bw * bh);
  const comps = labelComponents2d(holeMask, bw, bh, labels, stack);
  // Inferior is -z in LPS: the k step whose z component is negative.
  const inferiorStep = volume.direction[8] >= 0 ? -1 : 1;
  const steps = Math.max(1, Math.ceil(DOME_REACH_MM / sz));
  const hu = volume.voxels;
  const sliceSize = nx * ny;
  const softFraction = (id: number, kk: number): number => {
    let soft = 0;
    let count = 0;
    for (let p = 0; p < bw * bh; p++) {
      if (labels[p] !== id) continue;
      const x = bx0 + (p % bw);
      const y = by0 + Math.floor(p / bw);
      if (x < 0 || y < 0 || x >= nx || y >= ny) continue;
      count++;
      if (hu[kk * sliceSize + y * nx + x] > DOME_SOFT_HU) soft++;
    }
    return count > 0 ? soft / count : 0;
  };
  for (let id = 1; id <= comps.count; id++) {
    if (comps.sizes[id] < minPixels || softFraction(id, k) < 0.8) continue;
    // Per pixel of the hole: the dome's pixels stay soft tissue all the way down; a lesion next to
    // the dome (aerated lung below it) still fills.
    for (let p = 0; p < bw * bh; p++) {
      if (labels[p] !== id) continue;
      const x = bx0 + (p % bw);
      const y = by0 + Math.floor(p / bw);
      if (x < 0 || y < 0 || x >= nx || y >= ny) continue;
      let dome = true;
      for (let d = 1; d <= steps; d++) {
        const kk = k + d * inferiorStep;
        if (kk < 0 || kk >= nz) break;
        if (hu[kk * sliceSize + y * nx + x] <= DOME_SOFT_HU) {
          dome = false;
          break;
        }
      }
      if (dome) area[p] = 2;
    }
  }
}

/** Median HU of one component (voxels labelled `id` inside its bounding box), from a histogram. */
function medianHuOf(hu: ArrayLike<number>, labels: Int32Array, boxes: Int32Array, id: number, nx: number, sliceSize: number): number {
  const b = 6 * id;
  const histogram = new Int32Array(1025); // -1024..0 HU; denser voxels counted at 0
  let count = 0;
  for (let k = boxes[b + 4]; k <= boxes[b + 5]; k++) {
    for (let y = boxes[b + 2]; y <= boxes[b + 3]; y++) {
      const row = k * sliceSize + y * nx;
      for (let x = boxes[b]; x <= boxes[b + 1]; x++) {
        if (labels[row + x] !== id) continue;
        histogram[Math.max(0, Math.min(1024, Math.round(hu[row + x]) + 1024))]++;
        count++;
      }
    }
  }
  let seen = 0;
  for (let h = 0; h < histogram.length; h++) {
    seen += histogram[h];
    if (2 * seen >= count) return h - 1024;
  }
  return 0;
}

/**
 * Labels as `toLabel` the internal air (value 1 in `air`) not yet in a lung that lies within
 * MIRROR_MARGIN_MM of the mirror image (about the body midline) of the `fromLabel` lung, slice by
 * slice. Returns the bounding box of what it labelled, or undefined when nothing was.
 */
function recruitMirroredAir(
  air: Uint8Array,
  lungs: Uint8Array,
  volume: Volume,
  fromLabel: number,
  toLabel: number,
  midX: number,
  fromIsLowI: boolean,
  region: Region,
): Region | undefined {
  const [nx, ny] = volume.dims;
  const [sx, sy] = volume.spacingMm;
  const sliceSize = nx * ny;
  const mirror = new Uint8Array(sliceSize);
  const grown = new Uint8Array(sliceSize);
  const tmp = new Uint8Array(sliceSize);
  const rx = Math.max(1, Math.round(MIRROR_MARGIN_MM / sx));
  const ry = Math.max(1, Math.round(MIRROR_MARGIN_MM / sy));
  let box: Region | undefined;
  for (let k = region.z0; k <= region.z1; k++) {
    const base = k * sliceSize;
    mirror.fill(0);
    let any = false;
    for (let y = region.y0; y <= region.y1; y++) {
      for (let x = region.x0; x <= region.x1; x++) {
        if (lungs[base + y * nx + x] !== fromLabel) continue;
        const xm = Math.round(2 * midX - x);
        if (xm >= 0 && xm < nx) {
          mirror[y * nx + xm] = 1;
          any = true;
        }
      }
    }
    if (!any) continue;
    dilateRect2d(mirror, nx, ny, rx, ry, tmp, grown);
    for (let p = 0; p < sliceSize; p++) {
      const v = base + p;
      if (grown[p] === 0 || air[v] !== 1 || lungs[v] !== 0) continue;
      // Only on the other side of the midline.
      const x = p % nx;
      if (fromIsLowI ? x <= midX : x >= midX) continue;
      lungs[v] = toLabel;
      const y = (p - x) / nx;
      if (!box) box = { x0: x, x1: x, y0: y, y1: y, z0: k, z1: k };
      else {
        box.x0 = Math.min(box.x0, x);
        box.x1 = Math.max(box.x1, x);
        box.y0 = Math.min(box.y0, y);
        box.y1 = Math.max(box.y1, y);
        box.z1 = Math.max(box.z1, k);
      }
    }
  }
  return box;
}
