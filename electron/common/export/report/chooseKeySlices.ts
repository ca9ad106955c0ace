/**
 * Picks the axial slices the report shows: those with the largest infection area, kept apart so
 * they show different levels (at least a (2 x count)-th of the lungs' height between two), leaving
 * out slices with under 5 % of the largest slice's infection (they would show a speck); when there
 * is no infection, the lungs at evenly spaced levels; without lungs either, the middle of the volume.
 */
export interface KeySlice {
  sliceIndex: number;
  /** Infection voxels on this slice (0 when chosen as a lung level). */
  infectionVoxels: number;
  reason: 'largest-infection' | 'lung-level' | 'volume-middle';
}

export function chooseKeySlices(dims: [number, number, number], lungs: Uint8Array, infection: Uint8Array, count = 6): KeySlice[] {
  const [nx, ny, nz] = dims;
  const sliceVoxels = nx * ny;
  const infectionPerSlice = new Array<number>(nz).fill(0);
  const lungPerSlice = new Array<number>(nz).fill(0);
  for (let k = 0; k < nz; k++) {
    const base = k * sliceVoxels;
    let inf = 0;
    let lung = 0;
    for (let q = 0; q < sliceVoxels; q++) {
      if (infection[base + q] !== 0) inf++;
      if (lungs[base + q] !== 0) lung++;
    }
    infectionPerSlice[k] = inf;
    lungPerSlice[k] = lung;
  }
  const withInfection = infectionPerSlice.map((v, k) => ({ k, v })).filter((x) => x.v > 0);
  if (withInfection.length > 0) {
    // Greedy: largest first, skipping slices too close to one already chosen.
    const lungSliceCount = lungPerSlice.filter((v) => v > 0).length;
    const minGap = Math.max(1, Math.floor((lungSliceCount > 0 ? lungSliceCount : nz) / (2 * count)));
    const floor = 0.05 * Math.max(...withInfection.map((x) => x.v));
    const chosen: KeySlice[] = [];
    for (const { k, v } of withInfection.sort((a, b) => b.v - a.v || a.k - b.k)) {
      if (chosen.length >= count || v < floor) break;
      if (chosen.some((c) => Math.abs(c.sliceIndex - k) < minGap)) continue;
      chosen.push({ sliceIndex: k, infectionVoxels: v, reason: 'largest-infection' });
    }
    return chosen.sort((a, b) => a.sliceIndex - b.sliceIndex);
  }
  const lungSlices = lungPerSlice.map((v, k) => (v > 0 ? k : -1)).filter((k) => k >= 0);
  if (lungSlices.length > 0) {
    const lo = lungSlices[0];
    const hi = lungSlices[lungSlices.length - 1];
    const levels = Array.from({ length: count }, (_, i) => Math.round(lo + ((hi - lo) * (i + 1)) / (count + 1)));
    return [...new Set(levels)].map((k) => ({ sliceIndex: k, infectionVoxels: 0, reason: 'lung-level' as const }));
  }
  return [{ sliceIndex: Math.floor(nz / 2), infectionVoxels: 0, reason: 'volume-middle' }];
}
