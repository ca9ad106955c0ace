import type { ModelManifest } from '../models/ModelManifest.ts';

export type IntensitySpec = ModelManifest['input']['intensity'];

/**
 * HU → network input, exactly as the manifest states (ModelManifest.ts):
 *   w = clamp((hu - (windowCenterHu - windowWidthHu / 2)) / windowWidthHu, 0, 1);  x = (w - mean) / std.
 * Writes `src.length` values into `dst` from `dstOffset`.
 */
export function windowToModelInput(
  src: ArrayLike<number>,
  spec: IntensitySpec,
  dst: Float32Array,
  dstOffset = 0,
): void {
  const lo = spec.windowCenterHu - spec.windowWidthHu / 2;
  const invWidth = 1 / spec.windowWidthHu;
  const invStd = 1 / spec.std;
  for (let p = 0; p < src.length; p++) {
    let w = (src[p] - lo) * invWidth;
    if (w < 0) w = 0;
    else if (w > 1) w = 1;
    dst[dstOffset + p] = (w - spec.mean) * invStd;
  }
}

/** 8-bit windowed pixel (0-255, as in the 2-D training images) → network input. */
export function pixelsToModelInput(
  src: ArrayLike<number>,
  spec: IntensitySpec,
  dst: Float32Array,
  dstOffset = 0,
): void {
  const invStd = 1 / spec.std;
  for (let p = 0; p < src.length; p++) dst[dstOffset + p] = (src[p] / 255 - spec.mean) * invStd;
}

/**
 * Bilinear resize of a single-channel image (x fastest) with half-pixel centres and edge clamping:
 * the convention of PyTorch's `interpolate(mode='bilinear', align_corners=False)`, PIL and ONNX
 * Resize `half_pixel` (no antialiasing). Reads `sw*sh` values from `src` at `srcOffset`, writes
 * `dw*dh` values into `dst` at `dstOffset`.
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  sw: number,
  sh: number,
  dst: Float32Array,
  dw: number,
  dh: number,
  srcOffset = 0,
  dstOffset = 0,
): void {
  const scaleX = sw / dw;
  const scaleY = sh / dh;
  const x0s = new Int32Array(dw);
  const x1s = new Int32Array(dw);
  const fxs = new Float32Array(dw);
  for (let x = 0; x < dw; x++) {
    let sx = (x + 0.5) * scaleX - 0.5;
    if (sx < 0) sx = 0;
    const x0 = Math.min(Math.floor(sx), sw - 1);
    x0s[x] = x0;
    x1s[x] = Math.min(x0 + 1, sw - 1);
    fxs[x] = sx - x0;
  }
  for (let y = 0; y < dh; y++) {
    let sy = (y + 0.5) * scaleY - 0.5;
    if (sy < 0) sy = 0;
    const y0 = Math.min(Math.floor(sy), sh - 1);
    const y1 = Math.min(y0 + 1, sh - 1);
    const fy = sy - y0;
    const r0 = srcOffset + y0 * sw;
    const r1 = srcOffset + y1 * sw;
    const out = dstOffset + y * dw;
    for (let x = 0; x < dw; x++) {
      const a = src[r0 + x0s[x]];
      const b = src[r0 + x1s[x]];
      const c = src[r1 + x0s[x]];
      const d = src[r1 + x1s[x]];
      const fx = fxs[x];
      const top = a + (b - a) * fx;
      const bottom = c + (d - c) * fx;
      dst[out + x] = top + (bottom - top) * fy;
    }
  }
}
