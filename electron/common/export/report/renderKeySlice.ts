/**
 * Renders one axial slice for the report as a reader expects to see it at a glance: the CT in the
 * lung window (W1500/L-600), cropped to the lungs (keyImageCrop) and resampled to square pixels at
 * a size that prints sharp, each infection class as a translucent fill with a solid outline in a
 * saturated colour (ground-glass yellow, consolidation red), and a thin outline of each lung.
 * Rows and columns are drawn as stored (for a standard axial series: the patient's right on the
 * image left, anterior at the top, i.e. seen from the feet).
 */
import type { Volume } from '../../volume/index.ts';
import { InfectionLabel, LungLabel } from '../../volume/index.ts';

export const LUNG_WINDOW = { widthHu: 1500, levelHu: -600 };

export const OVERLAY_COLOURS = {
  groundGlass: [255, 221, 0] as const,
  consolidation: [235, 20, 40] as const,
  rightLungOutline: [70, 150, 255] as const,
  leftLungOutline: [40, 200, 110] as const,
};

/** Opacity of the infection fill; the outline is opaque. */
export const INFECTION_FILL_ALPHA = 0.38;
/** Outline widths in output pixels (the report prints an image at about half its pixel size at 100 dpi). */
export const INFECTION_OUTLINE_PX = 3;
export const LUNG_OUTLINE_PX = 2;

export interface RenderedSlice {
  width: number;
  height: number;
  /** width * height * 3 bytes, top row first. */
  rgb: Uint8Array;
}

/** A region of the slice in voxel indices, inclusive: columns i0..i1, rows j0..j1. */
export interface SliceCrop {
  i0: number;
  i1: number;
  j0: number;
  j1: number;
}

export interface KeySliceImage extends RenderedSlice {
  crop: SliceCrop;
  /** Output pixel size in mm (square). */
  pixelMm: number;
}

/**
 * In-plane box of the lungs over every slice, widened by `marginMm` on each side and clamped to the
 * slice: one frame for all key images, so they share scale and position. The whole slice when
 * there are no lungs.
 */
export function keyImageCrop(volume: Pick<Volume, 'dims' | 'spacingMm'>, lungs: Uint8Array, marginMm = 10): SliceCrop {
  const [nx, ny, nz] = volume.dims;
  let i0 = nx;
  let i1 = -1;
  let j0 = ny;
  let j1 = -1;
  for (let k = 0; k < nz; k++) {
    const base = k * nx * ny;
    for (let j = 0; j < ny; j++) {
      const row = base + j * nx;
      for (let i = 0; i < nx; i++) {
        if (lungs[row + i] === 0) continue;
        if (i < i0) i0 = i;
        if (i > i1) i1 = i;
        if (j < j0) j0 = j;
        if (j > j1) j1 = j;
      }
    }
  }
  if (i1 < 0) return { i0: 0, i1: nx - 1, j0: 0, j1: ny - 1 };
  const mi = Math.ceil(marginMm / volume.spacingMm[0]);
  const mj = Math.ceil(marginMm / volume.spacingMm[1]);
  return { i0: Math.max(0, i0 - mi), i1: Math.min(nx - 1, i1 + mi), j0: Math.max(0, j0 - mj), j1: Math.min(ny - 1, j1 + mj) };
}

/**
 * Renders slice k inside `crop` at `targetWidthPx` output pixels across (square pixels in mm, so
 * anisotropic in-plane spacing is not distorted): CT bilinear, labels nearest-neighbour.
 */
