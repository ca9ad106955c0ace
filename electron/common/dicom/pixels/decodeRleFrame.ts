import { OpalError } from '../../errors/index.ts';
import type { DecodedFrame, EncodedFrame } from './frames.ts';
import { hostIsLittleEndian, toStoredValues, type RawSamples } from './storedValues.ts';

const headerBytes = 64;
const maxSegments = 15;

/**
 * Decodes one RLE Lossless frame (PS3.5 Annex G). The frame starts with a 64-byte header: the number
 * of segments and up to 15 segment offsets (uint32 little endian). Each segment holds one byte plane of
 * one sample (most significant byte first, sample by sample, G.2), PackBits-coded (G.3.1). Output is
 * interleaved whatever PlanarConfiguration says, because each plane lands straight in its place.
 */
export function decodeRleFrame(frame: EncodedFrame): DecodedFrame {
  const { rows, columns, samplesPerPixel, bitsAllocated, data } = frame;
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new OpalError('E_BAD_PIXEL_MODULE', `RLE Lossless with Bits Allocated ${bitsAllocated} is not supported (8, 16 or 32)`);
  }
  const bytesPerSample = bitsAllocated / 8;
  const pixels = rows * columns;
  const expectedSegments = samplesPerPixel * bytesPerSample;
  if (data.length < headerBytes) {
    throw new OpalError('E_DECODE_FAILED', `RLE frame is ${data.length} bytes, shorter than its 64-byte header`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segmentCount = view.getUint32(0, true);
  if (segmentCount !== expectedSegments || segmentCount > maxSegments) {
    throw new OpalError(
      'E_DECODE_FAILED',
      `RLE header lists ${segmentCount} segments; ${samplesPerPixel} sample(s) of ${bitsAllocated} bits need ${expectedSegments}`,
    );
  }
  const offsets: number[] = [];
  for (let s = 0; s < segmentCount; s++) offsets.push(view.getUint32(4 + 4 * s, true));
  for (let s = 0; s < segmentCount; s++) {
    const start = offsets[s];
    const end = s + 1 < segmentCount ? offsets[s + 1] : data.length;
    if (start < headerBytes || end > data.length || end < start) {
      throw new OpalError('E_DECODE_FAILED', `RLE segment ${s + 1} has an invalid offset ${start} (frame of ${data.length} bytes)`);
    }
  }

  const out = new Uint8Array(pixels * expectedSegments);
  const stride = expectedSegments; // bytes between one pixel's byte and the next pixel's
  for (let s = 0; s < segmentCount; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const byteInSampleMsbFirst = s % bytesPerSample;
    const byteInWord = hostIsLittleEndian ? bytesPerSample - 1 - byteInSampleMsbFirst : byteInSampleMsbFirst;
    const firstOut = sample * bytesPerSample + byteInWord;
    const end = s + 1 < segmentCount ? offsets[s + 1] : data.length;
    const written = unpackBitsSegment(data, offsets[s], end, out, firstOut, stride, pixels);
    if (written < pixels) {
      throw new OpalError('E_DECODE_FAILED', `RLE segment ${s + 1} decodes to ${written} bytes; the image needs ${pixels}`);
    }
  }
  const raw: RawSamples = bytesPerSample === 1 ? out : bytesPerSample === 2 ? new Uint16Array(out.buffer) : new Uint32Array(out.buffer);
  return { pixels: toStoredValues(raw, frame), rows, columns, samplesPerPixel, lossy: false };
}

/**
 * PackBits (PS3.5 G.3.1): header byte n in 0..127 copies the next n+1 bytes; -127..-1 repeats the next
 * byte 1-n times; -128 is a no-op. Writes at most `count` bytes to out[first + k*stride] and returns
 * how many it wrote; bytes past `count` (segment padding) are ignored.
 */
export function unpackBitsSegment(src: Uint8Array, start: number, end: number, out: Uint8Array, first: number, stride: number, count: number): number {
  let i = start;
  let k = 0;
  while (i < end && k < count) {
    const n = src[i++];
    if (n < 128) {
      const len = n + 1;
      if (i + len > end) throw new OpalError('E_DECODE_FAILED', 'RLE literal run goes past the end of its segment');
      const m = Math.min(len, count - k);
      for (let j = 0; j < m; j++) out[first + (k + j) * stride] = src[i + j];
      i += len;
      k += m;
    } else if (n > 128) {
      if (i >= end) throw new OpalError('E_DECODE_FAILED', 'RLE replicate run goes past the end of its segment');
      const len = 257 - n;
      const v = src[i++];
      const m = Math.min(len, count - k);
      for (let j = 0; j < m; j++) out[first + (k + j) * stride] = v;
      k += m;
    }
  }
  return k;
}
