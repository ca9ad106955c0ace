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
 *
 * Scanline fill: each popped seed fills its whole horizontal run, then pushes one seed per run in
 * the rows above and below. The air around a patient is half of every slice; a stack push per pixel
 * made this the slowest step of the lung mask.
 */
export function floodFromBorder2d(
  slice: Uint8Array,
  nx: number,
  ny: number,
  from: number,
  to: number,
  stack = new IndexStack(),
  /** When given, the sum of the x (column) of every changed pixel is added to `sumX`. */
  stats?: { sumX: number },
): number {
  if (from === to) return 0;
  let sumX = 0;
  let changed = 0;
  for (let i = 0; i < nx; i++) {
    if (slice[i] === from) stack.push(i);
    if (slice[i + nx * (ny - 1)] === from) stack.push(i + nx * (ny - 1));
  }
  for (let j = 1; j < ny - 1; j++) {
    if (slice[nx * j] === from) stack.push(nx * j);
    if (slice[nx - 1 + nx * j] === from) stack.push(nx - 1 + nx * j);
  }
  while (stack.length > 0) {
    const p = stack.pop();
    if (slice[p] !== from) continue;
    const j = (p / nx) | 0;
    const row = j * nx;
    let l = p - row;
    let r = l;
    while (l > 0 && slice[row + l - 1] === from) l--;
    while (r < nx - 1 && slice[row + r + 1] === from) r++;
    slice.fill(to, row + l, row + r + 1);
    changed += r - l + 1;
    sumX += ((l + r) * (r - l + 1)) / 2;
    if (j > 0) seedRuns(slice, row - nx + l, row - nx + r, from, stack);
    if (j < ny - 1) seedRuns(slice, row + nx + l, row + nx + r, from, stack);
  }
  if (stats) stats.sumX += sumX;
  return changed;
}

/** Pushes the first pixel of each run of `from` in slice[a..b] (one row). */
function seedRuns(slice: Uint8Array, a: number, b: number, from: number, stack: IndexStack): void {
  let inRun = false;
  for (let q = a; q <= b; q++) {
    if (slice[q] === from) {
      if (!inRun) {
        stack.push(q);
        inRun = true;
      }
    } else inRun = false;
  }
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

/**
 * Morphological closing of a binary slice with a (2rx+1) x (2ry+1) rectangle, in place: dilation,
 * then erosion, each separable and computed with running counts, so the cost is linear in the
 * pixel count whatever the radius. `tmp` and `tmp2` are scratch slices of the same size. The caller
 * leaves a margin of at least the radius around the mask so that the dilation is not clipped.
 */
export function closeRect2d(
  slice: Uint8Array,
  nx: number,
  ny: number,
  rx: number,
  ry: number,
  tmp: Uint8Array,
  tmp2: Uint8Array,
): void {
  dilateRect2d(slice, nx, ny, rx, ry, tmp, tmp2);
  // erode the dilation: a pixel stays when its whole window is set
  erodeRect2d(tmp2, nx, ny, rx, ry, tmp, tmp2);
  // Closing is extensive (it contains the input), so the result is tmp2 itself.
  slice.set(tmp2.subarray(0, nx * ny));
}

/**
 * Dilation of a binary slice with a (2rx+1) x (2ry+1) rectangle into `out` (separable running
 * counts: linear in the pixel count whatever the radius). `tmp` is a scratch slice of the same size.
 */
export function dilateRect2d(
  slice: Uint8Array,
  nx: number,
  ny: number,
  rx: number,
  ry: number,
  tmp: Uint8Array,
  out: Uint8Array,
): void {
  boxPass(slice, tmp, nx, ny, rx, true, 'any');
  boxPass(tmp, out, nx, ny, ry, false, 'any');
}

/** Erosion of a binary slice with a (2rx+1) x (2ry+1) rectangle into `out` (outside the slice counts as unset). */
export function erodeRect2d(
  slice: Uint8Array,
  nx: number,
  ny: number,
  rx: number,
  ry: number,
  tmp: Uint8Array,
  out: Uint8Array,
): void {
  boxPass(slice, tmp, nx, ny, rx, true, 'all');
  boxPass(tmp, out, nx, ny, ry, false, 'all');
}

/** One 1-D pass of a box filter: out = any/all of src within ±r along rows (x) or columns (y). */
function boxPass(
  src: Uint8Array,
  out: Uint8Array,
  nx: number,
  ny: number,
  r: number,
  alongX: boolean,
  mode: 'any' | 'all',
): void {
  const lines = alongX ? ny : nx;
  const len = alongX ? nx : ny;
  const step = alongX ? 1 : nx;
  // 'any': at least one set pixel in the window; 'all': the whole window (a number, not a string
  // compare per pixel in the hot loop).
  const need = mode === 'any' ? 1 : 2 * r + 1;
  for (let line = 0; line < lines; line++) {
    const base = alongX ? line * nx : line;
    let count = 0;
    // window [q - r, q + r], clipped to the line; outside the line counts as unset
    for (let q = 0; q < Math.min(r, len); q++) count += src[base + q * step];
    for (let q = 0; q < len; q++) {
      const enter = q + r;
      if (enter < len) count += src[base + enter * step];
      const leave = q - r - 1;
      if (leave >= 0) count -= src[base + leave * step];
      out[base + q * step] = count >= need ? 1 : 0;
    }
  }
}
