/**
 * Byte-level editing of DICOM Part 10 files for the fuzz harness (issue 17): find a top-level element's
 * header and value, replace or insert an element, overwrite a length field. Pure functions on byte
 * arrays; every edit returns a new array and leaves its input alone.
 */
import dicomParser, { type DataSet } from 'dicom-parser';

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV', 'SV', 'UV']);

/** [group, element] */
export type TagPair = [number, number];

export function tagKey(tag: TagPair): string {
  return `x${tag[0].toString(16).padStart(4, '0')}${tag[1].toString(16).padStart(4, '0')}`;
}

/** Where one top-level element sits in the file. */
export interface ElementSpan {
  key: string;
  vr?: string;
  /** Offset of the element's tag. */
  headerStart: number;
  /** Offset and size (2 or 4 bytes) of its length field. */
  lengthAt: number;
  lengthSize: 2 | 4;
  /** Offset of its value and the value's length (the undefined-length marker stays 0xFFFFFFFF). */
  valueStart: number;
  length: number;
  /** Offset just past the element (its delimiter included). */
  end: number;
}

/** A little-endian, non-deflated Part 10 file, with its top-level elements located. */
export interface LocatedFile {
  bytes: Uint8Array;
  transferSyntaxUid: string;
  explicit: boolean;
  dataSet: DataSet;
  spans: Map<string, ElementSpan>;
}

/**
 * Locates the top-level elements of a little-endian (Implicit or Explicit VR, not deflated) Part 10
 * file, or returns undefined for any other file or one that dicom-parser cannot read.
 */
export function locateElements(bytes: Uint8Array, untilPixelData = true): LocatedFile | undefined {
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, untilPixelData ? { untilTag: 'x7fe00010' } : undefined);
  } catch {
    return undefined;
  }
  const ts = dataSet.string('x00020010')?.replace(/\0/g, '').trim();
  if (ts !== IMPLICIT_LE && ts !== EXPLICIT_LE) return undefined;
  const explicit = ts === EXPLICIT_LE;
  const spans = new Map<string, ElementSpan>();
  for (const [key, e] of Object.entries(dataSet.elements)) {
    const meta = key.startsWith('x0002');
    const ex = explicit || meta;
    const long = ex && e.vr !== undefined && LONG_VRS.has(e.vr);
    const headerLength = ex ? (long ? 12 : 8) : 8;
    const headerStart = e.dataOffset - headerLength;
    const undefinedLength = e.hadUndefinedLength === true;
    const end = undefinedLength ? e.dataOffset + e.length + (key === 'x7fe00010' ? 0 : 8) : e.dataOffset + e.length;
    spans.set(key, {
      key,
      vr: e.vr,
      headerStart,
      lengthAt: ex ? (long ? headerStart + 8 : headerStart + 6) : headerStart + 4,
      lengthSize: ex && !long ? 2 : 4,
      valueStart: e.dataOffset,
      length: undefinedLength ? 0xffffffff : e.length,
      end: Math.min(end, bytes.length),
    });
  }
  return { bytes, transferSyntaxUid: ts, explicit, dataSet, spans };
}

export interface NewElement {
  tag: TagPair;
  vr: string;
  /** A string value (padded to even length) or raw bytes. */
  value: string | Uint8Array;
  /** Written into the header instead of the value's length (e.g. one that runs past the end). */
  declaredLength?: number;
}

function valueBytes(el: NewElement): Uint8Array {
  if (el.value instanceof Uint8Array) return el.value;
  const b = Array.from(el.value, (c) => c.charCodeAt(0) & 0xff);
  if (b.length % 2) b.push(el.vr === 'UI' ? 0 : 0x20);
  return Uint8Array.from(b);
}

export function encodeElement(el: NewElement, explicit: boolean): Uint8Array {
  const v = valueBytes(el);
  const len = el.declaredLength ?? v.length;
  const long = explicit && LONG_VRS.has(el.vr);
  const head = new Uint8Array(explicit ? (long ? 12 : 8) : 8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, el.tag[0], true);
  dv.setUint16(2, el.tag[1], true);
  if (!explicit) dv.setUint32(4, len >>> 0, true);
  else {
    head[4] = el.vr.charCodeAt(0);
    head[5] = el.vr.charCodeAt(1);
    if (long) dv.setUint32(8, len >>> 0, true);
    else dv.setUint16(6, len & 0xffff, true);
  }
  return concat([head, v]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Replaces bytes [from, to) of `bytes` with `insert`. */
export function splice(bytes: Uint8Array, from: number, to: number, insert: Uint8Array): Uint8Array {
  return concat([bytes.subarray(0, from), insert, bytes.subarray(to)]);
}

/** A copy with one top-level element set: its old bytes replaced, or the new one inserted in tag order. */
export function setElement(file: LocatedFile, el: NewElement): Uint8Array {
  const key = tagKey(el.tag);
  const encoded = encodeElement(el, file.explicit || el.tag[0] === 0x0002);
  const old = file.spans.get(key);
  if (old) return splice(file.bytes, old.headerStart, old.end, encoded);
  let at = file.bytes.length;
  for (const s of file.spans.values()) if (!s.key.startsWith('x0002') && s.key > key && s.headerStart < at) at = s.headerStart;
  return splice(file.bytes, at, at, encoded);
}

/** A copy without one top-level element (unchanged when it is absent). */
export function removeElement(file: LocatedFile, tag: TagPair): Uint8Array {
  const old = file.spans.get(tagKey(tag));
  return old ? splice(file.bytes, old.headerStart, old.end, new Uint8Array(0)) : file.bytes;
}

/** A copy with an element's length field overwritten (the value bytes stay where they are). */
export function setDeclaredLength(file: LocatedFile, key: string, length: number): Uint8Array | undefined {
  const s = file.spans.get(key);
  if (!s) return undefined;
  const out = file.bytes.slice();
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (s.lengthSize === 2) dv.setUint16(s.lengthAt, length & 0xffff, true);
  else dv.setUint32(s.lengthAt, length >>> 0, true);
  return out;
}

/** A copy with a 2-byte (US) value overwritten; undefined when the element is absent or not 2 bytes. */
export function setUs(file: LocatedFile, tag: TagPair, value: number): Uint8Array | undefined {
  const s = file.spans.get(tagKey(tag));
  if (!s || s.length !== 2) return undefined;
  const out = file.bytes.slice();
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint16(s.valueStart, value & 0xffff, true);
  return out;
}

/** Offset where the data set starts after the file meta (PS3.10 7.1), from the located spans. */
export function dataSetStart(file: LocatedFile): number {
  let end = 132;
  for (const s of file.spans.values()) if (s.key.startsWith('x0002') && s.end > end) end = s.end;
  return end;
}
