/** The axial slices (k, ascending) that voxel indices of a diff fall on. */
export function slicesOfIndices(indices: ArrayLike<number>, sliceSize: number): number[] {
  const slices = new Set<number>();
  for (let i = 0; i < indices.length; i++) slices.add(Math.floor(indices[i] / sliceSize));
  return [...slices].sort((a, b) => a - b);
}
