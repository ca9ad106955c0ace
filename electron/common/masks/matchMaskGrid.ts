/**
 * Whether a mask volume (a NIfTI labelmap, its affine already in LPS) lies on a CT's voxel grid,
 * and how to put its voxels there. The mask may store the same voxels in another axis order or
 * direction (a signed permutation of the CT's axes, as tools that reorient to RAS do); anything
 * else — other dimensions, spacing, orientation or position — is refused with E_GEOMETRY_MISMATCH
 * naming what differs. Every corner voxel centre must lie within GEOMETRY_TOLERANCE_MM of the CT's.
 */
import { OpalError } from '../errors/index.ts';
import { GEOMETRY_TOLERANCE_MM } from '../export/decodeDicomSeg.ts';
import { reorderAxes, voxelToPatient, type Vec3, type Volume } from '../volume/index.ts';

type Grid = Pick<Volume, 'dims' | 'spacingMm' | 'originMm' | 'direction'>;

export interface GridMatch {
  /** CT axis n runs along mask axis axes[n], backwards when flips[n]. */
  axes: Vec3;
  flips: [boolean, boolean, boolean];
  /** True when the mask's voxels are already in the CT's order. */
  identity: boolean;
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4).replace(/\.?0+$/, ''));
const dimsText = (d: readonly number[]): string => d.join('x');
const mismatch = (message: string, detail?: string): OpalError => new OpalError('E_GEOMETRY_MISMATCH', message, detail);

const axisOf = (g: Grid, a: number): Vec3 => [g.direction[3 * a], g.direction[3 * a + 1], g.direction[3 * a + 2]];

/** How the mask's grid maps onto the CT's, or E_GEOMETRY_MISMATCH naming what differs. */
export function matchMaskGrid(mask: Grid, ct: Grid): GridMatch {
  const axes: number[] = [];
  const flips: boolean[] = [];
  for (let n = 0; n < 3; n++) {
    const c = axisOf(ct, n);
    let best = -1;
    let bestDot = 0;
    for (let a = 0; a < 3; a++) {
      const m = axisOf(mask, a);
      const dot = c[0] * m[0] + c[1] * m[1] + c[2] * m[2];
      if (Math.abs(dot) > Math.abs(bestDot)) {
        best = a;
        bestDot = dot;
      }
    }
    if (best < 0 || Math.abs(bestDot) < 1 - 1e-3 || axes.includes(best)) {
      throw mismatch('The mask is oriented differently from this CT (its voxel axes are not the CT\'s): it was made on another series or resampled.', `mask direction ${mask.direction.map(fmt).join(', ')}; CT ${ct.direction.map(fmt).join(', ')}`);
    }
    axes.push(best);
    flips.push(bestDot < 0);
  }
  const mappedDims = axes.map((a) => mask.dims[a]);
  if (mappedDims.some((d, n) => d !== ct.dims[n])) {
    throw mismatch(`The mask is ${dimsText(mask.dims)} voxels; this CT is ${dimsText(ct.dims)}: it was made on another series.`);
  }
  for (let n = 0; n < 3; n++) {
    const ms = mask.spacingMm[axes[n]];
    if (Math.abs(ms - ct.spacingMm[n]) * (ct.dims[n] - 1) > GEOMETRY_TOLERANCE_MM) {
      throw mismatch(
        `The mask's voxel size (${axes.map((a) => fmt(mask.spacingMm[a])).join(' x ')} mm) is not this CT's (${ct.spacingMm.map(fmt).join(' x ')} mm).`,
      );
    }
  }
  // Every corner: CT voxel (i,j,k) against the mask voxel that lands on it.
  let worst = 0;
  let worstAt: Vec3 = [0, 0, 0];
  for (const corner of [0, 1, 2, 3, 4, 5, 6, 7]) {
    const ctIdx = [0, 1, 2].map((n) => ((corner >> n) & 1 ? ct.dims[n] - 1 : 0)) as Vec3;
    const maskIdx: Vec3 = [0, 0, 0];
    for (let n = 0; n < 3; n++) maskIdx[axes[n]] = flips[n] ? ct.dims[n] - 1 - ctIdx[n] : ctIdx[n];
    const p = voxelToPatient(ct, ...ctIdx);
    const q = voxelToPatient(mask, ...maskIdx);
    const dev = Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
    if (dev > worst) {
      worst = dev;
      worstAt = p;
    }
  }
  if (worst > GEOMETRY_TOLERANCE_MM) {
    throw mismatch(
      `The mask lies ${fmt(worst)} mm away from this CT (more than ${GEOMETRY_TOLERANCE_MM} mm at a corner of the volume): same size, but another position — it was made on another series.`,
      `CT corner at ${worstAt.map(fmt).join(', ')} mm (LPS); mask origin ${mask.originMm.map(fmt).join(', ')}, CT origin ${ct.originMm.map(fmt).join(', ')}`,
    );
  }
  const identity = axes.every((a, n) => a === n) && flips.every((f) => !f);
  return { axes: axes as Vec3, flips: flips as [boolean, boolean, boolean], identity };
}

/** The mask's voxels in the CT's order (see matchMaskGrid). */
export function maskOnCtGrid<T extends Uint8Array | Int16Array | Uint16Array | Float32Array>(voxels: T, mask: Grid, match: GridMatch): T {
  return match.identity ? voxels : reorderAxes(voxels, mask.dims, match.axes, match.flips);
}
