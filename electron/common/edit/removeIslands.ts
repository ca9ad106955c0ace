import { connectedComponents3d } from '../lung/connectedComponents3d.ts';

export interface IslandRemoval {
  /** Voxels to clear (all become 0), ascending. */
  indices: Uint32Array;
  /** Connected components removed, and components kept. */
  removedIslands: number;
  keptIslands: number;
}

/**
 * Finds the "islands" of a labelmap: 26-connected components of its non-zero voxels (any label:
 * a lesion that is part ground-glass, part consolidation is one island) smaller than
 * `minVolumeMm3`, and returns the voxels that clearing them would change.
 *
 * 26-connectivity is the conservative choice: voxels that touch only at an edge or corner still
 * count as one island, so removal never splits a thin oblique lesion into "small" pieces.
 */
export function findSmallIslands(labels: Uint8Array, dims: readonly [number, number, number], spacingMm: readonly [number, number, number], minVolumeMm3: number): IslandRemoval {
  if (!(minVolumeMm3 > 0) || !Number.isFinite(minVolumeMm3)) throw new RangeError(`minimum island volume must be a positive number of mm³, got ${minVolumeMm3}`);
  const voxelMm3 = spacingMm[0] * spacingMm[1] * spacingMm[2];
  const cc = connectedComponents3d(labels, [dims[0], dims[1], dims[2]], 26);
  const small = new Uint8Array(cc.count + 1);
  let removedIslands = 0;
  let removedVoxels = 0;
  for (let id = 1; id <= cc.count; id++) {
    if (cc.sizes[id] * voxelMm3 < minVolumeMm3) {
      small[id] = 1;
      removedIslands++;
      removedVoxels += cc.sizes[id];
    }
  }
  const indices = new Uint32Array(removedVoxels);
  if (removedVoxels > 0) {
    let o = 0;
    const l = cc.labels;
    for (let v = 0; v < l.length; v++) if (small[l[v]] && l[v] !== 0) indices[o++] = v;
  }
  return { indices, removedIslands, keptIslands: cc.count - removedIslands };
}
