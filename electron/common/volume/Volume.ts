/**
 * A 3-D scalar image with its patient-space geometry. Every loader (DICOM, NIfTI) produces one and
 * every consumer (viewer, lungs, inference, exports) reads one.
 *
 * Conventions (the DICOM ones, PS3.3 C.7.6.2.1.1):
 * - voxels are stored x fastest, then y, then z: index = x + dims[0] * (y + dims[1] * z);
 * - patient coordinates are LPS in millimetres;
 * - `direction` holds the three LPS unit vectors of the voxel axes one after another (the
 *   cornerstone3D convention, so the viewer takes it unchanged): axis i = direction[0..2] is
 *   DICOM's row direction (ImageOrientationPatient[0..2]), axis j = direction[3..5] its column
 *   direction (ImageOrientationPatient[3..5]), axis k = direction[6..8] the direction of increasing
 *   slice index (the slice normal for an untilted series).
 * - `origin` is the LPS position of the centre of voxel (0,0,0);
 * - spacingMm is the distance between voxel centres along i, j, k.
 */
export type Vec3 = [number, number, number];
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export type VoxelArray = Int16Array | Float32Array | Uint8Array | Uint16Array;

export interface VolumeMeta {
  modality?: string;
  patientName?: string;
  patientId?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  frameOfReferenceUid?: string;
  seriesDescription?: string;
  studyDate?: string;
  /** DICOM SliceThickness (mm) of the first source image, when present. */
  sliceThicknessMm?: number;
  /** SOPInstanceUIDs of the source slices in k order (for DICOM SEG references); '' at a missing slice. */
  sopInstanceUids?: string[];
  /** Frame number (1-based) of each slice in its SOP instance, in k order; 0 at a missing slice. */
  frameNumbers?: number[];
  /** Position of each slice along the slice normal (mm), in k order: the image's own where there is one. */
  slicePositionsMm?: number[];
  /** ImagePositionPatient (LPS mm) of each slice's source image, in k order (the grid's at a missing slice). */
  imagePositionsMm?: Vec3[];
  /**
   * Slices k that no source image fills (the series had a gap): they hold -1024 HU, are not
   * segmented and get no DICOM SEG frame. Absent when every slice has its image.
   */
  missingSlices?: number[];
  /**
   * Set when the voxels were reordered from a coronal or sagittal acquisition into axial slices
   * (reformatToAxial): the acquired grid and its per-image lists, for exports that refer to the
   * acquired images. The top-level per-slice lists are then absent (axial slices have no image).
   */
  acquisition?: AcquisitionGrid;
  sopClassUid?: string;
  /** Free-form extras a loader wants to keep. */
  [key: string]: unknown;
}

/** The grid a volume was acquired on, before reformatToAxial reordered it (see VolumeMeta.acquisition). */
export interface AcquisitionGrid {
  plane: 'coronal' | 'sagittal';
  dims: Vec3;
  spacingMm: Vec3;
  originMm: Vec3;
  direction: Mat3;
  /** Axis n of the axial volume runs along acquired axis axes[n], backwards when flips[n]. */
  axes: Vec3;
  flips: [boolean, boolean, boolean];
  sopInstanceUids?: string[];
  frameNumbers?: number[];
  slicePositionsMm?: number[];
  imagePositionsMm?: Vec3[];
}

export interface Volume<T extends VoxelArray = VoxelArray> {
  dims: Vec3;
  spacingMm: Vec3;
  originMm: Vec3;
  direction: Mat3;
  /** Hounsfield units for CT (Int16Array, or Float32Array when the rescale slope is fractional). */
  voxels: T;
  meta: VolumeMeta;
}

export function voxelCount(dims: Vec3): number {
  return dims[0] * dims[1] * dims[2];
}

/** LPS position (mm) of the centre of voxel (i, j, k). */
export function voxelToPatient(v: Pick<Volume, 'spacingMm' | 'originMm' | 'direction'>, i: number, j: number, k: number): Vec3 {
  const d = v.direction;
  const [si, sj, sk] = v.spacingMm;
  const a = i * si;
  const b = j * sj;
  const c = k * sk;
  return [
    v.originMm[0] + d[0] * a + d[3] * b + d[6] * c,
    v.originMm[1] + d[1] * a + d[4] * b + d[7] * c,
    v.originMm[2] + d[2] * a + d[5] * b + d[8] * c,
  ];
}

/** 4x4 row-major affine from voxel index (i,j,k,1) to LPS mm. */
export function voxelToPatientAffine(v: Pick<Volume, 'spacingMm' | 'originMm' | 'direction'>): number[] {
  const d = v.direction;
  const [si, sj, sk] = v.spacingMm;
  return [
    d[0] * si, d[3] * sj, d[6] * sk, v.originMm[0],
    d[1] * si, d[4] * sj, d[7] * sk, v.originMm[1],
    d[2] * si, d[5] * sj, d[8] * sk, v.originMm[2],
    0, 0, 0, 1,
  ];
}

export const IDENTITY_DIRECTION: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
