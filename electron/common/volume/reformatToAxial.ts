/**
 * Coronal and sagittal series as axial volumes, exactly: the voxel axes are permuted (and reversed
 * where needed) so that k runs from the feet towards the head, i towards the patient's left and j
 * towards the back, as on an axial series. Nothing is interpolated: every voxel keeps its HU value
 * and its LPS position (the direction vectors move with the axes), so volumes and distances are
 * the acquired ones. The engine (lung mask, the per-slice infection model, zone thirds) works on
 * axial slices; this is how a coronal or sagittal acquisition reaches it without lying.
 */
import { OpalError } from '../errors/index.ts';
import { voxelToPatient, type AcquisitionGrid, type Mat3, type Vec3, type Volume, type VoxelArray } from './Volume.ts';

type Flips = [boolean, boolean, boolean];

const axisOf = (d: Mat3, a: number): Vec3 => [d[3 * a], d[3 * a + 1], d[3 * a + 2]];

/**
 * Which acquired axis each axial axis takes (k: the one closest to head-foot, i: of the other two
 * the one closest to left-right, j: the last) and whether it must run backwards.
 */
export function axialAxesOf(direction: Mat3): { axes: Vec3; flips: Flips } {
  const remaining = [0, 1, 2];
  const pick = (lps: number): number => {
    let best = remaining[0];
    for (const a of remaining) if (Math.abs(axisOf(direction, a)[lps]) > Math.abs(axisOf(direction, best)[lps])) best = a;
    remaining.splice(remaining.indexOf(best), 1);
    return best;
  };
  const k = pick(2);
  const i = pick(0);
  const j = remaining[0];
  const axes: Vec3 = [i, j, k];
  const flips: Flips = [axisOf(direction, i)[0] < 0, axisOf(direction, j)[1] < 0, axisOf(direction, k)[2] < 0];
  return { axes, flips };
}

/**
 * Copies `from` (on grid `fromDims`) into a new array on the permuted grid: element (c0, c1, c2) of
 * the result is `from` at the acquired index whose axis axes[n] is c_n (D - 1 - c_n when flipped).
 * With `inverse`, the same correspondence is walked the other way (permuted -> acquired).
 */
function permute<T extends VoxelArray>(from: T, acquiredDims: Vec3, axes: Vec3, flips: Flips, inverse: boolean): T {
  const stride: Vec3 = [1, acquiredDims[0], acquiredDims[0] * acquiredDims[1]];
  const dims: Vec3 = [acquiredDims[axes[0]], acquiredDims[axes[1]], acquiredDims[axes[2]]];
  const step = [0, 1, 2].map((n) => (flips[n] ? -stride[axes[n]] : stride[axes[n]]));
  let base = 0;
  for (let n = 0; n < 3; n++) if (flips[n]) base += (dims[n] - 1) * stride[axes[n]];
  const Ctor = from.constructor as new (length: number) => T;
  const out = new Ctor(from.length);
  let p = 0;
  for (let c2 = 0; c2 < dims[2]; c2++) {
    const q2 = base + c2 * step[2];
    for (let c1 = 0; c1 < dims[1]; c1++) {
      let q = q2 + c1 * step[1];
      const s0 = step[0];
      if (inverse) for (let c0 = 0; c0 < dims[0]; c0++, q += s0, p++) out[q] = from[p];
      else for (let c0 = 0; c0 < dims[0]; c0++, q += s0, p++) out[p] = from[q];
    }
  }
  return out;
}

/**
 * The axial form of a volume acquired coronally or sagittally (see the top of this file); an axial
 * volume is returned as it is. The per-image lists of `meta` move into `meta.acquisition` with the
 * acquired grid, because an axial slice of a reformatted volume has no source image of its own.
 */
export function reformatToAxial<T extends VoxelArray>(volume: Volume<T>, plane: 'coronal' | 'sagittal'): Volume<T> {
  const { axes, flips } = axialAxesOf(volume.direction);
  if (axes[2] === 2) return volume;
  if (Array.isArray(volume.meta.missingSlices) && volume.meta.missingSlices.length > 0) {
    throw new OpalError('E_MISSING_SLICE', `This ${plane} series has missing slices; OPAL does not reorder it to axial around them.`);
  }
  const d = volume.direction;
  const direction = [0, 1, 2].flatMap((n) => axisOf(d, axes[n]).map((v) => (flips[n] ? -v : v) + 0)) as Mat3; // + 0: no -0 in the matrix
  const corner = [0, 1, 2].map((a) => {
    const n = axes.indexOf(a);
    return flips[n] ? volume.dims[a] - 1 : 0;
  });
  const { sopInstanceUids, frameNumbers, slicePositionsMm, imagePositionsMm, ...rest } = volume.meta;
  const acquisition: AcquisitionGrid = {
    plane,
    dims: [...volume.dims] as Vec3,
    spacingMm: [...volume.spacingMm] as Vec3,
    originMm: [...volume.originMm] as Vec3,
    direction: [...d] as Mat3,
    axes,
    flips,
    ...(sopInstanceUids ? { sopInstanceUids } : {}),
    ...(frameNumbers ? { frameNumbers } : {}),
    ...(slicePositionsMm ? { slicePositionsMm } : {}),
    ...(imagePositionsMm ? { imagePositionsMm } : {}),
  };
  return {
    dims: [volume.dims[axes[0]], volume.dims[axes[1]], volume.dims[axes[2]]],
    spacingMm: [volume.spacingMm[axes[0]], volume.spacingMm[axes[1]], volume.spacingMm[axes[2]]],
    originMm: voxelToPatient(volume, corner[0], corner[1], corner[2]),
    direction,
    voxels: permute(volume.voxels, volume.dims, axes, flips, false),
    meta: { ...rest, acquisition },
  };
}

/** A labelmap (or any voxel array) of a reformatted volume, put back on the acquired grid. */
export function toAcquisitionGrid<T extends VoxelArray>(voxels: T, acquisition: AcquisitionGrid): T {
  return permute(voxels, acquisition.dims, acquisition.axes, acquisition.flips, true);
}

/** A voxel array on the acquired grid (e.g. a mask read from a SEG), put on the reformatted axial grid. */
export function fromAcquisitionGrid<T extends VoxelArray>(voxels: T, acquisition: AcquisitionGrid): T {
  return permute(voxels, acquisition.dims, acquisition.axes, acquisition.flips, false);
}

/**
 * Voxels of a grid whose axes are a signed permutation of another's, reordered onto that other
 * grid: its axis n runs along axis axes[n] of `fromDims`, backwards when flips[n] (e.g. a NIfTI
 * mask stored in another axis order than its CT).
 */
export function reorderAxes<T extends VoxelArray>(voxels: T, fromDims: Vec3, axes: Vec3, flips: [boolean, boolean, boolean]): T {
  return permute(voxels, fromDims, axes, flips, false);
}
