import { OpalError } from '../../common/errors/index.ts';
import type { ParsedDicom } from '../../common/dicom/parseDicomBytes.ts';
import { TransferSyntax, type StoredPixels } from '../../common/dicom/pixels/frames.ts';
import type { FrameHeader } from '../../common/dicom/readFrameHeaders.ts';
import { Tag } from '../../common/dicom/tags.ts';

const NATIVE = new Set<string>([
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
]);

/**
 * Stored values of the requested frames of one parsed file. Native syntaxes only until the codec
 * work (electron/main/decode) is merged; then this delegates to extractFrames + the decode pool.
 */
export async function decodeFileFrames(parsed: ParsedDicom, headers: FrameHeader[]): Promise<StoredPixels[]> {
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
    const view = new DataView(bytes.buffer, bytes.byteOffset + start, n * bytesPer);
    const le = ts !== TransferSyntax.ExplicitVRBigEndian;
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
  });
}
