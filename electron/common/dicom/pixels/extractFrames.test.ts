import { describe, expect, it } from 'vitest';
import dicomParser from 'dicom-parser';
import { extractFrames, readNumberOfFrames } from './extractFrames.ts';
import { decodeNativeFrame } from './decodeNativeFrame.ts';
import { TransferSyntax } from './frames.ts';

/**
 * A minimal Part 10 writer for tests: preamble, DICM, file meta (Transfer Syntax UID), then the data
 * set in explicit VR, little or big endian. Pixel Data is either native bytes or encapsulated
 * fragments with an optional Basic Offset Table.
 */
interface El {
  tag: [number, number];
  vr: string;
  value: Uint8Array;
}
const longVrs = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function encodeElements(els: El[], bigEndian: boolean): number[] {
  const out: number[] = [];
  const u16 = (v: number): void => void (bigEndian ? out.push((v >> 8) & 255, v & 255) : out.push(v & 255, (v >> 8) & 255));
  const u32 = (v: number): void => {
    const b = [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
    out.push(...(bigEndian ? b.reverse() : b));
  };
  for (const e of els) {
    u16(e.tag[0]);
    u16(e.tag[1]);
    out.push(e.vr.charCodeAt(0), e.vr.charCodeAt(1));
    if (longVrs.has(e.vr)) {
      out.push(0, 0);
      u32(e.value.length);
    } else u16(e.value.length);
    out.push(...e.value);
  }
  return out;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s.length % 2 ? s + (s.endsWith('\0') ? '' : ' ') : s);
const uid = (s: string): Uint8Array => new TextEncoder().encode(s.length % 2 ? s + '\0' : s);
function us(v: number, bigEndian = false): Uint8Array {
  return new Uint8Array(bigEndian ? [(v >> 8) & 255, v & 255] : [v & 255, (v >> 8) & 255]);
}

interface Spec {
  ts: string;
  rows?: number;
  columns?: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  frames?: string;
  native?: Uint8Array;
  /** Declared Pixel Data length when it differs from the bytes present (truncated files). */
  fragments?: Uint8Array[];
  bot?: number[];
  /** Extended Offset Table (7FE0,0001), written as OB: dicom-parser 1.8 does not know the VR OV. */
  extendedOffsets?: number[];
  cutTo?: number;
}

function buildFile(spec: Spec): Uint8Array {
  const be = spec.ts === TransferSyntax.ExplicitVRBigEndian;
  const meta = encodeElements([{ tag: [0x0002, 0x0010], vr: 'UI', value: uid(spec.ts) }], false);
  const groupLength = encodeElements([{ tag: [0x0002, 0x0000], vr: 'UL', value: new Uint8Array([meta.length & 255, meta.length >> 8, 0, 0]) }], false);
  const els: El[] = [
    { tag: [0x0028, 0x0002], vr: 'US', value: us(1, be) },
    { tag: [0x0028, 0x0004], vr: 'CS', value: text('MONOCHROME2') },
  ];
  if (spec.frames !== undefined) els.push({ tag: [0x0028, 0x0008], vr: 'IS', value: text(spec.frames) });
  els.push(
    { tag: [0x0028, 0x0010], vr: 'US', value: us(spec.rows ?? 2, be) },
    { tag: [0x0028, 0x0011], vr: 'US', value: us(spec.columns ?? 2, be) },
    { tag: [0x0028, 0x0100], vr: 'US', value: us(spec.bitsAllocated ?? 16, be) },
    { tag: [0x0028, 0x0101], vr: 'US', value: us(spec.bitsStored ?? 16, be) },
    { tag: [0x0028, 0x0102], vr: 'US', value: us((spec.bitsStored ?? 16) - 1, be) },
    { tag: [0x0028, 0x0103], vr: 'US', value: us(spec.pixelRepresentation ?? 1, be) },
  );
  if (spec.extendedOffsets) {
    const eot = new Uint8Array(spec.extendedOffsets.length * 8);
    spec.extendedOffsets.forEach((o, i) => new DataView(eot.buffer).setUint32(i * 8, o, true));
    els.push({ tag: [0x7fe0, 0x0001], vr: 'OB', value: eot });
  }
  let body = encodeElements(els, be);
  if (spec.native) body = body.concat(encodeElements([{ tag: [0x7fe0, 0x0010], vr: 'OW', value: spec.native }], be));
  if (spec.fragments) {
    const item = (bytes: number[]): number[] => [0xfe, 0xff, 0x00, 0xe0, bytes.length & 255, (bytes.length >> 8) & 255, (bytes.length >> 16) & 255, 0, ...bytes];
    const bot = (spec.bot ?? []).flatMap((o) => [o & 255, (o >> 8) & 255, (o >> 16) & 255, 0]);
    body = body.concat([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff], item(bot), ...spec.fragments.map((f) => item([...f])), [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  }
  const bytes = new Uint8Array([...new Uint8Array(128), 0x44, 0x49, 0x43, 0x4d, ...groupLength, ...meta, ...body]);
  return spec.cutTo === undefined ? bytes : bytes.subarray(0, bytes.length - spec.cutTo);
}

function parse(bytes: Uint8Array): dicomParser.DataSet {
  try {
    return dicomParser.parseDicom(bytes);
  } catch (e) {
    // dicom-parser reports a cut-off file with the part it read.
    const partial = (e as { dataSet?: dicomParser.DataSet }).dataSet;
    if (!partial) throw e;
    return partial;
  }
}

const le16 = (values: number[]): Uint8Array => new Uint8Array(new Int16Array(values).buffer);

describe('extractFrames: native syntaxes', () => {
  it('slices Number of Frames frames of Rows x Columns x 2 bytes', () => {
    const px = le16([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const ds = parse(buildFile({ ts: TransferSyntax.ExplicitVRLittleEndian, frames: '3', native: px }));
    const frames = extractFrames(ds, TransferSyntax.ExplicitVRLittleEndian);
    expect(frames).toHaveLength(3);
    expect(frames.map((f) => [...decodeNativeFrame(f).pixels])).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ]);
    expect(frames[0]).toMatchObject({ rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1, samplesPerPixel: 1, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian });
  });

  it('keeps big-endian bytes as stored, and decoding swaps them', () => {
    const px = new Uint8Array([0xff, 0xfe, 0x01, 0x00, 0x80, 0x00, 0x00, 0x05]); // -2, 256, -32768, 5
    const ds = parse(buildFile({ ts: TransferSyntax.ExplicitVRBigEndian, native: px }));
    const [frame] = extractFrames(ds, TransferSyntax.ExplicitVRBigEndian);
    expect([...frame.data]).toEqual([...px]);
    expect([...decodeNativeFrame(frame).pixels]).toEqual([-2, 256, -32768, 5]);
  });

  it('tolerates trailing padding after the last frame', () => {
    const px = le16([1, 2, 3, 4, 0, 0, 0, 0]);
    const [frame, ...rest] = extractFrames(parse(buildFile({ ts: TransferSyntax.ExplicitVRLittleEndian, native: px })), TransferSyntax.ExplicitVRLittleEndian);
    expect(rest).toHaveLength(0);
    expect(frame.data.length).toBe(8);
  });

  it('reports truncated Pixel Data with E_TRUNCATED and both byte counts', () => {
    const px = le16([1, 2, 3, 4, 5, 6, 7, 8]);
    const ds = parse(buildFile({ ts: TransferSyntax.ExplicitVRLittleEndian, frames: '2', native: px, cutTo: 6 }));
    expect(() => extractFrames(ds, TransferSyntax.ExplicitVRLittleEndian)).toThrow(
      expect.objectContaining({ code: 'E_TRUNCATED', message: expect.stringMatching(/expected 16 bytes .* found 10/) }),
    );
  });

  it('reports a declared Pixel Data shorter than the frames with E_TRUNCATED', () => {
    const ds = parse(buildFile({ ts: TransferSyntax.ExplicitVRLittleEndian, frames: '2', native: le16([1, 2, 3, 4, 5, 6]) }));
    expect(() => extractFrames(ds, TransferSyntax.ExplicitVRLittleEndian)).toThrow(expect.objectContaining({ code: 'E_TRUNCATED', message: expect.stringMatching(/expected 16 bytes .* found 12/) }));
  });
});

describe('extractFrames: encapsulated syntaxes', () => {
  const soi = (n: number): Uint8Array => new Uint8Array([0xff, 0xd8, 0xff, 0xdb, n, n]);
  const cont = (n: number): Uint8Array => new Uint8Array([n, n, n, n]);
  const ts = TransferSyntax.JPEGLSLossless;

  it('groups fragments by the Basic Offset Table', () => {
    // Frame 1 = fragments 1+2 (6 + 4 bytes, items of 8 + 6 and 8 + 4), frame 2 = fragment 3.
    const ds = parse(buildFile({ ts, frames: '2', fragments: [soi(1), cont(2), soi(3)], bot: [0, 26] }));
    const frames = extractFrames(ds, ts);
    expect(frames.map((f) => [...f.data])).toEqual([[...soi(1), ...cont(2)], [...soi(3)]]);
  });

  it('takes each frame’s fragment from the Extended Offset Table', () => {
    // Items are 14 bytes (8 + 6): fragments start at 0, 14, 28. Without the table the three codestream
    // starts would not match Number of Frames 2.
    const ds = parse(buildFile({ ts, frames: '2', fragments: [soi(1), soi(2), soi(3)], extendedOffsets: [0, 28] }));
    expect(extractFrames(ds, ts).map((f) => f.data[4])).toEqual([1, 3]);
  });

  it('takes one fragment per frame when the counts agree and there is no offset table', () => {
    const ds = parse(buildFile({ ts, frames: '2', fragments: [soi(1), soi(2)] }));
    expect(extractFrames(ds, ts).map((f) => f.data[4])).toEqual([1, 2]);
  });

  it('joins all fragments of a single frame', () => {
    const ds = parse(buildFile({ ts, fragments: [soi(1), cont(2), cont(3)] }));
    const [frame] = extractFrames(ds, ts);
    expect(frame.data.length).toBe(14);
  });

  it('finds frame starts by their SOI markers when there is no offset table', () => {
    const ds = parse(buildFile({ ts, frames: '2', fragments: [soi(1), cont(2), cont(3), soi(4), cont(5)] }));
    const frames = extractFrames(ds, ts);
    expect(frames.map((f) => f.data.length)).toEqual([14, 10]);
  });

  it('finds JPEG 2000 frame starts by SOC + SIZ', () => {
    const soc = (n: number): Uint8Array => new Uint8Array([0xff, 0x4f, 0xff, 0x51, n, n]);
    const j2k = TransferSyntax.JPEG2000Lossless;
    const ds = parse(buildFile({ ts: j2k, frames: '2', fragments: [soc(1), cont(2), soc(3)] }));
    expect(extractFrames(ds, j2k).map((f) => f.data.length)).toEqual([10, 6]);
  });

  it('fails with E_DECODE_FAILED when the frame starts do not match Number of Frames', () => {
    const ds = parse(buildFile({ ts, frames: '3', fragments: [soi(1), cont(2), soi(3), cont(4)] }));
    expect(() => extractFrames(ds, ts)).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/Number of Frames is 3/) }));
  });
});

