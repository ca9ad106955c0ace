import { deflateSync } from 'fflate';
import { OpalError } from '../../errors/index.ts';
import { TransferSyntax } from '../pixels/frames.ts';
import { isValidUid, uidFromSeed } from './dicomUid.ts';

/** Value representations (PS3.5 6.2). */
export type StringVR = 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'DT' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'ST' | 'TM' | 'UC' | 'UI' | 'UR' | 'UT';
export type NumberVR = 'US' | 'SS' | 'UL' | 'SL' | 'FL' | 'FD';
export type BinaryVR = 'OB' | 'OW' | 'OD' | 'OF' | 'OL' | 'UN';
export type DicomVR = StringVR | NumberVR | BinaryVR | 'AT' | 'SQ';

/** A tag as one number: group << 16 | element, e.g. 0x00100010 for PatientName. */
export type DicomTag = number;

export type DicomElement =
  /** Text; several values as an array (joined with `\`). DS and IS also take numbers. */
  | { tag: DicomTag; vr: StringVR; value: string | readonly string[] | readonly number[] | number }
  | { tag: DicomTag; vr: NumberVR; value: number | readonly number[] }
  /** Attribute tags (e.g. FrameIncrementPointer). */
  | { tag: DicomTag; vr: 'AT'; value: DicomTag | readonly DicomTag[] }
  /** Bytes; a 16/32/64-bit typed array is written in little-endian order. */
  | { tag: DicomTag; vr: BinaryVR; value: Uint8Array | Int16Array | Uint16Array | Uint32Array | Float32Array | Float64Array }
  /** Encapsulated pixel data (PS3.5 A.4): an empty basic offset table, then one fragment per item. */
  | { tag: DicomTag; vr: 'OB'; fragments: readonly Uint8Array[] }
  /** A sequence; undefinedLength writes it and its items with delimitation items (PS3.5 7.5). */
  | { tag: DicomTag; vr: 'SQ'; items: readonly (readonly DicomElement[])[]; undefinedLength?: boolean };

export interface DicomPart10Options {
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
}

/** `tag(0x0010, 0x0010)` = PatientName. */
export function tag(group: number, element: number): DicomTag {
  return ((group & 0xffff) << 16 | (element & 0xffff)) >>> 0;
}

/** UID of OPAL as the implementation that wrote a file (PS3.7 D.3.3.2), the same in every build. */
export const OPAL_IMPLEMENTATION_CLASS_UID = uidFromSeed('OPAL Offline Pulmonary AI Labeller implementation class');
export const OPAL_IMPLEMENTATION_VERSION = 'OPAL_0_1';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UR', 'UT', 'UN']);
const UNDEFINED_LENGTH = 0xffffffff;

const fmt = (t: DicomTag): string => `(${(t >>> 16).toString(16).padStart(4, '0').toUpperCase()},${(t & 0xffff).toString(16).padStart(4, '0').toUpperCase()})`;

function badElement(t: DicomTag, message: string): OpalError {
  return new OpalError('E_BAD_ARGUMENT', `DICOM element ${fmt(t)}: ${message}`);
}

/** Growable little-endian byte sink. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** Overwrites a u32 written earlier (a length known only after its value). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** UTF-8 bytes of a string (ASCII stays ASCII). */
function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** A Decimal String of at most 16 characters (PS3.5 6.2, DS). */
export function formatDecimalString(v: number): string {
  if (!Number.isFinite(v)) throw new OpalError('E_BAD_ARGUMENT', `DS value must be finite, got ${v}`);
  let s = String(v);
  if (s.length <= 16 && !s.includes('e')) return s;
  for (let p = 15; p >= 1; p--) {
    s = Number(v.toPrecision(p)).toString();
    if (s.length <= 16) return s;
  }
  return v.toExponential(8);
}

function stringValue(e: { tag: DicomTag; vr: StringVR; value: string | readonly string[] | readonly number[] | number }): string {
  const values: string[] = (Array.isArray(e.value) ? e.value : [e.value]).map((v: string | number) => {
    if (typeof v === 'string') return v;
    if (e.vr === 'DS') return formatDecimalString(v);
    if (e.vr === 'IS') {
      if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) throw badElement(e.tag, `IS value must be a 32-bit integer, got ${v}`);
      return String(v);
    }
    throw badElement(e.tag, `VR ${e.vr} takes text, got the number ${v}`);
  });
  if (e.vr === 'UI') {
    for (const u of values) if (!isValidUid(u)) throw badElement(e.tag, `"${u}" is not a valid UID`);
  }
  return values.join('\\');
}

