import type { StrokeRecorder } from './StrokeRecorder.ts';

export type SlicePlane = 'axial' | 'coronal' | 'sagittal';

export interface DiscDab {
  plane: SlicePlane;
  /** Voxel index (i, j, k) of the dab's centre; the coordinate across the plane picks the slice. */
  center: [number, number, number];
  radiusMm: number;
  /** Label written by the brush; the eraser writes 0. */
  value: number;
  /** Eraser that only clears this label (undefined: clears any label). */
  eraseOnly?: number;
  /** Labels that must not be overwritten (per-label lock). */
  locked?: ReadonlySet<number>;
  /**
   * HU-threshold brush: only voxels whose CT value lies in [minHu, maxHu] are painted or erased;
   * the rest of the disc is left as it was. `hu` is the CT volume on the same grid.
   */
  huWindow?: HuWindow;
}

export interface HuWindow {
  hu: ArrayLike<number>;
  minHu: number;
  maxHu: number;
}

/** In-plane axes (u, v) and the through-plane axis of each slice plane, as voxel axis numbers. */
const AXES: Record<SlicePlane, [number, number, number]> = {
  axial: [0, 1, 2],
  coronal: [0, 2, 1],
  sagittal: [1, 2, 0],
};

/**
 * Paints (or erases, with value 0) a filled circle of `radiusMm` in one slice: the circle is round
 * in millimetres, so on anisotropic pixels it spans a different number of voxels along each axis.
 * With `huWindow`, only voxels in that HU range are touched (the HU-threshold brush).
 * Returns the number of voxels inside the disc (whether or not they changed).
 */
export function paintDisc(rec: StrokeRecorder, labels: Uint8Array, dims: readonly [number, number, number], spacingMm: readonly [number, number, number], dab: DiscDab): number {
  if (!(dab.radiusMm > 0) || !Number.isFinite(dab.radiusMm)) return 0;
  const [ua, va, wa] = AXES[dab.plane];
  const w = Math.round(dab.center[wa]);
  if (w < 0 || w >= dims[wa]) return 0;
  const cu = dab.center[ua];
  const cv = dab.center[va];
  const su = spacingMm[ua];
  const sv = spacingMm[va];
  const ru = Math.floor(dab.radiusMm / su);
  const rv = Math.floor(dab.radiusMm / sv);
  const r2 = dab.radiusMm * dab.radiusMm;
  const stride = [1, dims[0], dims[0] * dims[1]];
  const hw = dab.huWindow;
  if (hw && hw.hu.length !== labels.length) throw new RangeError(`HU volume has ${hw.hu.length} voxels, the labelmap ${labels.length}`);
  let inside = 0;
  const u0 = Math.max(0, Math.ceil(cu - ru - 1));
  const u1 = Math.min(dims[ua] - 1, Math.floor(cu + ru + 1));
  const v0 = Math.max(0, Math.ceil(cv - rv - 1));
  const v1 = Math.min(dims[va] - 1, Math.floor(cv + rv + 1));
  for (let v = v0; v <= v1; v++) {
    const dv = (v - cv) * sv;
    for (let u = u0; u <= u1; u++) {
      const du = (u - cu) * su;
      if (du * du + dv * dv > r2) continue;
      inside++;
      const index = u * stride[ua] + v * stride[va] + w * stride[wa];
      const current = labels[index];
      if (dab.locked?.has(current)) continue;
      if (hw && !(hw.hu[index] >= hw.minHu && hw.hu[index] <= hw.maxHu)) continue;
      if (dab.value === 0 && dab.eraseOnly !== undefined && current !== dab.eraseOnly) continue;
      rec.set(index, dab.value);
    }
  }
  return inside;
}
