import { IndexStack, fillHoles2d, labelComponents2d } from '../lung/slice2d.ts';

export interface HoleFill {
  /** Voxels to fill, ascending, and the label each one gets. */
  indices: Uint32Array;
  values: Uint8Array;
  /** Number of holes (4-connected regions within one axial slice) filled. */
  holes: number;
}

/**
 * Finds the holes of a labelmap, slice by axial slice: unlabelled pixels that are not 4-connected
 * to the slice border through unlabelled pixels, i.e. enclosed by labelled voxels (a vessel or an
 * aerated pocket inside a lesion, the centre of a reversed-halo sign). Each hole takes the label
 * most common on its rim (ties: the lower label), so a hole in consolidation becomes consolidation.
 *
 * Per slice rather than in 3-D because a lesion's cavity is usually open to the next slice through
 * a single voxel gap, which would make a 3-D hole fill miss it; this is also what annotators expect
 * from "fill holes" on axial CT.
 */
export function findHoles(labels: Uint8Array, dims: readonly [number, number, number]): HoleFill {
  const [nx, ny, nz] = dims;
  const sliceSize = nx * ny;
  if (labels.length !== sliceSize * nz) throw new RangeError(`labelmap has ${labels.length} voxels, dims say ${sliceSize * nz}`);
  const binary = new Uint8Array(sliceSize);
  const holeMask = new Uint8Array(sliceSize);
  const holeIds = new Int32Array(sliceSize);
  const stack = new IndexStack();
  const outIdx: number[] = [];
  const outVal: number[] = [];
  let holes = 0;
  for (let z = 0; z < nz; z++) {
    const base = z * sliceSize;
    let any = false;
    for (let p = 0; p < sliceSize; p++) {
      const on = labels[base + p] !== 0 ? 1 : 0;
      binary[p] = on;
      if (on) any = true;
    }
    if (!any) continue;
    fillHoles2d(binary, nx, ny, stack);
    let anyHole = false;
    for (let p = 0; p < sliceSize; p++) {
      const h = binary[p] === 1 && labels[base + p] === 0 ? 1 : 0;
      holeMask[p] = h;
      if (h) anyHole = true;
    }
    if (!anyHole) continue;
    const comps = labelComponents2d(holeMask, nx, ny, holeIds, stack);
    // Rim votes: for each hole, how often each label borders it (4-neighbours).
    const votes = new Int32Array((comps.count + 1) * 256);
    for (let p = 0; p < sliceSize; p++) {
      const id = holeIds[p];
      if (id === 0) continue;
      const j = (p / nx) | 0;
      const i = p - j * nx;
      if (i > 0) votes[id * 256 + labels[base + p - 1]]++;
      if (i < nx - 1) votes[id * 256 + labels[base + p + 1]]++;
      if (j > 0) votes[id * 256 + labels[base + p - nx]]++;
      if (j < ny - 1) votes[id * 256 + labels[base + p + nx]]++;
    }
    const fillWith = new Uint8Array(comps.count + 1);
    for (let id = 1; id <= comps.count; id++) {
      let best = 1;
      for (let l = 2; l < 256; l++) if (votes[id * 256 + l] > votes[id * 256 + best]) best = l;
      fillWith[id] = best;
    }
    for (let p = 0; p < sliceSize; p++) {
      const id = holeIds[p];
      if (id === 0) continue;
      outIdx.push(base + p);
      outVal.push(fillWith[id]);
    }
    holes += comps.count;
  }
  return { indices: Uint32Array.from(outIdx), values: Uint8Array.from(outVal), holes };
}
