/**
 * 2-D operations on one axial slice (x fastest, `nx * ny` pixels) used by the lung mask. Each works
 * in place on caller-owned typed arrays so that a volume is processed slice by slice without
 * allocating per slice.
 */

/** A growable Int32Array stack shared by the flood fills of one call. */
export class IndexStack {
  private data: Int32Array;
  length = 0;
  constructor(initial = 1 << 14) {
    this.data = new Int32Array(initial);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  pop(): number {
    return this.data[--this.length];
  }
}

/**
 * Sets `to` on every pixel of `slice` equal to `from` that is 4-connected to the slice border
 * through pixels equal to `from`. Returns the number of pixels changed.
 */
export function floodFromBorder2d(
  slice: Uint8Array,
  nx: number,
  ny: number,
  from: number,
  to: number,
  stack = new IndexStack(),
): number {
  let changed = 0;
  const seedBorder = (p: number): void => {
    if (slice[p] === from) {
      slice[p] = to;
      changed++;
      stack.push(p);
    }
  };
  for (let i = 0; i < nx; i++) {
    seedBorder(i);
    seedBorder(i + nx * (ny - 1));
  }
  for (let j = 0; j < ny; j++) {
    seedBorder(nx * j);
    seedBorder(nx - 1 + nx * j);
  }
  while (stack.length > 0) {
    const p = stack.pop();
    const j = (p / nx) | 0;
    const i = p - j * nx;
    if (i > 0 && slice[p - 1] === from) {
      slice[p - 1] = to;
      changed++;
      stack.push(p - 1);
    }
    if (i < nx - 1 && slice[p + 1] === from) {
      slice[p + 1] = to;
      changed++;
      stack.push(p + 1);
    }
    if (j > 0 && slice[p - nx] === from) {
      slice[p - nx] = to;
      changed++;
      stack.push(p - nx);
    }
    if (j < ny - 1 && slice[p + nx] === from) {
      slice[p + nx] = to;
      changed++;
      stack.push(p + nx);
    }
  }
  return changed;
}

/** Fills (sets to 1) the 0-pixels of a binary slice that are not 4-connected to its border. */
export function fillHoles2d(slice: Uint8Array, nx: number, ny: number, stack = new IndexStack()): void {
  floodFromBorder2d(slice, nx, ny, 0, 2, stack);
  for (let p = 0; p < slice.length; p++) slice[p] = slice[p] === 2 ? 0 : 1;
}

export interface SliceComponents {
  count: number;
  /** Pixel count per component (index 0 unused). */
  sizes: number[];
  /** Mean x (column) per component (index 0 unused). */
  meanX: number[];
  /** Mean y (row) per component (index 0 unused). */
  meanY: number[];
}

/** Labels 4-connected components of the non-zero pixels of `slice` into `labels` (0 = none). */
export function labelComponents2d(
  slice: Uint8Array,
  nx: number,
  ny: number,
  labels: Int32Array,
  stack = new IndexStack(),
): SliceComponents {
  labels.fill(0);
  const out: SliceComponents = { count: 0, sizes: [0], meanX: [0], meanY: [0] };
  for (let s = 0; s < nx * ny; s++) {
    if (slice[s] === 0 || labels[s] !== 0) continue;
    const id = ++out.count;
    let size = 0;
    let sumX = 0;
    let sumY = 0;
    labels[s] = id;
    stack.push(s);
    while (stack.length > 0) {
      const p = stack.pop();
      const j = (p / nx) | 0;
      const i = p - j * nx;
      size++;
      sumX += i;
      sumY += j;
      if (i > 0 && slice[p - 1] !== 0 && labels[p - 1] === 0) {
        labels[p - 1] = id;
        stack.push(p - 1);
      }
      if (i < nx - 1 && slice[p + 1] !== 0 && labels[p + 1] === 0) {
        labels[p + 1] = id;
        stack.push(p + 1);
      }
      if (j > 0 && slice[p - nx] !== 0 && labels[p - nx] === 0) {
        labels[p - nx] = id;
        stack.push(p - nx);
      }
      if (j < ny - 1 && slice[p + nx] !== 0 && labels[p + nx] === 0) {
        labels[p + nx] = id;
        stack.push(p + nx);
      }
    }
    out.sizes.push(size);
    out.meanX.push(sumX / size);
    out.meanY.push(sumY / size);
  }
  return out;
}

const INF = 1e20;

/**
 * Squared Euclidean distance (mm²) from every pixel to the nearest pixel where `isSite` is true,
 * on a grid with pixel spacing (sx, sy) mm. Felzenszwalb & Huttenlocher's separable lower-envelope
 * algorithm (Theory of Computing 8, 2012): linear in the pixel count.
 */
export function squaredDistance2d(
  isSite: Uint8Array,
  nx: number,
  ny: number,
  sx: number,
  sy: number,
  out: Float64Array,
): void {
  const n = Math.max(nx, ny);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const pass = (len: number, spacing: number): void => {
    // 1-D transform of f into d with sample spacing `spacing`.
    const s2 = spacing * spacing;
    let k = 0;
    v[0] = 0;
    z[0] = -INF;
    z[1] = INF;
    for (let q = 1; q < len; q++) {
      if (f[q] >= INF) continue;
      if (f[v[k]] >= INF) {
        v[k] = q;
        continue;
      }
      let s = (f[q] + s2 * q * q - (f[v[k]] + s2 * v[k] * v[k])) / (2 * s2 * (q - v[k]));
      while (s <= z[k]) {
        k--;
        s = (f[q] + s2 * q * q - (f[v[k]] + s2 * v[k] * v[k])) / (2 * s2 * (q - v[k]));
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = INF;
    }
    if (f[v[0]] >= INF && k === 0) {
      for (let q = 0; q < len; q++) d[q] = INF;
      return;
    }
    k = 0;
    for (let q = 0; q < len; q++) {
      while (z[k + 1] < q) k++;
      const dq = q - v[k];
      d[q] = s2 * dq * dq + f[v[k]];
    }
  };
  // Columns (along y) first, then rows (along x).
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) f[j] = isSite[i + nx * j] !== 0 ? 0 : INF;
    pass(ny, sy);
    for (let j = 0; j < ny; j++) out[i + nx * j] = d[j];
  }
  for (let j = 0; j < ny; j++) {
    const row = nx * j;
    for (let i = 0; i < nx; i++) f[i] = out[row + i];
    pass(nx, sx);
    for (let i = 0; i < nx; i++) out[row + i] = d[i];
  }
}

/**
 * Morphological closing of a binary slice with a disk of `radiusMm` (dilate, then erode), in place.
 * The caller leaves a margin of at least the radius around the mask so that dilation is not clipped.
 */
export function closeDisk2d(
  slice: Uint8Array,
  nx: number,
  ny: number,
  sx: number,
  sy: number,
  radiusMm: number,
  scratch: Float64Array,
  tmp: Uint8Array,
): void {
  const r2 = radiusMm * radiusMm;
  squaredDistance2d(slice, nx, ny, sx, sy, scratch);
  // tmp = complement of the dilation: the sites for the erosion distance.
  for (let p = 0; p < nx * ny; p++) tmp[p] = scratch[p] <= r2 ? 0 : 1;
  squaredDistance2d(tmp, nx, ny, sx, sy, scratch);
  for (let p = 0; p < nx * ny; p++) if (tmp[p] === 0 && scratch[p] > r2) slice[p] = 1;
}
