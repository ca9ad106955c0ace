import { OpalError } from '../errors/index.ts';

/**
 * Writes `values[n]` at `indices[n]` and returns the values that were there before (so the caller
 * can record an exact inverse). Throws E_BAD_ARGUMENT, changing nothing, when an index is outside
 * the labelmap or the lengths differ.
 */
export function applyDiff(labels: Uint8Array, indices: ArrayLike<number>, values: ArrayLike<number>): Uint8Array {
  if (indices.length !== values.length) throw new OpalError('E_BAD_ARGUMENT', `A labelmap edit has ${indices.length} positions but ${values.length} values.`);
  for (let n = 0; n < indices.length; n++) {
    const i = indices[n];
    if (!Number.isInteger(i) || i < 0 || i >= labels.length) {
      throw new OpalError('E_BAD_ARGUMENT', `A labelmap edit touches voxel ${i}, outside the volume of ${labels.length} voxels.`);
    }
    const v = values[n];
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new OpalError('E_BAD_ARGUMENT', `A labelmap edit writes label ${v}, not a label value (0-255).`);
  }
  const before = new Uint8Array(indices.length);
  for (let n = 0; n < indices.length; n++) {
    before[n] = labels[indices[n]];
    labels[indices[n]] = values[n];
  }
  return before;
}
