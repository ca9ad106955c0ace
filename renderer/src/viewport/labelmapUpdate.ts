/**
 * Copies a labelmap fetched from the engine into the renderer's copy and says which axial slices
 * changed, so that only those are uploaded to the GPU (cornerstone3D re-uploads a labelmap texture
 * per modified slice; a preview changes a quarter of the slices, a stroke one or a few).
 * Returns the changed slice indices (k), in order; empty when nothing changed.
 */
export function replaceLabelmap(target: Uint8Array, next: Uint8Array, sliceSize: number): number[] {
  if (target.length !== next.length) throw new RangeError(`labelmap sizes differ: ${target.length} vs ${next.length}`);
  const changed: number[] = [];
  const slices = Math.ceil(target.length / sliceSize);
  for (let k = 0; k < slices; k++) {
    const from = k * sliceSize;
    const to = Math.min(target.length, from + sliceSize);
    for (let i = from; i < to; i++) {
      if (target[i] !== next[i]) {
        changed.push(k);
        target.set(next.subarray(from, to), from);
        break;
      }
    }
  }
  return changed;
}

/** The axial slices (k, ascending) that voxel indices of a diff fall on. */
export function slicesOfIndices(indices: ArrayLike<number>, sliceSize: number): number[] {
  const slices = new Set<number>();
  for (let i = 0; i < indices.length; i++) slices.add(Math.floor(indices[i] / sliceSize));
  return [...slices].sort((a, b) => a - b);
}
