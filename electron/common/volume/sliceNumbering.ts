/**
 * One slice numbering for the whole app (viewer, lesion list, PDF report, exports): slices are
 * numbered 1..N from the patient's lowest LPS coordinate along the plane's axis, so
 *   axial:    1 = most inferior (feet) ... N = most superior (head),
 *   coronal:  1 = most anterior ... N = most posterior,
 *   sagittal: 1 = most right ... N = most left,
 * whatever order the series was stored in (head first, feet first, flipped rows).
 *
 * `volume.ts`'s direction holds the LPS unit vectors of the voxel axes i, j, k one after another.
 */
import type { Mat3 } from './Volume.ts';

export type ViewPlane = 'axial' | 'coronal' | 'sagittal';

/** The LPS axis (0 = x R→L, 1 = y A→P, 2 = z I→S) whose slices a plane shows. */
export const PLANE_PATIENT_AXIS: Readonly<Record<ViewPlane, 0 | 1 | 2>> = { sagittal: 0, coronal: 1, axial: 2 };

/** The voxel axis (0 = i, 1 = j, 2 = k) that runs most nearly along LPS axis `patientAxis`. */
export function voxelAxisAlong(direction: Readonly<Mat3>, patientAxis: 0 | 1 | 2): 0 | 1 | 2 {
  let best: 0 | 1 | 2 = 0;
  for (const a of [1, 2] as const) if (Math.abs(direction[3 * a + patientAxis]) > Math.abs(direction[3 * best + patientAxis])) best = a;
  return best;
}

/**
 * The 1-based slice number of voxel index `index` (0..count-1) along voxel axis `voxelAxis`,
 * counted from the lowest LPS coordinate along `patientAxis`.
 */
export function sliceNumberAlong(direction: Readonly<Mat3>, voxelAxis: 0 | 1 | 2, patientAxis: 0 | 1 | 2, index: number, count: number): number {
  const ascending = direction[3 * voxelAxis + patientAxis] >= 0;
  const i = Math.min(count - 1, Math.max(0, Math.round(index)));
  return ascending ? i + 1 : count - i;
}

/** The voxel index back from a slice number (the inverse of sliceNumberAlong). */
export function indexOfSliceNumber(direction: Readonly<Mat3>, voxelAxis: 0 | 1 | 2, patientAxis: 0 | 1 | 2, sliceNumber: number, count: number): number {
  const ascending = direction[3 * voxelAxis + patientAxis] >= 0;
  const n = Math.min(count, Math.max(1, Math.round(sliceNumber)));
  return ascending ? n - 1 : count - n;
}

/** Axial slice number (1 = most inferior) of voxel slice k, for a volume of `dims` and `direction`. */
export function axialSliceNumber(geometry: { dims: readonly [number, number, number]; direction: Readonly<Mat3> }, k: number): number {
  const axis = voxelAxisAlong(geometry.direction, 2);
  return sliceNumberAlong(geometry.direction, axis, 2, k, geometry.dims[axis]);
}

/** "n/N" as every place shows an axial slice: the number and the count. */
export function axialSliceLabel(geometry: { dims: readonly [number, number, number]; direction: Readonly<Mat3> }, k: number): string {
  return `${axialSliceNumber(geometry, k)}/${geometry.dims[voxelAxisAlong(geometry.direction, 2)]}`;
}
