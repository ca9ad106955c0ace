/**
 * Small deterministic pseudo-random generators for the phantom. Not for cryptography: they make a
 * phantom reproducible from its seed on every platform (integer arithmetic only, no Math.random).
 */

/** mulberry32: uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A table of 65536 standard normal deviates (Box-Muller from `random`), indexed by the top 16 bits
 * of a fast xorshift state in the voxel loops: per-voxel noise at a few ns a voxel.
 */
export function gaussianTable(random: () => number): Float32Array {
  const n = 65536;
  const t = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    t[i] = r * Math.cos(2 * Math.PI * v);
    t[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return t;
}

/** One xorshift32 step (never returns 0 for a non-zero state). */
export function xorshift32(s: number): number {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return s >>> 0;
}
