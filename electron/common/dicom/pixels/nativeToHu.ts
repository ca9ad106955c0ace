/**
 * The hot path of loading an uncompressed CT series: 16-bit little-endian stored samples straight
 * from the file's bytes to HU in the volume, in one pass (mask to BitsStored, sign extension,
 * + RescaleIntercept), with no intermediate arrays.
 *
 * Why it is written this way: on the 2-core machines OPAL is built on, a plain per-voxel JS loop
 * costs about 2.5 ns per voxel (~200 ms for a 512x512x300 series, more than reading the files),
 * so the loop works on two voxels at a time as 32-bit words (SWAR: "SIMD within a register").
 * Lane-wise addition modulo 2^16 is the same for signed and unsigned lanes, and the caller only
 * takes this path when every value BitsStored allows maps into int16, so the 16-bit wrap never
 * happens on a real value.
 */

export interface Native16Layout {
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  rescaleSlope: number;
  rescaleIntercept: number;
}

/**
 * True when `nativeLittleEndian16ToHu` handles this layout exactly: slope 1, integer intercept,
 * BitsStored in 1..16 ending at HighBit = BitsStored - 1, and every possible stored value + intercept
 * inside int16.
 */
export function canConvertNative16(h: Native16Layout): boolean {
  const { bitsStored, highBit, pixelRepresentation: pr, rescaleSlope: s, rescaleIntercept: b } = h;
  if (s !== 1 || !Number.isInteger(b) || bitsStored < 1 || bitsStored > 16 || highBit !== bitsStored - 1) return false;
  const lo = pr === 1 ? -(2 ** (bitsStored - 1)) : 0;
  const hi = pr === 1 ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  return lo + b >= -32768 && hi + b <= 32767;
}

/**
 * Writes `n` HU values into out[outOffset ...] from `n` 16-bit little-endian samples at
 * bytes[0 ...]. Requires canConvertNative16(h) and a little-endian host. Fastest when both
 * `bytes.byteOffset` and `outOffset * 2 + out.byteOffset` are multiples of 4.
 */
export function nativeLittleEndian16ToHu(bytes: Uint8Array, n: number, h: Native16Layout, out: Int16Array, outOffset: number): void {
  const bits = h.bitsStored;
  const mask = bits === 16 ? 0xffff : (1 << bits) - 1;
  // Sign extension from BitsStored folded into the addition: v = (x ^ sb) - sb, so v + b = (x ^ sb) + (b - sb).
  const sb = h.pixelRepresentation === 1 && bits < 16 ? 1 << (bits - 1) : 0;
  const add = (h.rescaleIntercept - sb) & 0xffff;
  const outByte = out.byteOffset + outOffset * 2;
  if (bytes.byteOffset % 4 !== 0 || outByte % 4 !== 0 || bytes.byteLength < n * 2) {
    scalarPath(bytes, n, mask, sb, add, out, outOffset);
    return;
  }
  if (mask === 0xffff && sb === 0 && add === 0) {
    out.set(new Int16Array(bytes.buffer, bytes.byteOffset, n), outOffset);
    return;
  }
  const pairs = n >>> 1;
  const src = new Int32Array(bytes.buffer, bytes.byteOffset, pairs);
  const dst = new Int32Array(out.buffer, outByte, pairs);
  swarPairs(src, dst, pairs, (mask | (mask << 16)) | 0, (sb | (sb << 16)) | 0, (add | (add << 16)) | 0);
  if (n & 1) scalarPath(bytes.subarray((n - 1) * 2), 1, mask, sb, add, out, outOffset + n - 1);
}

// Two lanes per word; the carry out of the low lane is kept out of the high lane by adding the
// low 15 bits of each lane and fixing the top bit with XOR.
function swarPairs(src: Int32Array, dst: Int32Array, pairs: number, mask2: number, sb2: number, add2: number): void {
  const addLow = add2 & 0x7fff7fff;
  const addTop = add2 & 0x80008000;
  let i = 0;
  for (; i + 3 < pairs; i += 4) {
    const x0 = (src[i] & mask2) ^ sb2;
    const x1 = (src[i + 1] & mask2) ^ sb2;
    const x2 = (src[i + 2] & mask2) ^ sb2;
    const x3 = (src[i + 3] & mask2) ^ sb2;
    dst[i] = ((x0 & 0x7fff7fff) + addLow) ^ (x0 & 0x80008000) ^ addTop;
    dst[i + 1] = ((x1 & 0x7fff7fff) + addLow) ^ (x1 & 0x80008000) ^ addTop;
    dst[i + 2] = ((x2 & 0x7fff7fff) + addLow) ^ (x2 & 0x80008000) ^ addTop;
    dst[i + 3] = ((x3 & 0x7fff7fff) + addLow) ^ (x3 & 0x80008000) ^ addTop;
  }
  for (; i < pairs; i++) {
    const x = (src[i] & mask2) ^ sb2;
    dst[i] = ((x & 0x7fff7fff) + addLow) ^ (x & 0x80008000) ^ addTop;
  }
}

function scalarPath(bytes: Uint8Array, n: number, mask: number, sb: number, add: number, out: Int16Array, outOffset: number): void {
  for (let i = 0; i < n; i++) {
    const x = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) & mask) ^ sb;
    out[outOffset + i] = (x + add) & 0xffff;
  }
}
