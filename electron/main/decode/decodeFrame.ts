import { createRequire } from 'node:module';
import { OpalError } from '../../common/errors/index.ts';
import { TransferSyntax, type DecodedFrame, type EncodedFrame, type FrameDecoder } from '../../common/dicom/pixels/frames.ts';
import { decodeNativeFrame, isNativeTransferSyntax } from '../../common/dicom/pixels/decodeNativeFrame.ts';
import { decodeRleFrame } from '../../common/dicom/pixels/decodeRleFrame.ts';
import { toStoredValues, type RawSamples } from '../../common/dicom/pixels/storedValues.ts';
import { decodeJpegDct, readJpegFrameHeader } from '../../common/dicom/pixels/jpeg/decodeJpegDct.ts';
import { transferSyntaxName } from '../../common/dicom/pixels/transferSyntaxName.ts';
import { discardCodec, loadCodec, takeCodecErrors, type CodecName } from './wasmCodecs.ts';

const T = TransferSyntax;

/**
 * Decodes one frame of any transfer syntax in TransferSyntax into stored values (before rescale).
 * Corrupt codestreams give E_DECODE_FAILED, frames whose size disagrees with the header too; a syntax
 * outside the list gives E_UNSUPPORTED_TS naming it.
 */
export const decodeFrame: FrameDecoder = async (frame) => {
  const uid = frame.transferSyntaxUid;
  if (isNativeTransferSyntax(uid)) return decodeNativeFrame(frame);
  if (jpegFamily.has(uid) || j2kFamily.has(uid)) requireEndOfImage(frame);
  switch (uid) {
    case T.RLELossless:
      return decodeRleFrame(frame);
    case T.JPEGBaseline8Bit:
    case T.JPEGExtended12Bit:
    case T.JPEGExtended35Retired:
    case T.JPEGSpectralSelectionRetired:
      return decodeJpegDctFrame(frame);
    case T.JPEGLossless:
    case T.JPEGLosslessSV1:
      return decodeJpegLosslessFrame(frame);
    case T.JPEGLSLossless:
    case T.JPEGLSNearLossless:
      return decodeJpegLsFrame(frame);
    case T.JPEG2000Lossless:
    case T.JPEG2000:
      return decodeJ2kFrame(frame, 'openjpeg');
    case T.HTJ2KLossless:
    case T.HTJ2KLosslessRPCL:
    case T.HTJ2K:
      return decodeJ2kFrame(frame, 'openjph');
    default:
      throw new OpalError('E_UNSUPPORTED_TS', `Unsupported transfer syntax ${uid}: OPAL cannot decode its pixels`);
  }
};

const jpegFamily: ReadonlySet<string> = new Set([
  T.JPEGBaseline8Bit,
  T.JPEGExtended12Bit,
  T.JPEGExtended35Retired,
  T.JPEGSpectralSelectionRetired,
  T.JPEGLossless,
  T.JPEGLosslessSV1,
  T.JPEGLSLossless,
  T.JPEGLSNearLossless,
]);

const j2kFamily: ReadonlySet<string> = new Set([T.JPEG2000Lossless, T.JPEG2000, T.HTJ2KLossless, T.HTJ2KLosslessRPCL, T.HTJ2K]);

/**
 * A JPEG or JPEG-LS codestream ends with EOI (FFD9), a JPEG 2000 / HTJ2K one with EOC (also FFD9).
 * Coded data never holds FFD9 (T.81 B.1.1.5 and T.87 A.1: FF is followed by a stuffed 00 or a byte
 * below 0x80; T.800 A.1: no marker code FF90..FFFF inside packets), so its absence near the end means
 * the frame was cut short. Checked before decoding because the codecs either decode a cut frame
 * silently (jpeg-lossless-decoder-js and OpenJPH return a partly empty image) or take up to a minute
 * to fail (CharLS). Up to 64 trailing bytes after the marker (fragment padding) are tolerated.
 */
function requireEndOfImage(frame: EncodedFrame): void {
  const d = frame.data;
  for (let i = d.length - 2; i >= Math.max(0, d.length - 66); i--) {
    if (d[i] === 0xff && d[i + 1] === 0xd9) return;
  }
  throw new OpalError('E_DECODE_FAILED', `${transferSyntaxName(frame.transferSyntaxUid)} frame is truncated: its codestream has no end marker (FFD9)`);
}

/**
 * JPEG DCT processes. 8-bit codestreams go to libjpeg-turbo (baseline, extended and progressive);
 * 12-bit ones (JPEG Extended .51, the retired .53/.55) to OPAL's own decoder, because no maintained
 * 12-bit decoder exists for Node (see decodeJpegDct.ts).
 */
