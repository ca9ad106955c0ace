import { OpalError } from '../../common/errors/index.ts';
import { loadCodec } from './wasmCodecs.ts';
import { codecFrameInfo, type FrameToEncode } from './frameToEncode.ts';

/**
 * Encodes one frame of stored values as a lossless JPEG 2000 codestream (reversible 5/3 wavelet) with
 * OpenJPEG (the full build of @cornerstonejs/codec-openjpeg), ready to be a fragment of
 * 1.2.840.10008.1.2.4.90. Used to write compressed copies of series for benchmarks and tests.
 */
export async function encodeFrameJ2k(frame: FrameToEncode): Promise<Uint8Array> {
  const { info, bytes } = codecFrameInfo(frame);
  const codec = await loadCodec('openjpegEncoder');
  if (!codec.J2KEncoder) throw new OpalError('E_INTERNAL', 'The OpenJPEG build has no encoder');
  const encoder = new codec.J2KEncoder();
  try {
    encoder.getDecodedBuffer(info).set(bytes);
    encoder.setQuality(true, 0);
    encoder.encode();
    const out = encoder.getEncodedBuffer();
    // A view of the WASM heap (a Uint8ClampedArray in some builds): copy it into a plain Uint8Array.
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
  } finally {
    encoder.delete();
  }
}
