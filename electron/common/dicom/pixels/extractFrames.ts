import type { DataSet, Element, Fragment } from 'dicom-parser';
import { OpalError } from '../../errors/index.ts';
import { TransferSyntax, type EncodedFrame, type PixelDescription } from './frames.ts';
import { isNativeTransferSyntax } from './decodeNativeFrame.ts';

const knownTransferSyntaxes: ReadonlySet<string> = new Set(Object.values(TransferSyntax));

/**
 * Reads the Image Pixel module (PS3.3 C.7.6.3) and cuts Pixel Data (7FE0,0010) into one EncodedFrame
 * per frame, without decoding anything.
 * - Native syntaxes: each frame is Rows x Columns x SamplesPerPixel x BitsAllocated/8 bytes, in the
 *   syntax's byte order (a view of the file's bytes). Trailing padding is ignored; too few bytes give
 *   E_TRUNCATED with both counts.
 * - Encapsulated syntaxes (PS3.5 A.4): fragments are grouped into frames by the Extended Offset Table,
 *   else the Basic Offset Table, else one frame per fragment when the counts match, else by the
 *   codestream start markers at the start of fragments (JPEG SOI, JPEG 2000 SOC+SIZ). A frame of
 *   several fragments is joined into one buffer.
 *
 * The DataSet is one from dicom-parser (a deflated file already inflated by the parser).
 */
export function extractFrames(dataSet: DataSet, transferSyntaxUid: string): EncodedFrame[] {
  const uid = transferSyntaxUid.replace(/\0/g, '').trim();
  if (!knownTransferSyntaxes.has(uid)) {
    throw new OpalError('E_UNSUPPORTED_TS', `Unsupported transfer syntax ${uid || '(none)'}: OPAL cannot read its pixels`);
  }
  const pixelData = dataSet.elements.x7fe00010;
  if (!pixelData) throw new OpalError('E_NO_PIXEL_DATA', 'This DICOM object has no Pixel Data (7FE0,0010)');
  const desc = readPixelDescription(dataSet);
  const numberOfFrames = readNumberOfFrames(dataSet);
  const base = { ...desc, transferSyntaxUid: uid };

  if (isNativeTransferSyntax(uid)) {
    if (pixelData.encapsulatedPixelData) {
      throw new OpalError('E_BAD_PIXEL_MODULE', `Pixel Data is encapsulated but transfer syntax ${uid} stores it uncompressed`);
    }
    const frameBytes = nativeFrameBytes(desc);
    const available = Math.max(0, Math.min(pixelData.length, dataSet.byteArray.length - pixelData.dataOffset));
    const expected = frameBytes * numberOfFrames;
    if (available < expected) {
      throw new OpalError(
        'E_TRUNCATED',
        `Pixel Data is truncated: expected ${expected} bytes (${numberOfFrames} frame(s) of ${desc.rows}x${desc.columns}x${desc.samplesPerPixel} at ${desc.bitsAllocated} bits), found ${available}`,
      );
    }
    const frames: EncodedFrame[] = [];
    for (let f = 0; f < numberOfFrames; f++) {
      const start = pixelData.dataOffset + f * frameBytes;
      frames.push({ ...base, data: dataSet.byteArray.subarray(start, start + frameBytes) });
    }
    return frames;
  }

  if (!pixelData.encapsulatedPixelData || !pixelData.fragments) {
    throw new OpalError('E_BAD_PIXEL_MODULE', `Transfer syntax ${uid} is compressed but Pixel Data is not encapsulated`);
  }
  const fragments = pixelData.fragments.filter((f) => f.length > 0);
  for (const f of fragments) {
    if (f.position + f.length > dataSet.byteArray.length) {
      throw new OpalError(
        'E_TRUNCATED',
        `Pixel Data is truncated: a fragment needs ${f.length} bytes at offset ${f.position}, the file has ${Math.max(0, dataSet.byteArray.length - f.position)}`,
      );
    }
  }
  if (fragments.length === 0) throw new OpalError('E_NO_PIXEL_DATA', 'Encapsulated Pixel Data holds no fragments');
  const groups = groupFragments(dataSet, pixelData, fragments, numberOfFrames);
  return groups.map((g) => ({ ...base, data: joinFragments(dataSet.byteArray, g) }));
}

/** Image Pixel module attributes, checked for values a decoder can act on. */
export function readPixelDescription(dataSet: DataSet): PixelDescription {
  const rows = dataSet.uint16('x00280010');
  const columns = dataSet.uint16('x00280011');
  const bitsAllocated = dataSet.uint16('x00280100');
  if (!rows || !columns) throw new OpalError('E_BAD_PIXEL_MODULE', `Rows (${rows ?? 'missing'}) and Columns (${columns ?? 'missing'}) must be positive`);
  if (bitsAllocated === undefined || ![1, 8, 16, 32].includes(bitsAllocated)) {
    throw new OpalError('E_BAD_PIXEL_MODULE', `Bits Allocated ${bitsAllocated ?? 'missing'} is not one of 1, 8, 16, 32`);
  }
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  const highBit = dataSet.uint16('x00280102') ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit >= bitsAllocated || highBit + 1 < bitsStored) {
    throw new OpalError('E_BAD_PIXEL_MODULE', `Bits Stored ${bitsStored} / High Bit ${highBit} do not fit Bits Allocated ${bitsAllocated}`);
  }
  const pr = dataSet.uint16('x00280103') ?? 0;
  if (pr !== 0 && pr !== 1) throw new OpalError('E_BAD_PIXEL_MODULE', `Pixel Representation ${pr} is neither 0 nor 1`);
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3 && samplesPerPixel !== 4) {
    throw new OpalError('E_BAD_PIXEL_MODULE', `Samples per Pixel ${samplesPerPixel} is not 1, 3 or 4`);
  }
  const photometricInterpretation = (dataSet.string('x00280004') ?? (samplesPerPixel === 1 ? 'MONOCHROME2' : 'RGB')).trim();
  const planarConfiguration = samplesPerPixel > 1 ? (dataSet.uint16('x00280006') ?? 0) : undefined;
  const desc: PixelDescription = { rows, columns, bitsAllocated, bitsStored, highBit, pixelRepresentation: pr, samplesPerPixel, photometricInterpretation };
  if (planarConfiguration !== undefined) desc.planarConfiguration = planarConfiguration;
  return desc;
}

