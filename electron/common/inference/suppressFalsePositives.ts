import { connectedComponents3d, nonZeroBox } from '../lung/connectedComponents3d.ts';
import { dilateRect2d, erodeRect2d } from '../lung/slice2d.ts';
import type { Vec3, VoxelArray } from '../volume/index.ts';

/**
 * Removes the model's infection that is not infection (README "False-positive suppression").
 *
 * The 2-D network sees one windowed slice. On a normal chest it labels the partial-volume rim of
 * the lung (diaphragm and liver dome, the mediastinal border at the hilum), vessels and their
 * partial-volume halo, and scattered specks. Each 3-D component of infection (26-connected, any
 * class) is kept only when it has a *core*: voxels that are
 * - inside the lung eroded by `rimMm` (in-plane and along z): not the lung's partial-volume rim;
 * - not on or next to a thin dense structure: a dense voxel (HU > `denseHu`) that an opening with a
 *   square of `vesselMm` removes is a vessel, airway wall or fissure, and the `haloMm` around it is
 *   its partial-volume halo;
 * and the core holds at least `minCoreMl` (and, below `largeMl`, at least `minCoreFraction` of the
 * component), the component at least `minLesionMl`, and its mean HU is at least `minMeanHu`
 * (fainter "ground glass" is dependent density or breathing motion on a normal chest). A kept
 * component is kept whole (a lesion's vessels and rim stay in it, as a radiologist outlines it).
 * The model's per-voxel confidence is left as it is: it describes the model's own label, and a
 * suppressed component with high confidence is exactly what a reviewer may want to look at.
 */
export interface SuppressionOptions {
  rimMm?: number;
  denseHu?: number;
  vesselMm?: number;
  haloMm?: number;
  minCoreMl?: number;
  minLesionMl?: number;
  /** A component below `largeMl` whose core is less than this fraction of it is vessel / rim. */
  minCoreFraction?: number;
  largeMl?: number;
  /** A component whose mean is below this is fainter than ground glass (dependent density, motion). */
  minMeanHu?: number;
}

export const SUPPRESSION_DEFAULTS: Required<SuppressionOptions> = {
  rimMm: 3,
  denseHu: -300,
  vesselMm: 6,
  haloMm: 2,
  minCoreMl: 0.1,
  minLesionMl: 0.2,
  minCoreFraction: 0.3,
  largeMl: 5,
  minMeanHu: -680,
};

export interface SuppressionResult {
  keptComponents: number;
  removedComponents: number;
  /** Removed infection in mL by reason: too small, no core (rim / vessel / halo only), too faint. */
  removedMl: { small: number; noCore: number; faint: number };
  /** Per component (largest first, at most 50): its volume, core volume and whether it was kept. */
  components: { ml: number; coreMl: number; kept: boolean }[];
}