function numberBytes(e: { tag: DicomTag; vr: NumberVR | 'AT'; value: number | readonly number[] }): Uint8Array {
  const values = typeof e.value === 'number' ? [e.value] : e.value;
  const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4 }[e.vr];
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  values.forEach((x, n) => {
    const o = n * size;
    if (e.vr !== 'FL' && e.vr !== 'FD' && !Number.isInteger(x)) throw badElement(e.tag, `${e.vr} value must be an integer, got ${x}`);
    switch (e.vr) {
      case 'US': v.setUint16(o, x, true); break;
      case 'SS': v.setInt16(o, x, true); break;
      case 'UL': v.setUint32(o, x, true); break;
      case 'SL': v.setInt32(o, x, true); break;
      case 'FL': v.setFloat32(o, x, true); break;
      case 'FD': v.setFloat64(o, x, true); break;
      case 'AT': v.setUint16(o, x >>> 16, true); v.setUint16(o + 2, x & 0xffff, true); break;
    }
  });
  return out;
}

/** The value bytes of a non-sequence element, padded to even length (PS3.5 7.1.1). */
function valueBytes(e: DicomElement): Uint8Array {
  if (e.vr === 'SQ' || 'fragments' in e) throw badElement(e.tag, 'internal: not a plain value');
  let bytes: Uint8Array;
  let pad = 0x00;
  switch (e.vr) {
    case 'US': case 'SS': case 'UL': case 'SL': case 'FL': case 'FD': case 'AT':
      bytes = numberBytes(e);
      break;
    case 'OB': case 'OW': case 'OD': case 'OF': case 'OL': case 'UN': {
      const v = e.value;
      bytes = v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      break;
    }
    default:
      bytes = utf8(stringValue(e));
      pad = e.vr === 'UI' ? 0x00 : 0x20; // UI pads with NUL, other text with a space
  }
  return padEven(bytes, pad);
}

function padEven(bytes: Uint8Array, pad: number): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = pad;
  return padded;
}

function sortedElements(elements: readonly DicomElement[]): DicomElement[] {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].tag === sorted[i - 1].tag) throw badElement(sorted[i].tag, 'appears twice');
  }
  return sorted;
}

function writeElements(out: ByteSink, elements: readonly DicomElement[], explicit: boolean): void {
  for (const e of sortedElements(elements)) writeElement(out, e, explicit);
}

function writeHeader(out: ByteSink, t: DicomTag, vr: DicomVR, length: number, explicit: boolean): void {
  out.u16(t >>> 16);
  out.u16(t & 0xffff);
  if (!explicit) {
    out.u32(length);
    return;
  }
  out.u8(vr.charCodeAt(0));
  out.u8(vr.charCodeAt(1));
  if (LONG_VRS.has(vr)) {
    out.u16(0);
    out.u32(length);
  } else {
    if (length > 0xfffe) throw badElement(t, `a ${vr} value of ${length} bytes exceeds the 16-bit length of its VR`);
    out.u16(length);
  }
}

function writeItemTag(out: ByteSink, element: number, length: number): void {
  out.u16(0xfffe);
  out.u16(element);
  out.u32(length);
}

function writeElement(out: ByteSink, e: DicomElement, explicit: boolean): void {
  if (e.tag >>> 16 === 0xfffe) throw badElement(e.tag, 'item tags are written by the writer, not given as elements');
  if (e.vr === 'SQ') {
    if (e.undefinedLength) {
      writeHeader(out, e.tag, 'SQ', UNDEFINED_LENGTH, explicit);
      for (const item of e.items) {
        writeItemTag(out, 0xe000, UNDEFINED_LENGTH);
        writeElements(out, item, explicit);
        writeItemTag(out, 0xe00d, 0); // Item Delimitation Item
      }
      writeItemTag(out, 0xe0dd, 0); // Sequence Delimitation Item
      return;
    }
    // Defined length: write the items, then patch the lengths once known.
    writeHeader(out, e.tag, 'SQ', 0, explicit);
    const seqLengthAt = out.length - 4;
    const seqStart = out.length;
    for (const item of e.items) {
      writeItemTag(out, 0xe000, 0);
      const itemLengthAt = out.length - 4;
      const itemStart = out.length;
      writeElements(out, item, explicit);
      out.patchU32(itemLengthAt, out.length - itemStart);
    }
    out.patchU32(seqLengthAt, out.length - seqStart);
    return;
  }
  if ('fragments' in e) {
    if (!explicit) throw badElement(e.tag, 'encapsulated pixel data needs an explicit VR transfer syntax');
    writeHeader(out, e.tag, 'OB', UNDEFINED_LENGTH, explicit);
    writeItemTag(out, 0xe000, 0); // empty Basic Offset Table (PS3.5 A.4)
    for (const f of e.fragments) {
      const even = padEven(f, 0x00);
      writeItemTag(out, 0xe000, even.length);
      out.bytes(even);
    }
    writeItemTag(out, 0xe0dd, 0);
    return;
  }
  const bytes = valueBytes(e);
  writeHeader(out, e.tag, e.vr, bytes.length, explicit);
  out.bytes(bytes);
}

