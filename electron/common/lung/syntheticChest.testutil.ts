import { IDENTITY_DIRECTION, type Volume } from '../volume/index.ts';

export interface SyntheticChest {
  volume: Volume<Int16Array>;
  /** Truth lungs (0/1 right/2 left), vessels and lesions included. */
  truth: Uint8Array;
}

/**
 * A small chest built in code for unit tests: elliptic body, two ellipsoid lungs (-850 HU) with
 * vessels, a trachea that splits into main bronchi entering each lung, and one peripheral lesion.
 * `gapMm` is the mediastinum width between the lungs (0 makes them touch).
 */
export function syntheticChest(
  opts: { nx?: number; nz?: number; spacingMm?: number; gapMm?: number; trachea?: boolean } = {},
): SyntheticChest {
  const nx = opts.nx ?? 96;
  const ny = nx;
  const nz = opts.nz ?? 40;
  const s = opts.spacingMm ?? 350 / nx;
  const sz = 5;
  const gap = opts.gapMm ?? 40;
  const n = nx * ny * nz;
  const hu = new Int16Array(n).fill(-1000);
  const truth = new Uint8Array(n);
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  const lungTop = nz - 6; // superior = high k (direction[8] = +1)
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = i + nx * (j + ny * k);
        const xmm = (i - cx) * s;
        const ymm = (j - cy) * s;
        const zmm = k * sz;
        if ((xmm / 160) ** 2 + (ymm / 110) ** 2 <= 1) hu[v] = 40;
        else continue;
        for (const side of [-1, 1]) {
          const lx = side * (gap / 2 + 55);
          const lz = (lungTop * sz) / 2 + 5;
          const r = ((xmm - lx) / 55) ** 2 + ((ymm + 5) / 75) ** 2 + ((zmm - lz) / (lz - 5)) ** 2;
          if (r <= 1 && k >= 1 && k <= lungTop) {
            hu[v] = -850;
            truth[v] = side < 0 ? 1 : 2; // LPS: low x = patient right
            // vessels: a few tubes along z
            if ((xmm - lx) ** 2 + (ymm + 5) ** 2 < 16 || (xmm - lx - 20) ** 2 + (ymm - 25) ** 2 < 9)
              hu[v] = 30;
          }
        }
      }
    }
  }
  if (opts.trachea ?? true) {
    // Trachea from the top down to the carina, then a bronchus to each lung.
    for (let k = nz - 1; k >= 0; k--) {
      const zmm = k * sz;
      const carina = (lungTop - 12) * sz;
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const v = i + nx * (j + ny * k);
          const xmm = (i - cx) * s;
          const ymm = (j - cy) * s;
          if (zmm >= carina && xmm ** 2 + (ymm + 20) ** 2 <= 81) hu[v] = -1000;
          if (zmm < carina && zmm >= carina - 25) {
            const t = (carina - zmm) / 25; // 0 at the carina, 1 where the bronchi reach the lungs
            for (const side of [-1, 1]) {
              const bx = side * t * (gap / 2 + 40);
              if ((xmm - bx) ** 2 + (ymm + 20) ** 2 <= 25) {
                if (truth[v] === 0) hu[v] = -1000;
              }
            }
          }
        }
      }
    }
  }
  // A peripheral consolidation in the right lung (inside the truth lung).
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = i + nx * (j + ny * k);
        const xmm = (i - cx) * s;
        const ymm = (j - cy) * s;
        const zmm = k * sz;
        if (truth[v] === 1 && (xmm + gap / 2 + 100) ** 2 + (ymm + 5) ** 2 + (zmm - 90) ** 2 <= 144)
          hu[v] = 20;
      }
    }
  }
  const volume: Volume<Int16Array> = {
    dims: [nx, ny, nz],
    spacingMm: [s, s, sz],
    originMm: [-cx * s, -cy * s, 0],
    direction: [...IDENTITY_DIRECTION],
    voxels: hu,
    meta: { modality: 'CT' },
  };
  return { volume, truth };
}

export function diceForLabel(a: Uint8Array, b: Uint8Array, label: number): number {
  let inter = 0;
  let sa = 0;
  let sb = 0;
  for (let v = 0; v < a.length; v++) {
    const x = a[v] === label;
    const y = b[v] === label;
    if (x) sa++;
    if (y) sb++;
    if (x && y) inter++;
  }
  return sa + sb === 0 ? 1 : (2 * inter) / (sa + sb);
}
