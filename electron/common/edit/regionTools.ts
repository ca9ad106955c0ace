/**
 * Click tools of the correction toolbox (issue 15 point 5), as annotators know them from Slicer's
 * Segment Editor and ITK-SNAP: delete a whole 3-D lesion, grow a region from a click within an HU
 * range, and merge a proposal (the model's, or a grow's) into the labelmap inside a box. Pure
 * functions on typed arrays; each returns the voxels an edit changes, which the engine applies as
 * one undo step.
 */

export type Dims = readonly [number, number, number];
export type Spacing = readonly [number, number, number];
export type Voxel = readonly [number, number, number];

/** A box of voxels, inclusive on both ends in i, j and k. */
export interface VoxelBox {
  from: Voxel;
  to: Voxel;
}

/** Linear index of voxel (i, j, k), or -1 when it lies outside `dims`. */
export function voxelIndex(dims: Dims, [i, j, k]: Voxel): number {
  if (!(i >= 0 && j >= 0 && k >= 0 && i < dims[0] && j < dims[1] && k < dims[2])) return -1;
  if (!Number.isInteger(i) || !Number.isInteger(j) || !Number.isInteger(k)) return -1;
  return i + dims[0] * (j + dims[1] * k);
}

/** The box with its corners ordered and clipped to the volume; undefined when nothing of it is inside. */
export function clipBox(dims: Dims, box: VoxelBox): VoxelBox | undefined {
  const from = [0, 0, 0] as [number, number, number];
  const to = [0, 0, 0] as [number, number, number];
  for (let a = 0; a < 3; a++) {
    const lo = Math.max(0, Math.min(box.from[a], box.to[a]));
    const hi = Math.min(dims[a] - 1, Math.max(box.from[a], box.to[a]));
    if (lo > hi) return undefined;
    from[a] = lo;
    to[a] = hi;
  }
  return { from, to };
}

function inBox(box: VoxelBox, i: number, j: number, k: number): boolean {
  return i >= box.from[0] && i <= box.to[0] && j >= box.from[1] && j <= box.to[1] && k >= box.from[2] && k <= box.to[2];
}

/** A visited-set of voxel indices: one bit per voxel (a 512×512×300 volume: 10 MB). */
class VoxelBits {
  private readonly bits: Uint32Array;
  constructor(n: number) {
    this.bits = new Uint32Array((n >>> 5) + 1);
  }
  /** Marks v; returns false when it was marked already. */
  mark(v: number): boolean {
    const w = v >>> 5;
    const b = 1 << (v & 31);
    if (this.bits[w] & b) return false;
    this.bits[w] |= b;
    return true;
  }
}

/** A growable queue of voxel indices (breadth-first order: the region grows outward from the seed). */
class IndexQueue {
  private data = new Uint32Array(4096);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  at(n: number): number {
    return this.data[n];
  }
  /** The indices pushed, ascending (a copy). */
  sorted(): Uint32Array {
    return this.data.slice(0, this.length).sort();
  }
}

/** Neighbour offsets (di, dj, dk) of 6- or 26-connectivity. */
function offsets(connectivity: 6 | 26): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const n = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (n === 0 || (connectivity === 6 && n > 1)) continue;
        out.push([di, dj, dk]);
      }
  return out;
}

/**
 * Breadth-first flood fill from `seed` over voxels for which `accept(v, i, j, k)` holds, with the
 * given connectivity; stops adding voxels once `maxVoxels` are in. The seed must be accepted by the
 * caller beforehand.
 */
function floodFill(dims: Dims, seed: number, connectivity: 6 | 26, accept: (v: number, i: number, j: number, k: number) => boolean, maxVoxels = Infinity): { queue: IndexQueue; capped: boolean } {
  const [nx, ny, nz] = dims;
  const sliceSize = nx * ny;
  const seen = new VoxelBits(nx * ny * nz);
  const queue = new IndexQueue();
  const nbrs = offsets(connectivity);
  seen.mark(seed);
  queue.push(seed);
  let capped = false;
  for (let head = 0; head < queue.length; head++) {
    const v = queue.at(head);
    const k = Math.floor(v / sliceSize);
    const r = v - k * sliceSize;
    const j = Math.floor(r / nx);
    const i = r - j * nx;
    for (const [di, dj, dk] of nbrs) {
      const ii = i + di;
      const jj = j + dj;
      const kk = k + dk;
      if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
      const w = ii + nx * jj + sliceSize * kk;
      if (!seen.mark(w) || !accept(w, ii, jj, kk)) continue;
      if (queue.length >= maxVoxels) {
        capped = true;
        break;
      }
      queue.push(w);
    }
    if (capped) break;
  }
  return { queue, capped };
}

