/**
 * Renders one axial slice for the report: CT in the lung window (W1500/L-600) as greyscale, the
 * infection labels as translucent colour, and the outline of each lung. Rows and columns are
 * drawn as stored (the usual axial display: patient's right on the image left for a standard
 * supine series).
 */
import type { Volume } from '../../volume/index.ts';
import { InfectionLabel, LungLabel } from '../../volume/index.ts';

export const LUNG_WINDOW = { widthHu: 1500, levelHu: -600 };

export const OVERLAY_COLOURS = {
  groundGlass: [255, 215, 0] as const,
  consolidation: [230, 40, 40] as const,
  rightLungOutline: [80, 160, 255] as const,
  leftLungOutline: [60, 200, 120] as const,
};
const OVERLAY_ALPHA = 0.5;

export interface RenderedSlice {
  width: number;
  height: number;
  /** width * height * 3 bytes, top row first. */
  rgb: Uint8Array;
}

export function renderKeySlice(volume: Pick<Volume, 'dims' | 'voxels'>, lungs: Uint8Array, infection: Uint8Array, k: number): RenderedSlice {
  const [nx, ny, nz] = volume.dims;
  if (!Number.isInteger(k) || k < 0 || k >= nz) throw new Error(`Slice ${k} is outside the volume (0-${nz - 1})`);
  const base = k * nx * ny;
  const low = LUNG_WINDOW.levelHu - LUNG_WINDOW.widthHu / 2;
  const rgb = new Uint8Array(nx * ny * 3);
  const lungAt = (i: number, j: number) => (i < 0 || j < 0 || i >= nx || j >= ny ? 0 : lungs[base + i + nx * j]);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const q = i + nx * j;
      const p = base + q;
      const hu = volume.voxels[p];
      const g = Math.max(0, Math.min(255, Math.round(((hu - low) / LUNG_WINDOW.widthHu) * 255)));
      let r = g;
      let gg = g;
      let b = g;
      const inf = infection[p];
      const colour = inf === InfectionLabel.GroundGlassOpacity ? OVERLAY_COLOURS.groundGlass : inf === InfectionLabel.Consolidation ? OVERLAY_COLOURS.consolidation : undefined;
      if (colour) {
        r = Math.round(r * (1 - OVERLAY_ALPHA) + colour[0] * OVERLAY_ALPHA);
        gg = Math.round(gg * (1 - OVERLAY_ALPHA) + colour[1] * OVERLAY_ALPHA);
        b = Math.round(b * (1 - OVERLAY_ALPHA) + colour[2] * OVERLAY_ALPHA);
      }
      const lung = lungs[p];
      if (lung !== 0 && (lungAt(i - 1, j) !== lung || lungAt(i + 1, j) !== lung || lungAt(i, j - 1) !== lung || lungAt(i, j + 1) !== lung)) {
        const o = lung === LungLabel.RightLung ? OVERLAY_COLOURS.rightLungOutline : OVERLAY_COLOURS.leftLungOutline;
        [r, gg, b] = o;
      }
      rgb[q * 3] = r;
      rgb[q * 3 + 1] = gg;
      rgb[q * 3 + 2] = b;
    }
  }
  return { width: nx, height: ny, rgb };
}