export function suppressFalsePositives(
  infection: Uint8Array,
  lungs: Uint8Array,
  hu: VoxelArray,
  dims: Vec3,
  spacingMm: Vec3,
  options: SuppressionOptions = {},
): SuppressionResult {
  const o = { ...SUPPRESSION_DEFAULTS, ...options };
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacingMm;
  const voxelMl = (sx * sy * sz) / 1000;
  const result: SuppressionResult = {
    keptComponents: 0,
    removedComponents: 0,
    removedMl: { small: 0, noCore: 0, faint: 0 },
    components: [],
  };
  // Work in the infection's bounding box, grown by the rim so that the erosion sees the lung edge.
  const found = nonZeroBox(infection, dims);
  if (!found) return result;
  const [x0, x1, y0, y1, z0, z1] = found;
  const rx = Math.max(1, Math.round(o.rimMm / sx));
  const ry = Math.max(1, Math.round(o.rimMm / sy));
  const rz = Math.max(1, Math.round(o.rimMm / sz));
  const pad = Math.max(rx, ry) + Math.ceil(o.vesselMm / Math.min(sx, sy)) + 2;
  const bx0 = Math.max(0, x0 - pad), bx1 = Math.min(nx - 1, x1 + pad); // prettier-ignore
  const by0 = Math.max(0, y0 - pad), by1 = Math.min(ny - 1, y1 + pad); // prettier-ignore
  const bz0 = Math.max(0, z0 - rz), bz1 = Math.min(nz - 1, z1 + rz); // prettier-ignore
  const bw = bx1 - bx0 + 1;
  const bh = by1 - by0 + 1;
  const bd = bz1 - bz0 + 1;
  const plane = bw * bh;
  const boxIndex = (i: number, j: number, k: number): number => i - bx0 + bw * (j - by0 + bh * (k - bz0));
  const volIndex = (b: number): number => {
    const i = b % bw;
    const rest = (b - i) / bw;
    const j = rest % bh;
    const k = (rest - j) / bh;
    return i + bx0 + nx * (j + by0 + ny * (k + bz0));
  };

  // Lung eroded in-plane, then along z: "core" lung, away from its partial-volume rim.
  const core = new Uint8Array(plane * bd);
  const slice = new Uint8Array(plane);
  const tmp = new Uint8Array(plane);
  const out = new Uint8Array(plane);
  for (let k = bz0; k <= bz1; k++) {
    for (let j = by0; j <= by1; j++) {
      const src = bx0 + nx * (j + ny * k);
      const dst = bw * (j - by0);
      for (let i = 0; i < bw; i++) slice[dst + i] = lungs[src + i] !== 0 ? 1 : 0;
    }
    erodeRect2d(slice, bw, bh, rx, ry, tmp, out);
    core.set(out, plane * (k - bz0));
  }
  const zEroded = new Uint8Array(plane * bd);
  for (let k = 0; k < bd; k++) {
    for (let p = 0; p < plane; p++) {
      let all = 1;
      for (let dk = -rz; dk <= rz && all; dk++) {
        const kk = k + dk;
        // Beyond the box (only its padding slices look there) and beyond the volume (a series may
        // end inside the lungs) count as lung.
        if (kk < 0 || kk >= bd) continue;
        if (core[p + plane * kk] === 0) all = 0;
      }
      zEroded[p + plane * k] = all;
    }
  }

  // Thin dense structures and their halo, per slice.
  const vr = Math.max(1, Math.round(o.vesselMm / 2 / sx));
  const vry = Math.max(1, Math.round(o.vesselMm / 2 / sy));
  const hx = Math.max(1, Math.round(o.haloMm / sx));
  const hy = Math.max(1, Math.round(o.haloMm / sy));
  const vesselZone = new Uint8Array(plane * bd);
  const opened = new Uint8Array(plane);
  for (let k = bz0; k <= bz1; k++) {
    for (let j = by0; j <= by1; j++) {
      const src = bx0 + nx * (j + ny * k);
      const dst = bw * (j - by0);
      for (let i = 0; i < bw; i++) slice[dst + i] = lungs[src + i] !== 0 && hu[src + i] > o.denseHu ? 1 : 0;
    }
    erodeRect2d(slice, bw, bh, vr, vry, tmp, out);
    dilateRect2d(out, bw, bh, vr, vry, tmp, opened);
    for (let p = 0; p < plane; p++) out[p] = slice[p] === 1 && opened[p] === 0 ? 1 : 0;
    dilateRect2d(out, bw, bh, hx, hy, tmp, opened);
    vesselZone.set(opened, plane * (k - bz0));
  }

  // Components of infection in the box.
  const mask = new Uint8Array(plane * bd);
  for (let k = z0; k <= z1; k++) {
    for (let j = y0; j <= y1; j++) {
      for (let i = x0; i <= x1; i++) {
        if (infection[i + nx * (j + ny * k)] !== 0) mask[boxIndex(i, j, k)] = 1;
      }
    }
  }
  const cc = connectedComponents3d(mask, [bw, bh, bd], 26);
  const coreCount = new Int32Array(cc.count + 1);
  const huSum = new Float64Array(cc.count + 1);
  for (let b = 0; b < mask.length; b++) {
    const id = cc.labels[b];
    if (id === 0) continue;
    if (zEroded[b] === 1 && vesselZone[b] === 0) coreCount[id]++;
    huSum[id] += hu[volIndex(b)];
  }
  const minCore = o.minCoreMl / voxelMl;
  const minLesion = o.minLesionMl / voxelMl;
  const drop = new Uint8Array(cc.count + 1);
  for (let id = 1; id <= cc.count; id++) {
    if (cc.sizes[id] < minLesion) {
      drop[id] = 1;
      result.removedMl.small += cc.sizes[id] * voxelMl;
    } else if (
      coreCount[id] < minCore ||
      (cc.sizes[id] * voxelMl < o.largeMl && coreCount[id] < o.minCoreFraction * cc.sizes[id])
    ) {
      drop[id] = 1;
      result.removedMl.noCore += cc.sizes[id] * voxelMl;
    } else if (huSum[id] / cc.sizes[id] < o.minMeanHu) {
      drop[id] = 1;
      result.removedMl.faint += cc.sizes[id] * voxelMl;
    }
    if (drop[id]) result.removedComponents++;
    else result.keptComponents++;
    result.components.push({ ml: cc.sizes[id] * voxelMl, coreMl: coreCount[id] * voxelMl, kept: drop[id] === 0 });
  }
  result.components.sort((a, b) => b.ml - a.ml);
  result.components.length = Math.min(result.components.length, 50);
  for (let b = 0; b < mask.length; b++) {
    const id = cc.labels[b];
    if (id === 0 || drop[id] === 0) continue;
    infection[volIndex(b)] = 0;
  }
  return result;
}
