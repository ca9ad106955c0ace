import { OpalError, toOpalError } from '../../common/errors/index.ts';
import type { ParsedDicom } from '../../common/dicom/parseDicomBytes.ts';
import { extractFrames } from '../../common/dicom/pixels/extractFrames.ts';
import type { DecodedFrame } from '../../common/dicom/pixels/frames.ts';
import type { FrameHeader } from '../../common/dicom/readFrameHeaders.ts';
import { DecodePool } from '../decode/index.ts';

/** What the loader needs from a decode pool. */
export type FrameDecodePool = Pick<DecodePool, 'decode' | 'close'>;

export function createFrameDecodePool(): FrameDecodePool {
  return new DecodePool();
}

/**
 * Stored values of the requested frames of one parsed file, for every transfer syntax OPAL knows:
 * frames are cut from Pixel Data by extractFrames and decoded by the pool (compressed syntaxes in
 * worker threads; uncompressed ones on the calling thread).
 */
export async function decodeFileFrames(parsed: ParsedDicom, headers: FrameHeader[], pool: FrameDecodePool): Promise<DecodedFrame[]> {
  const source = headers[0]?.source;
  try {
    const encoded = extractFrames(parsed.dataSet, parsed.transferSyntaxUid);
    return await Promise.all(
      headers.map((h) => {
        const frame = encoded[h.frameIndex];
        if (!frame) throw new OpalError('E_TRUNCATED', `Frame ${h.frameIndex + 1} of ${h.frameCount} is missing from the pixel data.`, h.source);
        return pool.decode(frame);
      }),
    );
  } catch (e) {
    const err = toOpalError(e);
    throw err.detail ? err : new OpalError(err.code, err.message, source);
  }
}
