import { OpalError } from '../../common/errors/index.ts';
import type { ParsedDicom } from '../../common/dicom/parseDicomBytes.ts';
import { TransferSyntax, type DecodedFrame, type StoredPixels } from '../../common/dicom/pixels/frames.ts';
import type { FrameHeader } from '../../common/dicom/readFrameHeaders.ts';
import { Tag } from '../../common/dicom/tags.ts';

const NATIVE = new Set<string>([
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
]);

/** What the loader needs from a decode pool (electron/main/decode's DecodePool has this shape). */
export interface FrameDecodePool {
  close(): Promise<void>;
}

/**
 * Stand-in until electron/main/decode (codec work) is in main: this file then becomes
 * extractFrames + DecodePool with the same exports; nothing else in the loader changes.
 */
export function createFrameDecodePool(): FrameDecodePool {
  return { close: async () => undefined };
}

/**
 * Stored values of the requested frames of one parsed file. Uncompressed syntaxes (implicit and
 * explicit little endian, big endian, deflated) only until the codec work is merged; compressed
 * ones answer E_UNSUPPORTED_TS naming the syntax.
 */
export async function decodeFileFrames(parsed: ParsedDicom, headers: FrameHeader[], _pool: FrameDecodePool): Promise<DecodedFrame[]> {
  const ts = parsed.transferSyntaxUid;
  if (!NATIVE.has(ts)) {
    throw new OpalError('E_UNSUPPORTED_TS', `Transfer syntax ${ts} cannot be decoded in this build.`, headers[0]?.source);
  }
  const px = parsed.dataSet.elements[Tag.PixelData];
  if (!px) throw new OpalError('E_NO_PIXEL_DATA', 'No pixel data.', headers[0]?.source);
  const bytes = parsed.dataSet.byteArray as Uint8Array;
  return headers.map((h) => {
    const n = h.rows * h.columns * h.samplesPerPixel;
    const bytesPer = h.bitsAllocated / 8;
    if (h.bitsAllocated !== 8 && h.bitsAllocated !== 16 && h.bitsAllocated !== 32) {
      throw new OpalError('E_UNSUPPORTED_TS', `Bits Allocated ${h.bitsAllocated} is not supported.`, h.source);
    }
    const start = px.dataOffset + h.frameIndex * n * bytesPer;
    if (start + n * bytesPer > bytes.length) throw new OpalError('E_TRUNCATED', 'Pixel data ends before this frame does.', h.source);
    const le = ts !== TransferSyntax.ExplicitVRBigEndian;
    if (le && bytesPer === 2) {
      // Copy into an aligned buffer and view it as 16-bit (the host is little endian).
      const copy = bytes.slice(start, start + n * 2);
      const words = h.pixelRepresentation === 1 ? new Int16Array(copy.buffer) : new Uint16Array(copy.buffer);
      if (h.bitsStored < 16) {
        // Sign-extend from BitsStored in 32-bit arithmetic (PS3.5 8.1.1).
        const shift32 = 32 - h.bitsStored;
        const mask = (1 << h.bitsStored) - 1;
        if (words instanceof Int16Array) for (let i = 0; i < n; i++) words[i] = (words[i] << shift32) >> shift32;
        else for (let i = 0; i < n; i++) words[i] &= mask;
      }
      return words;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + start, n * bytesPer);
    const signed = h.pixelRepresentation === 1;
    const shift = 32 - h.bitsStored;
    let out: StoredPixels;
    if (bytesPer === 1) out = signed ? (new Int16Array(n) as StoredPixels) : new Uint8Array(n);
    else if (bytesPer === 2) out = signed ? new Int16Array(n) : new Uint16Array(n);
    else out = signed ? new Int32Array(n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let v = bytesPer === 1 ? view.getUint8(i) : bytesPer === 2 ? view.getUint16(i * 2, le) : view.getUint32(i * 4, le);
      // Keep only BitsStored bits (PS3.5 8.1.1) and sign-extend them when signed.
      v = signed ? ((v << shift) >> shift) : h.bitsStored < 32 ? v & ((1 << h.bitsStored) - 1) : v;
      out[i] = v;
    }
    return out;
  }).map((pixels, i): DecodedFrame => ({ pixels, rows: headers[i].rows, columns: headers[i].columns, samplesPerPixel: headers[i].samplesPerPixel, lossy: false }));
}
