import type { Vec3 } from '../volume/index.ts';

export type Connectivity3d = 6 | 18 | 26;

export interface ConnectedComponents {
  /** Component id per voxel (0 = not in the mask, 1..count = component), same layout as the mask. */
  labels: Int32Array;
  /** Number of components. */
  count: number;
  /** Voxel count per component; index 0 is unused (always 0). */
  sizes: Int32Array;
  /**
   * Bounding box per component (6-connected labelling only): [x0, x1, y0, y1, z0, z1] inclusive at
   * bbox[6 * id ...], so that callers can visit one component without scanning the volume.
   */
  bbox?: Int32Array;
}

/** Neighbour offsets (di, dj, dk) for a 3-D connectivity. */
function neighbourOffsets(connectivity: Connectivity3d): Vec3[] {
  const out: Vec3[] = [];
  for (let dk = -1; dk <= 1; dk++) {
    for (let dj = -1; dj <= 1; dj++) {
      for (let di = -1; di <= 1; di++) {
        const n = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (n === 0) continue;
        if (connectivity === 6 && n > 1) continue;
        if (connectivity === 18 && n > 2) continue;
        out.push([di, dj, dk]);
      }
    }
  }
  return out;
}

/**
 * Labels the 3-D connected components of the non-zero voxels of `mask` (x fastest, then y, then z).
 *
 * Flood fill with an explicit, growable Int32Array stack: every voxel is pushed at most once, so the
 * cost is linear in the number of voxels and no recursion depth limit applies. A 512x512x300 mask
 * labels in about a second on one core.
 */
export function connectedComponents3d(
  mask: Uint8Array,
  dims: Vec3,
  connectivity: Connectivity3d = 6,
  /** When given, only voxels equal to this value are in the mask (default: every non-zero voxel). */
  foreground?: number,
): ConnectedComponents {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  if (mask.length !== n) throw new RangeError(`mask has ${mask.length} voxels, dims say ${n}`);
  if (connectivity === 6) return label6Scanline(mask, nx, ny, nz, foreground ?? -1);
  if (foreground !== undefined) {
    const binary = new Uint8Array(n);
    for (let v = 0; v < n; v++) binary[v] = mask[v] === foreground ? 1 : 0;
    mask = binary;
  }
  const labels = new Int32Array(n);
  const offsets = neighbourOffsets(connectivity);
  // Flat neighbour tables: axis steps and linear index offsets (no tuple reads in the hot loop).
  const dx = Int8Array.from(offsets.map((o) => o[0]));
  const dy = Int8Array.from(offsets.map((o) => o[1]));
  const dz = Int8Array.from(offsets.map((o) => o[2]));
  const dIndex = Int32Array.from(offsets.map((o) => o[0] + nx * (o[1] + ny * o[2])));
  const nOffsets = offsets.length;
  const sliceSize = nx * ny;
  let stack = new Int32Array(1 << 16);
  const sizesList: number[] = [0];
  let count = 0;

  const push = (w: number): void => {
    if (top === stack.length) {
      const grown = new Int32Array(stack.length * 2);
      grown.set(stack);
      stack = grown;
    }
    stack[top++] = w;
  };
  let top = 0;
  for (let seed = 0; seed < n; seed++) {
    if (mask[seed] === 0 || labels[seed] !== 0) continue;
    const id = ++count;
    let size = 0;
    top = 0;
    push(seed);
    labels[seed] = id;
    while (top > 0) {
      const v = stack[--top];
      size++;
      const k = (v / sliceSize) | 0;
      const rem = v - k * sliceSize;
      const j = (rem / nx) | 0;
      const i = rem - j * nx;
      const interior = i > 0 && j > 0 && k > 0 && i < nx - 1 && j < ny - 1 && k < nz - 1;
      for (let o = 0; o < nOffsets; o++) {
        if (!interior) {
          const ii = i + dx[o];
          const jj = j + dy[o];
          const kk = k + dz[o];
          if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
        }
        const w = v + dIndex[o];
        if (mask[w] === 0 || labels[w] !== 0) continue;
        labels[w] = id;
        push(w);
      }
    }
    sizesList.push(size);
  }
  return { labels, count, sizes: Int32Array.from(sizesList) };
}