/** Number of Frames (0028,0008), IS; 1 when absent. A value that is not an integer is an error, not a guess. */
export function readNumberOfFrames(dataSet: DataSet): number {
  const el = dataSet.elements.x00280008;
  if (!el || el.length === 0) return 1;
  const text = (dataSet.string('x00280008') ?? '').trim();
  if (!/^[+]?\d+$/.test(text) || Number(text) < 1) {
    throw new OpalError('E_BAD_PIXEL_MODULE', `Number of Frames "${text}" is not a positive integer`);
  }
  return Number(text);
}

function nativeFrameBytes(desc: PixelDescription): number {
  const samples = desc.rows * desc.columns * desc.samplesPerPixel;
  if (desc.bitsAllocated === 1) {
    if (samples % 8 !== 0) throw new OpalError('E_BAD_PIXEL_MODULE', 'Multi-frame 1-bit images whose frames do not end on a byte boundary are not supported');
    return samples / 8;
  }
  return (samples * desc.bitsAllocated) / 8;
}

function groupFragments(dataSet: DataSet, pixelData: Element, fragments: Fragment[], numberOfFrames: number): Fragment[][] {
  const extended = readExtendedOffsetTable(dataSet);
  if (extended && extended.length === numberOfFrames) {
    return extended.map((offset, i) => {
      const f = fragments.find((x) => x.offset === offset);
      if (!f) throw new OpalError('E_DECODE_FAILED', `Extended Offset Table entry ${i + 1} (${offset}) points at no fragment`);
      return [f];
    });
  }
  const bot = pixelData.basicOffsetTable ?? [];
  if (bot.length > 0) {
    if (bot.length !== numberOfFrames) {
      throw new OpalError('E_DECODE_FAILED', `Basic Offset Table has ${bot.length} entries for ${numberOfFrames} frame(s)`);
    }
    const groups = bot.map((start, i) => {
      const end = i + 1 < bot.length ? bot[i + 1] : Infinity;
      return fragments.filter((f) => f.offset >= start && f.offset < end);
    });
    if (groups.some((g) => g.length === 0)) throw new OpalError('E_DECODE_FAILED', 'Basic Offset Table points at a frame with no fragments');
    return groups;
  }
  if (numberOfFrames === 1) return [fragments];
  if (fragments.length === numberOfFrames) return fragments.map((f) => [f]);
  // No offset table and more fragments than frames: a frame starts where a codestream starts.
  const groups: Fragment[][] = [];
  for (const f of fragments) {
    if (startsCodestream(dataSet.byteArray, f) || groups.length === 0) groups.push([f]);
    else groups[groups.length - 1].push(f);
  }
  if (groups.length !== numberOfFrames) {
    throw new OpalError(
      'E_DECODE_FAILED',
      `Cannot tell where frames start: ${fragments.length} fragments hold ${groups.length} codestream(s) but Number of Frames is ${numberOfFrames}`,
    );
  }
  return groups;
}

/** JPEG family: SOI (FFD8) then a marker; JPEG 2000 / HTJ2K: SOC (FF4F) then SIZ (FF51). */
function startsCodestream(bytes: Uint8Array, f: Fragment): boolean {
  if (f.length < 4) return false;
  const p = f.position;
  if (bytes[p] !== 0xff) return false;
  if (bytes[p + 1] === 0xd8 && bytes[p + 2] === 0xff) return true;
  return bytes[p + 1] === 0x4f && bytes[p + 2] === 0xff && bytes[p + 3] === 0x51;
}

/** Extended Offset Table (7FE0,0001), 64-bit offsets (PS3.3 C.7.6.3.1.8); undefined when absent. */
function readExtendedOffsetTable(dataSet: DataSet): number[] | undefined {
  const el = dataSet.elements.x7fe00001;
  if (!el || el.length === 0 || el.length % 8 !== 0) return undefined;
  const view = new DataView(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + el.dataOffset, el.length);
  const out: number[] = [];
  for (let i = 0; i < el.length; i += 8) out.push(view.getUint32(i, true) + view.getUint32(i + 4, true) * 2 ** 32);
  return out;
}

function joinFragments(bytes: Uint8Array, group: Fragment[]): Uint8Array {
  if (group.length === 1) return bytes.subarray(group[0].position, group[0].position + group[0].length);
  const total = group.reduce((n, f) => n + f.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of group) {
    out.set(bytes.subarray(f.position, f.position + f.length), at);
    at += f.length;
  }
  return out;
}