async function decodeJpegDctFrame(frame: EncodedFrame): Promise<DecodedFrame> {
  const header = guard(frame, () => readJpegFrameHeader(frame.data));
  if (header.precision === 12) {
    const decoded = guard(frame, () => decodeJpegDct(frame.data));
    return fromCodecOutput(frame, decoded.samples, { width: decoded.width, height: decoded.height, componentCount: decoded.components, bitsPerSample: 12 }, true);
  }
  return withCodec(frame, 'libjpegTurbo', async () => {
    const codec = await loadCodec('libjpegTurbo');
    const decoder = new codec.JPEGDecoder();
    try {
      decoder.getEncodedBuffer(frame.data.length).set(frame.data);
      decoder.decode();
      const info = decoder.getFrameInfo();
      return fromCodecOutput(frame, copyOut(decoder.getDecodedBuffer()), info, true);
    } finally {
      decoder.delete();
    }
  });
}

interface LosslessDecoder {
  decode(buffer: ArrayBufferLike, offset: number, length: number): Uint8Array | Uint16Array;
  xDim: number;
  yDim: number;
  numComp: number;
  numBytes: number;
}
const requireCjs = createRequire(import.meta.url);
let losslessModule: { Decoder: new () => LosslessDecoder } | undefined;

/** JPEG Lossless, processes 14 and 14 SV1 (PS3.5 A.4.1), with jpeg-lossless-decoder-js. */
async function decodeJpegLosslessFrame(frame: EncodedFrame): Promise<DecodedFrame> {
  losslessModule ??= requireCjs('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
  const mod = losslessModule;
  return guard(frame, () => {
    const decoder = new mod.Decoder();
    const input = padBeforeEndOfImage(frame.data);
    const out = decoder.decode(input.buffer, input.byteOffset, input.length);
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
    const info = { width: decoder.xDim, height: decoder.yDim, componentCount: decoder.numComp, bitsPerSample: decoder.numBytes * 8 };
    return fromCodecOutput(frame, bytes, info, false);
  });
}

/** JPEG-LS lossless and near-lossless (PS3.5 A.4.3) with CharLS; lossy only when NEAR > 0. */
async function decodeJpegLsFrame(frame: EncodedFrame): Promise<DecodedFrame> {
  return withCodec(frame, 'charls', async () => {
    const codec = await loadCodec('charls');
    const decoder = new codec.JpegLSDecoder();
    try {
      decoder.getEncodedBuffer(frame.data.length).set(frame.data);
      decoder.decode();
      const info = decoder.getFrameInfo();
      let bytes = copyOut(decoder.getDecodedBuffer());
      // Interleave mode 0 (none) keeps components in planes.
      if (info.componentCount > 1 && decoder.getInterleaveMode() === 0) bytes = planesToPixels(bytes, info);
      return fromCodecOutput(frame, bytes, info, decoder.getNearLossless() > 0);
    } finally {
      decoder.delete();
    }
  });
}

/** JPEG 2000 (openjpeg) and HTJ2K (openjph); lossy when the codestream uses the irreversible wavelet. */
async function decodeJ2kFrame(frame: EncodedFrame, name: 'openjpeg' | 'openjph'): Promise<DecodedFrame> {
  return withCodec(frame, name, async () => {
    const codec = await loadCodec(name);
    const decoder = name === 'openjpeg' ? new (codec as Awaited<ReturnType<typeof loadCodec<'openjpeg'>>>).J2KDecoder() : new (codec as Awaited<ReturnType<typeof loadCodec<'openjph'>>>).HTJ2KDecoder();
    try {
      decoder.getEncodedBuffer(frame.data.length).set(frame.data);
      decoder.decode();
      const info = decoder.getFrameInfo();
      // .91 and .203 allow loss both through the 9/7 wavelet and through truncated reversible coding,
      // which the codestream cannot prove absent: report them lossy (the file's Lossy Image Compression
      // (0028,2110) is the authority). .90, .201 and .202 are lossless by definition (PS3.5 A.4.4, A.4.6).
      const lossy = frame.transferSyntaxUid === T.JPEG2000 || frame.transferSyntaxUid === T.HTJ2K || !decoder.getIsReversible();
      return fromCodecOutput(frame, copyOut(decoder.getDecodedBuffer()), info, lossy);
    } finally {
      decoder.delete();
    }
  });
}

/**
 * jpeg-lossless-decoder-js reads a byte ahead while decoding the last Huffman code; when that byte is
 * the EOI marker it stops one pixel short and leaves the last pixel 0 (seen on CTImage's .70 copy).
 * Zero bytes between the entropy-coded data and EOI give it the lookahead it wants; bits after the
 * last code are never used, so the decoded values are unchanged.
 */
export function padBeforeEndOfImage(data: Uint8Array): Uint8Array {
  let eoi = -1;
  for (let i = data.length - 2; i >= Math.max(0, data.length - 8); i--) {
    if (data[i] === 0xff && data[i + 1] === 0xd9) {
      eoi = i;
      break;
    }
  }
  if (eoi < 0) return data;
  const out = new Uint8Array(eoi + 6);
  out.set(data.subarray(0, eoi));
  out.set([0xff, 0xd9], eoi + 4);
  return out;
}

/** Copies a codec's output (a view of its WASM heap, maybe a Uint8ClampedArray) into fresh memory. */
function copyOut(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

interface CodecFrameInfo {
  width: number;
  height: number;
  componentCount: number;
  bitsPerSample: number;
}

/**
 * Checks a codec's frame against the header and turns its samples (native byte order, unsigned or
 * signed as the codestream says) into stored values. The codestream's own signedness is ignored in
 * favour of PixelRepresentation with sign extension from BitsStored (the pydicom behaviour for
 * J2K codestreams whose signedness disagrees with the header).
 */
export function fromCodecOutput(frame: EncodedFrame, bytes: Uint8Array, info: CodecFrameInfo, lossy: boolean): DecodedFrame {
  const { rows, columns, samplesPerPixel, bitsAllocated } = frame;
  if (info.width !== columns || info.height !== rows || info.componentCount !== samplesPerPixel) {
    throw new OpalError(
      'E_DECODE_FAILED',
      `${transferSyntaxName(frame.transferSyntaxUid)} frame decodes to ${info.width}x${info.height} with ${info.componentCount} component(s); the header says ${columns}x${rows} with ${samplesPerPixel}`,
    );
  }
  const samples = rows * columns * samplesPerPixel;
  const codecBytes = info.bitsPerSample <= 8 ? 1 : info.bitsPerSample <= 16 ? 2 : 4;
  if (bytes.length < samples * codecBytes) {
    throw new OpalError('E_DECODE_FAILED', `${transferSyntaxName(frame.transferSyntaxUid)} codec returned ${bytes.length} bytes for ${samples} samples`);
  }
  if (codecBytes * 8 > bitsAllocated) {
    throw new OpalError('E_DECODE_FAILED', `Codestream has ${info.bitsPerSample}-bit samples but Bits Allocated is ${bitsAllocated}`);
  }
  let raw: RawSamples;
  const source = codecBytes === 1 ? bytes : codecBytes === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, samples) : new Uint32Array(bytes.buffer, bytes.byteOffset, samples);
  if (bitsAllocated === codecBytes * 8) raw = source;
  else {
    raw = bitsAllocated === 16 ? new Uint16Array(samples) : new Uint32Array(samples);
    raw.set(source.subarray(0, samples));
  }
  // Compressed syntaxes carry the value itself, right-aligned (PS3.5 8.2: High Bit = Bits Stored - 1).
  const pixels = toStoredValues(raw, { bitsStored: frame.bitsStored, highBit: frame.bitsStored - 1, pixelRepresentation: frame.pixelRepresentation });
  return { pixels, rows, columns, samplesPerPixel, lossy };
}

function planesToPixels(bytes: Uint8Array, info: CodecFrameInfo): Uint8Array {
  const bps = info.bitsPerSample <= 8 ? 1 : 2;
  const pixels = info.width * info.height;
  const out = new Uint8Array(bytes.length);
  for (let c = 0; c < info.componentCount; c++) {
    for (let i = 0; i < pixels; i++) {
      for (let b = 0; b < bps; b++) out[(i * info.componentCount + c) * bps + b] = bytes[(c * pixels + i) * bps + b];
    }
  }
  return out;
}

/** Runs a WASM codec; anything but an OpalError becomes E_DECODE_FAILED and the module is replaced. */
async function withCodec(frame: EncodedFrame, name: CodecName, run: () => Promise<DecodedFrame>): Promise<DecodedFrame> {
  try {
    const decoded = await run();
    takeCodecErrors(name);
    return decoded;
  } catch (e) {
    const said = takeCodecErrors(name);
    if (e instanceof OpalError) {
      if (said && e.code === 'E_DECODE_FAILED') throw new OpalError(e.code, `${e.message} (codec: ${said})`, e.detail);
      throw e;
    }
    discardCodec(name);
    throw new OpalError('E_DECODE_FAILED', `${transferSyntaxName(frame.transferSyntaxUid)} frame could not be decoded: ${describe(e)}${said ? ` (${said})` : ''}`);
  }
}

function guard<R>(frame: EncodedFrame, run: () => R): R {
  try {
    return run();
  } catch (e) {
    if (e instanceof OpalError) throw e;
    throw new OpalError('E_DECODE_FAILED', `${transferSyntaxName(frame.transferSyntaxUid)} frame could not be decoded: ${describe(e)}`);
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'number') return `codec exception ${e}`;
  return String(e);
}
