import type { VolumeGeometry } from '../viewport/registerCtVolume.ts';

/**
 * Continuous voxel coordinates (i, j, k) of an LPS point: the inverse of Volume's
 * voxel → patient mapping, using that `direction` holds orthonormal unit vectors.
 */
export function worldToIjk(g: VolumeGeometry, world: readonly [number, number, number]): [number, number, number] {
  const d = g.direction;
  const dx = world[0] - g.originMm[0];
  const dy = world[1] - g.originMm[1];
  const dz = world[2] - g.originMm[2];
  return [
    (dx * d[0] + dy * d[1] + dz * d[2]) / g.spacingMm[0],
    (dx * d[3] + dy * d[4] + dz * d[5]) / g.spacingMm[1],
    (dx * d[6] + dy * d[7] + dz * d[8]) / g.spacingMm[2],
  ];
}

/** Linear index of the voxel nearest to continuous (i, j, k), or -1 outside the volume. */
export function nearestVoxelIndex(dims: readonly [number, number, number], ijk: readonly [number, number, number]): number {
  const i = Math.round(ijk[0]);
  const j = Math.round(ijk[1]);
  const k = Math.round(ijk[2]);
  if (i < 0 || j < 0 || k < 0 || i >= dims[0] || j >= dims[1] || k >= dims[2]) return -1;
  return i + dims[0] * (j + dims[1] * k);
}