export interface LesionAt {
  /** Voxels of the lesion (all become 0), ascending; empty when the seed voxel is background. */
  indices: Uint32Array;
  /** Voxels of each label removed: [0, ground-glass, consolidation]. */
  voxelsByLabel: [number, number, number];
  /** First and last axial slice (k) the lesion spans; undefined when empty. */
  slices?: [number, number];
}

/**
 * The 3-D lesion under a click: the 26-connected component of non-zero voxels (any label, so a
 * lesion that is part ground-glass, part consolidation goes as one, as removeIslands counts it)
 * that holds `seed`. Visits only that component, not the whole volume.
 */
export function lesionAt(labels: Uint8Array, dims: Dims, seed: Voxel): LesionAt {
  const s = voxelIndex(dims, seed);
  if (s < 0) throw new RangeError(`voxel (${seed.join(', ')}) lies outside the volume ${dims.join('×')}`);
  const voxelsByLabel: [number, number, number] = [0, 0, 0];
  if (labels[s] === 0) return { indices: new Uint32Array(0), voxelsByLabel };
  const { queue } = floodFill(dims, s, 26, (v) => labels[v] !== 0);
  const indices = queue.sorted();
  for (let n = 0; n < indices.length; n++) voxelsByLabel[labels[indices[n]] === 2 ? 2 : 1]++;
  const sliceSize = dims[0] * dims[1];
  return { indices, voxelsByLabel, slices: [Math.floor(indices[0] / sliceSize), Math.floor(indices[indices.length - 1] / sliceSize)] };
}

export interface GrowOptions {
  /** CT values on the labelmap's grid (HU). */
  hu: ArrayLike<number>;
  dims: Dims;
  spacingMm: Spacing;
  seed: Voxel;
  /** The HU range a voxel must lie in (inclusive). */
  minHu: number;
  maxHu: number;
  /** Bound: voxels farther than this from the seed's centre (mm) are left out. */
  radiusMm?: number;
  /** Bound: voxels outside this box are left out. */
  box?: VoxelBox;
  /** Only voxels where this mask is non-zero (the lung mask). */
  within?: Uint8Array;
  /** The region stops growing at this many voxels (breadth-first: the part nearest the seed). */
  maxVoxels: number;
}

export interface GrowResult {
  /** Voxels of the grown region, ascending; empty when the seed itself is refused (see `refused`). */
  region: Uint32Array;
  /** The region reached maxVoxels before it stopped growing. */
  capped: boolean;
  seedHu: number;
  /** Why nothing grew: the seed's HU is outside the range, or the seed is outside `within`. */
  refused?: 'seed-outside-range' | 'seed-outside-mask';
}

/**
 * Region growing from a click (3-D, 6-connected: a thin wall of other tissue stops it, where
 * 26-connectivity would leak through diagonals): the voxels connected to the seed whose HU lies in
 * [minHu, maxHu], bounded by a sphere of radiusMm around the seed, an optional box, an optional
 * mask and a voxel cap.
 */
export function growRegion(o: GrowOptions): GrowResult {
  const { hu, dims, spacingMm, minHu, maxHu } = o;
  if (!(minHu <= maxHu)) throw new RangeError(`HU range [${minHu}, ${maxHu}] is empty`);
  if (!(o.maxVoxels >= 1)) throw new RangeError(`voxel cap must be at least 1, got ${o.maxVoxels}`);
  const s = voxelIndex(dims, o.seed);
  if (s < 0) throw new RangeError(`voxel (${o.seed.join(', ')}) lies outside the volume ${dims.join('×')}`);
  const seedHu = hu[s];
  const empty = { region: new Uint32Array(0), capped: false, seedHu };
  if (o.within && o.within[s] === 0) return { ...empty, refused: 'seed-outside-mask' };
  if (!(seedHu >= minHu && seedHu <= maxHu)) return { ...empty, refused: 'seed-outside-range' };
  if (o.box && !inBox(o.box, o.seed[0], o.seed[1], o.seed[2])) return { ...empty, refused: 'seed-outside-mask' };
  const r2 = o.radiusMm === undefined ? Infinity : o.radiusMm * o.radiusMm;
  const [sx, sy, sz] = spacingMm;
  const [ci, cj, ck] = o.seed;
  const within = o.within;
  const box = o.box;
  const { queue, capped } = floodFill(
    dims,
    s,
    6,
    (v, i, j, k) => {
      const h = hu[v];
      if (!(h >= minHu && h <= maxHu)) return false;
      if (within && within[v] === 0) return false;
      if (box && !inBox(box, i, j, k)) return false;
      const dx = (i - ci) * sx;
      const dy = (j - cj) * sy;
      const dz = (k - ck) * sz;
      return dx * dx + dy * dy + dz * dz <= r2;
    },
    o.maxVoxels,
  );
  return { region: queue.sorted(), capped, seedHu };
}