/**
 * 6-connected labelling by scanline fill: a popped seed labels its whole run along x, then seeds
 * one voxel per run in the four neighbouring rows (y +-1, z +-1). Lungs are large convex-ish blobs,
 * so this pushes per run instead of per voxel (about 3x faster than the per-voxel fill above).
 * `fg` < 0: every non-zero voxel is in the mask; otherwise voxels equal to `fg`.
 */
function label6Scanline(mask: Uint8Array, nx: number, ny: number, nz: number, fg: number): ConnectedComponents {
  const sliceSize = nx * ny;
  const n = sliceSize * nz;
  const labels = new Int32Array(n);
  const sizesList: number[] = [0];
  let stack = new Int32Array(1 << 16);
  let top = 0;
  let count = 0;
  let boxes = new Int32Array(6 * 64);
  // The mask (bytes) is tested before the labels (4-byte ints): most voxels fail the cheap test.
  const inMask = fg < 0 ? (v: number): boolean => mask[v] !== 0 : (v: number): boolean => mask[v] === fg;
  const seedRuns = (a: number, b: number): void => {
    let inRun = false;
    for (let q = a; q <= b; q++) {
      if (inMask(q) && labels[q] === 0) {
        if (!inRun) {
          if (top === stack.length) {
            const grown = new Int32Array(stack.length * 2);
            grown.set(stack);
            stack = grown;
          }
          stack[top++] = q;
          inRun = true;
        }
      } else inRun = false;
    }
  };
  for (let seed = 0; seed < n; seed++) {
    if (!inMask(seed) || labels[seed] !== 0) continue;
    const id = ++count;
    let size = 0;
    if (boxes.length < 6 * (id + 1)) {
      const grown = new Int32Array(boxes.length * 2);
      grown.set(boxes);
      boxes = grown;
    }
    let x0 = nx;
    let x1 = -1;
    let y0 = ny;
    let y1 = -1;
    let z0 = nz;
    let z1 = -1;
    top = 0;
    stack[top++] = seed;
    while (top > 0) {
      const v = stack[--top];
      if (labels[v] !== 0) continue;
      const rowIndex = (v / nx) | 0;
      const row = rowIndex * nx;
      const k = (rowIndex / ny) | 0;
      const j = rowIndex - k * ny;
      let l = v;
      let r = v;
      while (l > row && labels[l - 1] === 0 && inMask(l - 1)) l--;
      while (r < row + nx - 1 && labels[r + 1] === 0 && inMask(r + 1)) r++;
      labels.fill(id, l, r + 1);
      size += r - l + 1;
      if (l - row < x0) x0 = l - row;
      if (r - row > x1) x1 = r - row;
      if (j < y0) y0 = j;
      if (j > y1) y1 = j;
      if (k < z0) z0 = k;
      if (k > z1) z1 = k;
      if (j > 0) seedRuns(l - nx, r - nx);
      if (j < ny - 1) seedRuns(l + nx, r + nx);
      if (k > 0) seedRuns(l - sliceSize, r - sliceSize);
      if (k < nz - 1) seedRuns(l + sliceSize, r + sliceSize);
    }
    sizesList.push(size);
    boxes.set([x0, x1, y0, y1, z0, z1], 6 * id);
  }
  return { labels, count, sizes: Int32Array.from(sizesList), bbox: boxes.slice(0, 6 * (count + 1)) };
}

/** Component ids sorted by decreasing size (ties by id). */
export function componentsBySize(cc: ConnectedComponents): number[] {
  const ids = Array.from({ length: cc.count }, (_, i) => i + 1);
  return ids.sort((a, b) => cc.sizes[b] - cc.sizes[a] || a - b);
}

/** Inclusive voxel box of the non-zero voxels of a mask: [x0, x1, y0, y1, z0, z1], or undefined when none is. */
export function nonZeroBox(mask: Uint8Array, dims: Vec3): [number, number, number, number, number, number] | undefined {
  const [nx, ny, nz] = dims;
  let x0 = nx;
  let x1 = -1;
  let y0 = ny;
  let y1 = -1;
  let z0 = nz;
  let z1 = -1;
  for (let k = 0, v = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        if (mask[v] === 0) continue;
        if (i < x0) x0 = i;
        if (i > x1) x1 = i;
        if (j < y0) y0 = j;
        if (j > y1) y1 = j;
        if (k < z0) z0 = k;
        if (k > z1) z1 = k;
      }
    }
  }
  return x1 < 0 ? undefined : [x0, x1, y0, y1, z0, z1];
}
