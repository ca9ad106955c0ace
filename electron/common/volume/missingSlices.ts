/**
 * Volumes with missing slices (VolumeMeta.missingSlices): the grid keeps every image at its true
 * position and the gaps hold empty (-1024 HU) slices. These helpers let the engine and the
 * measurements treat those slices honestly:
 * - the engine (lung mask, infection model) runs on the images that exist, stacked without the
 *   gaps (presentSlicesVolume), as a radiologist reads them; its masks go back onto the grid with
 *   nothing in the missing slices (spreadToGrid), so exports never show a guessed mask;
 * - measurements integrate over the real slice positions: each missing slice is counted as its
 *   nearest image (the lower one when both are as near), i.e. every image stands for the tissue
 *   closest to it, the gap is counted once, neither twice nor as nothing (measurementMasks).
 */
import type { Volume, VoxelArray } from './Volume.ts';

/** The missing slices of a volume (sorted, in range), empty when every slice has its image. */
export function missingSlicesOf(volume: Pick<Volume, 'dims' | 'meta'>): number[] {
  const m = volume.meta.missingSlices;
  if (!Array.isArray(m)) return [];
  return [...new Set(m.filter((k) => Number.isInteger(k) && k >= 0 && k < volume.dims[2]))].sort((a, b) => a - b);
}

/** Grid slices that hold an image, ascending. */
export function presentSlicesOf(volume: Pick<Volume, 'dims' | 'meta'>): number[] {
  const missing = new Set(missingSlicesOf(volume));
  const out: number[] = [];
  for (let k = 0; k < volume.dims[2]; k++) if (!missing.has(k)) out.push(k);
  return out;
}

/**
 * The images of a volume stacked without its missing slices (the volume itself when none is
 * missing). Its k spacing is the grid's; it is for the engine, never for export or measurement.
 */
export function presentSlicesVolume<T extends VoxelArray>(volume: Volume<T>): Volume<T> {
  const missing = missingSlicesOf(volume);
  if (missing.length === 0) return volume;
  const present = presentSlicesOf(volume);
  const sliceSize = volume.dims[0] * volume.dims[1];
  const Ctor = volume.voxels.constructor as new (length: number) => T;
  const voxels = new Ctor(sliceSize * present.length);
  present.forEach((k, c) => voxels.set(volume.voxels.subarray(k * sliceSize, (k + 1) * sliceSize), c * sliceSize));
  const positions = volume.meta.slicePositionsMm;
  return {
    ...volume,
    dims: [volume.dims[0], volume.dims[1], present.length],
    voxels,
    meta: {
      ...volume.meta,
      missingSlices: undefined,
      sopInstanceUids: undefined,
      frameNumbers: undefined,
      imagePositionsMm: undefined,
      slicePositionsMm: Array.isArray(positions) ? present.map((k) => positions[k]) : undefined,
    },
  };
}

/** A mask of presentSlicesVolume(volume) on the volume's own grid: 0 in every missing slice. */
export function spreadToGrid(compact: Uint8Array, volume: Pick<Volume, 'dims' | 'meta'>): Uint8Array {
  const present = presentSlicesOf(volume);
  if (present.length === volume.dims[2]) return compact;
  const sliceSize = volume.dims[0] * volume.dims[1];
  const out = new Uint8Array(sliceSize * volume.dims[2]);
  present.forEach((k, c) => out.set(compact.subarray(c * sliceSize, (c + 1) * sliceSize), k * sliceSize));
  return out;
}

/**
 * A copy of a grid mask (or HU, or confidence) in which each missing slice holds that of its
 * nearest image (the lower one when both are as near): what the measurements count (see the top
 * of this file). The array itself when no slice is missing.
 */
export function fillMissingFromNearest<T extends VoxelArray>(mask: T, volume: Pick<Volume, 'dims' | 'meta'>): T {
  const present = presentSlicesOf(volume);
  if (present.length === volume.dims[2] || present.length === 0) return mask;
  const sliceSize = volume.dims[0] * volume.dims[1];
  const out = mask.slice() as T;
  let next = 0;
  for (let k = 0; k < volume.dims[2]; k++) {
    while (next < present.length && present[next] < k) next++;
    if (present[next] === k) continue;
    const below = next > 0 ? present[next - 1] : undefined;
    const above = next < present.length ? present[next] : undefined;
    const from = below === undefined ? (above as number) : above === undefined || k - below <= above - k ? below : above;
    out.copyWithin(k * sliceSize, from * sliceSize, (from + 1) * sliceSize);
  }
  return out;
}

/** The lung and infection masks the measurements count (fillMissingFromNearest on both). */
export function measurementMasks(volume: Pick<Volume, 'dims' | 'meta'>, lungs: Uint8Array, infection: Uint8Array): { lungs: Uint8Array; infection: Uint8Array } {
  return { lungs: fillMissingFromNearest(lungs, volume), infection: fillMissingFromNearest(infection, volume) };
}