/**
 * The voxel nearest to `centre` (in mm) inside `box` whose HU lies in [minHu, maxHu] (and where
 * `within` is non-zero, when given): a seed for an HU-guided grow when the box's centre itself is
 * not lesion. Undefined when the box holds no such voxel.
 */
export function nearestVoxelInRange(hu: ArrayLike<number>, dims: Dims, spacingMm: Spacing, box: VoxelBox, centre: Voxel, minHu: number, maxHu: number, within?: Uint8Array): Voxel | undefined {
  let best: Voxel | undefined;
  let bestD = Infinity;
  const [nx, ny] = dims;
  for (let k = box.from[2]; k <= box.to[2]; k++) {
    const dz = (k - centre[2]) * spacingMm[2];
    for (let j = box.from[1]; j <= box.to[1]; j++) {
      const dy = (j - centre[1]) * spacingMm[1];
      for (let i = box.from[0]; i <= box.to[0]; i++) {
        const v = i + nx * (j + ny * k);
        const h = hu[v];
        if (!(h >= minHu && h <= maxHu) || (within && within[v] === 0)) continue;
        const dx = (i - centre[0]) * spacingMm[0];
        const d = dx * dx + dy * dy + dz * dz;
        if (d < bestD) {
          bestD = d;
          best = [i, j, k];
        }
      }
    }
  }
  return best;
}

/** A sparse change: the voxels at `indices` (ascending) take `values`. */
export interface RegionEdit {
  indices: Uint32Array;
  values: Uint8Array;
}

/** Labels `region` with `label`: the voxels whose label differs, and their new value. */
export function labelRegion(labels: Uint8Array | null, region: Uint32Array, label: number): RegionEdit {
  let n = 0;
  for (let m = 0; m < region.length; m++) if (!labels || labels[region[m]] !== label) n++;
  const indices = new Uint32Array(n);
  let o = 0;
  for (let m = 0; m < region.length; m++) if (!labels || labels[region[m]] !== label) indices[o++] = region[m];
  return { indices, values: new Uint8Array(n).fill(label) };
}

/**
 * Merges a proposal (labels over the slices box.from[2]..box.to[2]: `proposal` holds those slices
 * only, slice box.from[2] first) into `labels` inside the box: voxels that are background now and
 * labelled in the proposal take the proposal's label. Voxels already labelled keep their label, and
 * nothing outside the box changes, so the merge only adds what was missed.
 */
export function mergeInBox(labels: Uint8Array | null, proposal: Uint8Array, dims: Dims, box: VoxelBox): RegionEdit {
  const [nx, ny] = dims;
  const sliceSize = nx * ny;
  const k0 = box.from[2];
  if (proposal.length < sliceSize * (box.to[2] - k0 + 1)) throw new RangeError('the proposal does not cover the box’s slices');
  const idx: number[] = [];
  const val: number[] = [];
  for (let k = k0; k <= box.to[2]; k++) {
    for (let j = box.from[1]; j <= box.to[1]; j++) {
      const row = nx * (j + ny * k);
      const prow = nx * j + sliceSize * (k - k0);
      for (let i = box.from[0]; i <= box.to[0]; i++) {
        const p = proposal[prow + i];
        if (p === 0 || (labels && labels[row + i] !== 0)) continue;
        idx.push(row + i);
        val.push(p);
      }
    }
  }
  return { indices: Uint32Array.from(idx), values: Uint8Array.from(val) };
}
