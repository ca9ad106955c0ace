import { OpalError } from '../../common/errors/index.ts';
import { loadCodec } from './wasmCodecs.ts';
import { codecFrameInfo, type FrameToEncode } from './frameToEncode.ts';

/**
 * Encodes one frame of stored values as a lossless High-Throughput JPEG 2000 codestream with OpenJPH
 * (@cornerstonejs/codec-openjph), ready to be a fragment of 1.2.840.10008.1.2.4.201 (HTJ2K Lossless).
 */
export async function encodeFrameHtj2k(frame: FrameToEncode): Promise<Uint8Array> {
  const { info, bytes } = codecFrameInfo(frame);
  const codec = await loadCodec('openjph');
  if (!codec.HTJ2KEncoder) throw new OpalError('E_INTERNAL', 'The OpenJPH build has no encoder');
  const encoder = new codec.HTJ2KEncoder();
  try {
    encoder.getDecodedBuffer({ ...info, isUsingColorTransform: false }).set(bytes);
    encoder.setQuality(true, 0);
    encoder.encode();
    const out = encoder.getEncodedBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
  } finally {
    encoder.delete();
  }
}
