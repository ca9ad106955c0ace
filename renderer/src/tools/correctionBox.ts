/**
 * The 3-D box of an assisted correction from what the user did in one 2-D viewport (pure, tested):
 * a drag spans a rectangle in the viewport's plane, which reaches along the plane's normal as far as
 * half its larger side on either side (a lesion is roughly as deep as it is wide); a click (no drag)
 * is a cube of CLICK_BOX_HALF_MM around the voxel clicked. Corners are voxel indices, inclusive,
 * clipped to the volume.
 */
export type Ijk = [number, number, number];
export interface CorrectionBox {
  from: Ijk;
  to: Ijk;
}

/** Half the side of the box a click makes (mm). */
export const CLICK_BOX_HALF_MM = 15;
/** A drag shorter than this (canvas pixels) is a click. */
export const CLICK_DRAG_PX = 4;

/** The voxel axis (i 0, j 1, k 2) normal to a viewport's plane, for OPAL's axial-ordered volumes. */
export function normalAxisOf(plane: 'axial' | 'coronal' | 'sagittal'): 0 | 1 | 2 {
  return plane === 'axial' ? 2 : plane === 'coronal' ? 1 : 0;
}

function clip(dims: readonly number[], lo: number[], hi: number[]): CorrectionBox {
  const c = (x: number, a: number) => Math.max(0, Math.min(dims[a] - 1, x));
  return { from: [c(lo[0], 0), c(lo[1], 1), c(lo[2], 2)], to: [c(hi[0], 0), c(hi[1], 1), c(hi[2], 2)] };
}

/** The cube of ±halfMm around a clicked voxel (continuous ijk). */
export function boxAroundVoxel(dims: readonly number[], spacingMm: readonly number[], at: readonly number[], halfMm = CLICK_BOX_HALF_MM): CorrectionBox {
  const lo: number[] = [];
  const hi: number[] = [];
  for (let a = 0; a < 3; a++) {
    const c = Math.round(at[a]);
    const r = Math.max(1, Math.round(halfMm / spacingMm[a]));
    lo.push(c - r);
    hi.push(c + r);
  }
  return clip(dims, lo, hi);
}

/** The box of a drag from `a` to `b` (continuous ijk, on one slice of the plane whose normal is `normal`). */
export function boxFromDrag(dims: readonly number[], spacingMm: readonly number[], a: readonly number[], b: readonly number[], normal: 0 | 1 | 2): CorrectionBox {
  const lo: number[] = [];
  const hi: number[] = [];
  let widestMm = 0;
  for (let ax = 0; ax < 3; ax++) {
    if (ax === normal) continue;
    const l = Math.round(Math.min(a[ax], b[ax]));
    const h = Math.round(Math.max(a[ax], b[ax]));
    widestMm = Math.max(widestMm, (h - l + 1) * spacingMm[ax]);
    lo[ax] = l;
    hi[ax] = h;
  }
  const c = Math.round(a[normal]);
  const reach = Math.round(widestMm / 2 / spacingMm[normal]);
  lo[normal] = c - reach;
  hi[normal] = c + reach;
  return clip(dims, lo, hi);
}

/** Whether voxel (i, j, k) lies inside the box. */
export function inCorrectionBox(box: CorrectionBox, i: number, j: number, k: number): boolean {
  return i >= box.from[0] && i <= box.to[0] && j >= box.from[1] && j <= box.to[1] && k >= box.from[2] && k <= box.to[2];
}