describe('extractFrames: bad input', () => {
  it('names an unknown transfer syntax with E_UNSUPPORTED_TS', () => {
    const ds = parse(buildFile({ ts: TransferSyntax.ExplicitVRLittleEndian, native: le16([1, 2, 3, 4]) }));
    expect(() => extractFrames(ds, '1.2.840.10008.1.2.4.100')).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_TS', message: expect.stringContaining('1.2.840.10008.1.2.4.100') }));
  });

  it('refuses a data set without Pixel Data with E_NO_PIXEL_DATA', () => {
    const ds = parse(buildFile({ ts: TransferSyntax.ExplicitVRLittleEndian }));
    expect(() => extractFrames(ds, TransferSyntax.ExplicitVRLittleEndian)).toThrow(expect.objectContaining({ code: 'E_NO_PIXEL_DATA' }));
  });

  it('refuses a Number of Frames that is not an integer with E_BAD_PIXEL_MODULE', () => {
    const ds = parse(buildFile({ ts: TransferSyntax.ExplicitVRLittleEndian, frames: '1A', native: le16([1, 2, 3, 4]) }));
    expect(() => readNumberOfFrames(ds)).toThrow(expect.objectContaining({ code: 'E_BAD_PIXEL_MODULE', message: expect.stringContaining('"1A"') }));
  });

  it('refuses Bits Stored larger than Bits Allocated with E_BAD_PIXEL_MODULE', () => {
    const ds = parse(buildFile({ ts: TransferSyntax.ExplicitVRLittleEndian, bitsAllocated: 8, bitsStored: 12, native: new Uint8Array(4) }));
    expect(() => extractFrames(ds, TransferSyntax.ExplicitVRLittleEndian)).toThrow(expect.objectContaining({ code: 'E_BAD_PIXEL_MODULE' }));
  });

  it('refuses native Pixel Data in a compressed transfer syntax', () => {
    const ds = parse(buildFile({ ts: TransferSyntax.JPEGLSLossless, native: le16([1, 2, 3, 4]) }));
    expect(() => extractFrames(ds, TransferSyntax.JPEGLSLossless)).toThrow(expect.objectContaining({ code: 'E_BAD_PIXEL_MODULE' }));
  });
});