export function renderKeySlice(
  volume: Pick<Volume, 'dims' | 'voxels' | 'spacingMm'>,
  lungs: Uint8Array,
  infection: Uint8Array,
  k: number,
  options: { crop?: SliceCrop; targetWidthPx?: number } = {},
): KeySliceImage {
  const [nx, ny, nz] = volume.dims;
  if (!Number.isInteger(k) || k < 0 || k >= nz) throw new Error(`Slice ${k} is outside the volume (0-${nz - 1})`);
  const crop = options.crop ?? { i0: 0, i1: nx - 1, j0: 0, j1: ny - 1 };
  const [si, sj] = volume.spacingMm;
  const widthMm = (crop.i1 - crop.i0 + 1) * si;
  const heightMm = (crop.j1 - crop.j0 + 1) * sj;
  const width = Math.max(1, Math.round(options.targetWidthPx ?? crop.i1 - crop.i0 + 1));
  const pixelMm = widthMm / width;
  const height = Math.max(1, Math.round(heightMm / pixelMm));
  const base = k * nx * ny;
  const voxels = volume.voxels;
  const low = LUNG_WINDOW.levelHu - LUNG_WINDOW.widthHu / 2;
  const grey = new Uint8Array(width * height);
  const lungAt = new Uint8Array(width * height);
  const infAt = new Uint8Array(width * height);
  // Source column/row of each output column/row (voxel centres at integer indices).
  const srcI = new Float64Array(width);
  const srcJ = new Float64Array(height);
  for (let u = 0; u < width; u++) srcI[u] = Math.min(nx - 1, Math.max(0, crop.i0 - 0.5 + ((u + 0.5) * pixelMm) / si));
  for (let v = 0; v < height; v++) srcJ[v] = Math.min(ny - 1, Math.max(0, crop.j0 - 0.5 + ((v + 0.5) * pixelMm) / sj));
  for (let v = 0; v < height; v++) {
    const fj = srcJ[v];
    const ja = Math.floor(fj);
    const jb = Math.min(ny - 1, ja + 1);
    const tj = fj - ja;
    const jn = Math.round(fj);
    for (let u = 0; u < width; u++) {
      const fi = srcI[u];
      const ia = Math.floor(fi);
      const ib = Math.min(nx - 1, ia + 1);
      const ti = fi - ia;
      const hu =
        (voxels[base + ia + nx * ja] * (1 - ti) + voxels[base + ib + nx * ja] * ti) * (1 - tj) +
        (voxels[base + ia + nx * jb] * (1 - ti) + voxels[base + ib + nx * jb] * ti) * tj;
      const q = u + width * v;
      grey[q] = Math.max(0, Math.min(255, Math.round(((hu - low) / LUNG_WINDOW.widthHu) * 255)));
      const p = base + Math.round(fi) + nx * jn;
      lungAt[q] = lungs[p];
      infAt[q] = infection[p];
    }
  }
  const GGO = InfectionLabel.GroundGlassOpacity;
  const CONS = InfectionLabel.Consolidation;
  const RIGHT = LungLabel.RightLung;
  const infectionEdge = edgeMask(infAt, width, height, INFECTION_OUTLINE_PX);
  const lungEdge = edgeMask(lungAt, width, height, LUNG_OUTLINE_PX);
  const rgb = new Uint8Array(width * height * 3);
  const a = INFECTION_FILL_ALPHA;
  const rightOutline = OVERLAY_COLOURS.rightLungOutline;
  const leftOutline = OVERLAY_COLOURS.leftLungOutline;
  for (let q = 0; q < width * height; q++) {
    const g = grey[q];
    const o = q * 3;
    const inf = infAt[q];
    const colour = inf === GGO ? OVERLAY_COLOURS.groundGlass : inf === CONS ? OVERLAY_COLOURS.consolidation : undefined;
    const lung = lungAt[q];
    if (colour !== undefined && infectionEdge[q]) {
      rgb[o] = colour[0];
      rgb[o + 1] = colour[1];
      rgb[o + 2] = colour[2];
    } else if (colour !== undefined) {
      rgb[o] = Math.round(g * (1 - a) + colour[0] * a);
      rgb[o + 1] = Math.round(g * (1 - a) + colour[1] * a);
      rgb[o + 2] = Math.round(g * (1 - a) + colour[2] * a);
    } else if (lung !== 0 && lungEdge[q]) {
      const c = lung === RIGHT ? rightOutline : leftOutline;
      rgb[o] = c[0];
      rgb[o + 1] = c[1];
      rgb[o + 2] = c[2];
    } else {
      rgb[o] = g;
      rgb[o + 1] = g;
      rgb[o + 2] = g;
    }
  }
  return { width, height, rgb, crop, pixelMm };
}

/**
 * 1 where a labelled pixel lies within `widthPx` pixels (4-connected steps along rows or columns)
 * of a pixel with another label or the image border: the inner band of each region's boundary.
 */
function edgeMask(labels: Uint8Array, width: number, height: number, widthPx: number): Uint8Array {
  const edge = new Uint8Array(width * height);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const q = u + width * v;
      const l = labels[q];
      if (l === 0) continue;
      for (let d = 1; d <= widthPx; d++) {
        if (
          u - d < 0 || u + d >= width || v - d < 0 || v + d >= height ||
          labels[q - d] !== l || labels[q + d] !== l || labels[q - d * width] !== l || labels[q + d * width] !== l
        ) {
          edge[q] = 1;
          break;
        }
      }
    }
  }
  return edge;
}
