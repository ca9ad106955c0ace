import { OpalError } from '../../common/errors/index.ts';
import { loadCodec } from './wasmCodecs.ts';
import { codecFrameInfo, type FrameToEncode } from './frameToEncode.ts';

export interface JpegLsOptions {
  /** NEAR (T.87): 0 is lossless (transfer syntax .80), > 0 bounds each sample's error (.81). */
  nearLossless?: number;
}

/**
 * Encodes one frame of stored values as a JPEG-LS codestream with CharLS (the full build of
 * @cornerstonejs/codec-charls), ready to be a fragment of 1.2.840.10008.1.2.4.80 (or .81 when NEAR > 0).
 * Used to write compressed copies of series for benchmarks and tests.
 */
export async function encodeFrameJpegLs(frame: FrameToEncode, options: JpegLsOptions = {}): Promise<Uint8Array> {
  const near = options.nearLossless ?? 0;
  if (!Number.isInteger(near) || near < 0 || near > 255) throw new OpalError('E_BAD_ARGUMENT', `JPEG-LS NEAR must be an integer 0..255, got ${near}`);
  const { info, bytes } = codecFrameInfo(frame);
  const codec = await loadCodec('charlsEncoder');
  if (!codec.JpegLSEncoder) throw new OpalError('E_INTERNAL', 'The CharLS build has no encoder');
  const encoder = new codec.JpegLSEncoder();
  try {
    encoder.getDecodedBuffer(info).set(bytes);
    encoder.setNearLossless(near);
    // Colour samples are interleaved by pixel (CharLS interleave mode 2 = sample).
    if (info.componentCount > 1) encoder.setInterleaveMode(2);
    encoder.encode();
    const out = encoder.getEncodedBuffer();
    // A view of the WASM heap (a Uint8ClampedArray in some builds): copy it into a plain Uint8Array.
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
  } finally {
    encoder.delete();
  }
}
