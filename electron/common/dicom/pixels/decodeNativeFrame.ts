import { OpalError } from '../../errors/index.ts';
import { TransferSyntax, type DecodedFrame, type EncodedFrame } from './frames.ts';
import { hostIsLittleEndian, interleavePlanes, toStoredValues, type RawSamples } from './storedValues.ts';

/** Transfer syntaxes whose Pixel Data is stored uncompressed (PS3.5 8.1, A.1–A.3, A.5). */
export const nativeTransferSyntaxes: ReadonlySet<string> = new Set([
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
]);

export function isNativeTransferSyntax(uid: string): boolean {
  return nativeTransferSyntaxes.has(uid);
}

/**
 * Decodes one uncompressed frame (as sliced by extractFrames, in the syntax's byte order) into stored
 * values: byte order fixed for Explicit VR Big Endian, bits outside BitsStored masked, sign extended,
 * colour planes interleaved. Always returns new memory, never a view of the file.
 */
export function decodeNativeFrame(frame: EncodedFrame): DecodedFrame {
  if (!isNativeTransferSyntax(frame.transferSyntaxUid)) {
    throw new OpalError('E_INTERNAL', `decodeNativeFrame called for compressed transfer syntax ${frame.transferSyntaxUid}`);
  }
  const { rows, columns, samplesPerPixel, bitsAllocated } = frame;
  const samples = rows * columns * samplesPerPixel;
  const bigEndian = frame.transferSyntaxUid === TransferSyntax.ExplicitVRBigEndian;
  let raw: RawSamples;
  if (bitsAllocated === 1) {
    // PS3.5 8.1.1 / D.2: bit-packed, first pixel in the least significant bit of the first byte.
    raw = new Uint8Array(samples);
    need(frame, Math.ceil(samples / 8));
    for (let i = 0; i < samples; i++) raw[i] = (frame.data[i >> 3] >> (i & 7)) & 1;
    return { pixels: raw, rows, columns, samplesPerPixel, lossy: false };
  }
  const bytesPerSample = bitsAllocated / 8;
  if (bytesPerSample !== 1 && bytesPerSample !== 2 && bytesPerSample !== 4) {
    throw new OpalError('E_BAD_PIXEL_MODULE', `Bits Allocated ${bitsAllocated} is not supported for CT images (1, 8, 16 or 32)`);
  }
  need(frame, samples * bytesPerSample);
  // Copy into fresh, aligned memory: the frame may start at an odd offset inside the file buffer.
  const bytes = frame.data.slice(0, samples * bytesPerSample);
  if (bytesPerSample !== 1 && bigEndian === hostIsLittleEndian) swapBytes(bytes, bytesPerSample);
  raw = bytesPerSample === 1 ? bytes : bytesPerSample === 2 ? new Uint16Array(bytes.buffer) : new Uint32Array(bytes.buffer);
  if (samplesPerPixel > 1 && frame.planarConfiguration === 1) raw = interleavePlanes(raw, samplesPerPixel);
  const pixels = toStoredValues(raw, frame);
  return { pixels, rows, columns, samplesPerPixel, lossy: false };
}

/** Reverses the byte order of each `width`-byte word in place (PS3.5 7.3: big endian byte ordering). */
export function swapBytes(bytes: Uint8Array, width: 2 | 4): void {
  if (width === 2) {
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const t = bytes[i];
      bytes[i] = bytes[i + 1];
      bytes[i + 1] = t;
    }
    return;
  }
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const a = bytes[i];
    const b = bytes[i + 1];
    bytes[i] = bytes[i + 3];
    bytes[i + 1] = bytes[i + 2];
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

function need(frame: EncodedFrame, bytes: number): void {
  if (frame.data.length < bytes) {
    throw new OpalError(
      'E_TRUNCATED',
      `Pixel Data frame holds ${frame.data.length} bytes; ${frame.rows}x${frame.columns}x${frame.samplesPerPixel} samples at ${frame.bitsAllocated} bits need ${bytes}`,
    );
  }
}
