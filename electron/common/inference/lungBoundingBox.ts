import type { Vec3 } from '../volume/index.ts';

/** In-plane crop shared by every slice of a volume, plus which slices hold lung. */
export interface LungCrop {
  x0: number;
  y0: number;
  /** Width and height of the crop in voxels. */
  width: number;
  height: number;
  /** 1 where slice k contains lung voxels. */
  sliceHasLung: Uint8Array;
}

/**
 * The bounding box of all lung voxels in the axial plane, grown by `marginMm` on each side and
 * clipped to the image; one box for the whole volume so every slice is framed the same way.
 * Returns undefined when the mask is empty.
 */
export function lungBoundingBox(
  lungs: Uint8Array,
  dims: Vec3,
  spacingMm: Vec3,
  marginMm: number,
): LungCrop | undefined {
  const [nx, ny, nz] = dims;
  let x0 = nx;
  let x1 = -1;
  let y0 = ny;
  let y1 = -1;
  const sliceHasLung = new Uint8Array(nz);
  for (let k = 0, v = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        if (lungs[v] === 0) continue;
        sliceHasLung[k] = 1;
        if (i < x0) x0 = i;
        if (i > x1) x1 = i;
        if (j < y0) y0 = j;
        if (j > y1) y1 = j;
      }
    }
  }
  if (x1 < 0) return undefined;
  const mx = Math.round(marginMm / spacingMm[0]);
  const my = Math.round(marginMm / spacingMm[1]);
  x0 = Math.max(0, x0 - mx);
  y0 = Math.max(0, y0 - my);
  x1 = Math.min(nx - 1, x1 + mx);
  y1 = Math.min(ny - 1, y1 + my);
  return { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1, sliceHasLung };
}

/** The whole slice as a crop (manifest crop 'full-slice'). */
export function fullSliceCrop(lungs: Uint8Array, dims: Vec3): LungCrop {
  const [nx, ny, nz] = dims;
  const sliceHasLung = new Uint8Array(nz);
  for (let k = 0; k < nz; k++) {
    const base = k * nx * ny;
    for (let p = 0; p < nx * ny; p++) {
      if (lungs[base + p] !== 0) {
        sliceHasLung[k] = 1;
        break;
      }
    }
  }
  return { x0: 0, y0: 0, width: nx, height: ny, sliceHasLung };
}

/** At most about this many slices make the preview, whatever the study's length (previewStep). */
export const PREVIEW_SLICES = 40;

/**
 * The preview's step: every 4th lung slice, or sparser when that would be more than about
 * PREVIEW_SLICES slices. The preview is a first look while the rest is inferred, so its cost should
 * not grow with the slice count (a 300-slice study: every 8th slice, 1.9 → 1.0 s on two cores).
 */
export function previewStep(lungSliceCount: number): number {
  return Math.max(4, Math.ceil(lungSliceCount / PREVIEW_SLICES));
}

/**
 * Order in which slices are inferred: every `step`-th lung slice first (the preview), then the rest.
 */
export function planSliceOrder(sliceHasLung: Uint8Array, step = 4): { preview: number[]; rest: number[] } {
  const lungSlices: number[] = [];
  for (let k = 0; k < sliceHasLung.length; k++) if (sliceHasLung[k]) lungSlices.push(k);
  const preview = lungSlices.filter((_, i) => i % step === 0);
  const rest = lungSlices.filter((_, i) => i % step !== 0);
  return { preview, rest };
}