function hasNonAscii(elements: readonly DicomElement[]): boolean {
  for (const e of elements) {
    if (e.vr === 'SQ') {
      if (e.items.some((item) => hasNonAscii(item))) return true;
    } else if (!('fragments' in e) && (typeof e.value === 'string' || (Array.isArray(e.value) && typeof e.value[0] === 'string'))) {
      const text = Array.isArray(e.value) ? e.value.join('') : String(e.value);
      if (/[^\x00-\x7f]/.test(text)) return true;
    }
  }
  return false;
}

/**
 * Encodes a DICOM Part 10 file (PS3.10 7.1): 128-byte preamble, "DICM", the File Meta Information
 * (group 0002, explicit VR little endian, with its group length), then the data set in the given
 * transfer syntax. Writes Explicit VR Little Endian, Implicit VR Little Endian, Deflated Explicit
 * VR Little Endian, and the encapsulated (compressed) syntaxes when pixel data is given as
 * fragments. Elements are sorted by tag; every value is padded to even length (NUL for UI, space
 * for other text). SOPClassUID and SOPInstanceUID are added to the data set when absent, and must
 * match the options when present. Text is written as UTF-8, which needs SpecificCharacterSet
 * (0008,0005) = "ISO_IR 192" when any character is not ASCII.
 *
 * @throws OpalError E_BAD_ARGUMENT for a duplicate tag, a bad UID, a value too long for its VR.
 */
export function writeDicomPart10(elements: readonly DicomElement[], opts: DicomPart10Options): Uint8Array {
  const { transferSyntaxUid, sopClassUid, sopInstanceUid } = opts;
  for (const [name, uid] of Object.entries({ transferSyntaxUid, sopClassUid, sopInstanceUid })) {
    if (!isValidUid(uid)) throw new OpalError('E_BAD_ARGUMENT', `${name} "${uid}" is not a valid UID`);
  }
  if (transferSyntaxUid === TransferSyntax.ExplicitVRBigEndian) {
    throw new OpalError('E_BAD_ARGUMENT', 'Writing Explicit VR Big Endian (retired) is not supported');
  }
  const dataset = elements.filter((e) => e.tag >>> 16 !== 0x0002);
  if (dataset.length !== elements.length) throw new OpalError('E_BAD_ARGUMENT', 'group 0002 (file meta) is written by the writer, not given as elements');
  const ensureUid = (t: DicomTag, uid: string, what: string): void => {
    const e = dataset.find((x) => x.tag === t);
    if (!e) dataset.push({ tag: t, vr: 'UI', value: uid });
    else if (e.vr !== 'UI' || e.value !== uid) throw badElement(t, `${what} differs from the file meta's`);
  };
  ensureUid(tag(0x0008, 0x0016), sopClassUid, 'SOPClassUID');
  ensureUid(tag(0x0008, 0x0018), sopInstanceUid, 'SOPInstanceUID');
  if (hasNonAscii(dataset)) {
    const cs = dataset.find((e) => e.tag === tag(0x0008, 0x0005));
    const value = cs && cs.vr === 'CS' ? String(cs.value) : '';
    if (!value.includes('ISO_IR 192')) {
      throw new OpalError('E_BAD_ARGUMENT', 'Text with non-ASCII characters needs SpecificCharacterSet (0008,0005) "ISO_IR 192" (UTF-8)');
    }
  }

  // File Meta Information (PS3.10 7.1), always explicit VR little endian.
  const metaBody = new ByteSink();
  writeElements(
    metaBody,
    [
      { tag: tag(0x0002, 0x0001), vr: 'OB', value: Uint8Array.from([0x00, 0x01]) },
      { tag: tag(0x0002, 0x0002), vr: 'UI', value: sopClassUid },
      { tag: tag(0x0002, 0x0003), vr: 'UI', value: sopInstanceUid },
      { tag: tag(0x0002, 0x0010), vr: 'UI', value: transferSyntaxUid },
      { tag: tag(0x0002, 0x0012), vr: 'UI', value: OPAL_IMPLEMENTATION_CLASS_UID },
      { tag: tag(0x0002, 0x0013), vr: 'SH', value: OPAL_IMPLEMENTATION_VERSION },
    ],
    true,
  );
  const metaBytes = metaBody.result();

  const body = new ByteSink();
  const explicit = transferSyntaxUid !== TransferSyntax.ImplicitVRLittleEndian;
  writeElements(body, dataset, explicit);
  let datasetBytes = body.result();
  if (transferSyntaxUid === TransferSyntax.DeflatedExplicitVRLittleEndian) {
    // PS3.5 A.5: the whole data set, raw DEFLATE (RFC 1951) without a zlib header.
    datasetBytes = deflateSync(datasetBytes, { level: 6 });
    datasetBytes = padEven(datasetBytes, 0x00);
  }

  const out = new ByteSink();
  out.bytes(new Uint8Array(128));
  out.bytes(Uint8Array.from([0x44, 0x49, 0x43, 0x4d])); // "DICM"
  writeHeader(out, tag(0x0002, 0x0000), 'UL', 4, true);
  out.u32(metaBytes.length);
  out.bytes(metaBytes);
  out.bytes(datasetBytes);
  return out.result();
}
