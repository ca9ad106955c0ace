import { OpalError } from '../../errors/index.ts';
import type { PixelDescription, StoredPixels } from './frames.ts';

/** An unsigned container of raw sample bits, one element per sample, as read from the file or a codec. */
export type RawSamples = Uint8Array | Uint16Array | Uint32Array;

/**
 * Turns raw sample bits into stored values (PS3.5 8.1.1, PS3.3 C.7.6.3.1): keeps the BitsStored bits
 * that end at HighBit (bits outside them may hold overlays or garbage), and sign-extends from
 * BitsStored when PixelRepresentation is 1. Works in place where the container allows it.
 *
 * Sign extension from BitsStored is also the fix-up for codestreams that disagree with the header
 * (e.g. a JPEG 2000 codestream marked unsigned in a file whose PixelRepresentation is 1): the bits
 * are the same, only their reading differs.
 */
// Monomorphic loop for the common case (12-bit CT in 16-bit words): see series.ts rescaleInto.
function maskUnsigned16(raw: Uint16Array, shift: number, mask: number): void {
  const n = raw.length;
  if (shift === 0) for (let i = 0; i < n; i++) raw[i] &= mask;
  else for (let i = 0; i < n; i++) raw[i] = (raw[i] >>> shift) & mask;
}

export function toStoredValues(raw: RawSamples, desc: Pick<PixelDescription, 'bitsStored' | 'highBit' | 'pixelRepresentation'>): StoredPixels {
  const containerBits = raw.BYTES_PER_ELEMENT * 8;
  const { bitsStored, highBit, pixelRepresentation } = desc;
  const shift = highBit + 1 - bitsStored;
  if (bitsStored < 1 || bitsStored > containerBits || shift < 0 || highBit >= containerBits) {
    throw new OpalError(
      'E_BAD_PIXEL_MODULE',
      `Bits Stored ${bitsStored} and High Bit ${highBit} do not fit in ${containerBits}-bit samples`,
    );
  }
  const whole = bitsStored === containerBits && shift === 0;
  const mask = bitsStored === 32 ? 0xffffffff : (1 << bitsStored) - 1;

  if (pixelRepresentation === 0) {
    if (whole) return raw;
    if (raw instanceof Uint16Array) maskUnsigned16(raw, shift, mask);
    else for (let i = 0; i < raw.length; i++) raw[i] = (raw[i] >>> shift) & mask;
    return raw;
  }

  // Signed: read through the unsigned view, write through a signed view of the same memory.
  const signBit = 2 ** (bitsStored - 1);
  const range = 2 ** bitsStored;
  if (raw instanceof Uint8Array) {
    // No Int8Array in StoredPixels: signed 8-bit widens to Int16Array.
    const out = new Int16Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = (raw[i] >>> shift) & mask;
      out[i] = v >= signBit ? v - range : v;
    }
    return out;
  }
  const signed = raw instanceof Uint16Array ? new Int16Array(raw.buffer, raw.byteOffset, raw.length) : new Int32Array(raw.buffer, raw.byteOffset, raw.length);
  if (whole) return signed;
  for (let i = 0; i < raw.length; i++) {
    const v = (raw[i] >>> shift) & mask;
    signed[i] = v >= signBit ? v - range : v;
  }
  return signed;
}

/** Planar (RRR…GGG…BBB…) to interleaved (RGBRGB…) order, as DecodedFrame wants (PS3.3 C.7.6.3.1.3). */
export function interleavePlanes<T extends RawSamples>(planar: T, samplesPerPixel: number): T {
  if (samplesPerPixel === 1) return planar;
  const pixels = planar.length / samplesPerPixel;
  const out = new (planar.constructor as { new (n: number): T })(planar.length);
  for (let s = 0; s < samplesPerPixel; s++) {
    const base = s * pixels;
    for (let i = 0; i < pixels; i++) out[i * samplesPerPixel + s] = planar[base + i];
  }
  return out;
}

/** True when this machine stores multi-byte numbers least significant byte first (every platform OPAL ships on). */
export const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
