import { OpalError } from '../../common/errors/index.ts';
import type { StoredPixels } from '../../common/dicom/pixels/frames.ts';
import type { FrameInfo } from './wasmCodecs.ts';

/** Stored values of one frame to compress (colour interleaved), as decodeFrame returns them. */
export interface FrameToEncode {
  pixels: StoredPixels;
  rows: number;
  columns: number;
  samplesPerPixel?: number;
}

/** The codec's frame description (8 or 16-bit, signedness from the array type) and the samples as bytes. */
export function codecFrameInfo(frame: FrameToEncode): { info: FrameInfo; bytes: Uint8Array } {
  const { pixels, rows, columns } = frame;
  const samplesPerPixel = frame.samplesPerPixel ?? 1;
  if (pixels instanceof Int32Array || pixels instanceof Uint32Array) throw new OpalError('E_BAD_ARGUMENT', '32-bit samples cannot be encoded as JPEG-LS or JPEG 2000 here');
  if (pixels.length !== rows * columns * samplesPerPixel) {
    throw new OpalError('E_BAD_ARGUMENT', `${pixels.length} samples do not make a ${columns}x${rows} frame of ${samplesPerPixel} sample(s) per pixel`);
  }
  const info: FrameInfo = { width: columns, height: rows, bitsPerSample: pixels.BYTES_PER_ELEMENT * 8, componentCount: samplesPerPixel, isSigned: pixels instanceof Int16Array };
  return { info, bytes: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength) };
}
