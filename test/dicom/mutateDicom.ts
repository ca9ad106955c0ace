/**
 * Mutations of real DICOM Part 10 files for the hostile-input tests: set (insert or replace) a
 * top-level element of a little-endian data set, in place of its old bytes. The caller writes the
 * result under a temp dir; files from ../shared/data are never modified.
 */
import dicomParser from 'dicom-parser';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV', 'SV', 'UV']);

export interface NewElement {
  /** [group, element] */
  tag: [number, number];
  vr: string;
  /** A string value (padded to even length) or raw bytes. */
  value: string | Uint8Array;
  /**
   * The length to write into the element header instead of the value's length (e.g. one that runs
   * past the end of the file). The value bytes written stay `value`.
   */
  declaredLength?: number;
}

function tagKey(tag: [number, number]): string {
  return `x${tag[0].toString(16).padStart(4, '0')}${tag[1].toString(16).padStart(4, '0')}`;
}

function valueBytes(el: NewElement): Uint8Array {
  if (el.value instanceof Uint8Array) return el.value;
  const b = Array.from(el.value, (c) => c.charCodeAt(0));
  if (b.length % 2) b.push(el.vr === 'UI' ? 0 : 0x20);
  return Uint8Array.from(b);
}

function encodeElement(el: NewElement, explicit: boolean): Uint8Array {
  const v = valueBytes(el);
  const len = el.declaredLength ?? v.length;
  const long = explicit && LONG_VRS.has(el.vr);
  const head = new Uint8Array(explicit ? (long ? 12 : 8) : 8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, el.tag[0], true);
  dv.setUint16(2, el.tag[1], true);
  if (!explicit) dv.setUint32(4, len, true);
  else {
    head[4] = el.vr.charCodeAt(0);
    head[5] = el.vr.charCodeAt(1);
    if (long) dv.setUint32(8, len, true);
    else dv.setUint16(6, len, true);
  }
  const out = new Uint8Array(head.length + v.length);
  out.set(head);
  out.set(v, head.length);
  return out;
}

/**
 * A copy of a little-endian Part 10 file (Implicit or Explicit VR, not deflated) with one top-level
 * element set: its old bytes (if any) replaced, or the new element inserted in tag order.
 */
export function setElement(file: Uint8Array, el: NewElement): Uint8Array {
  const ds = dicomParser.parseDicom(file, { untilTag: 'x7fe00010' });
  const ts = ds.string('x00020010')?.replace(/\0/g, '').trim();
  if (ts === undefined || ts === '1.2.840.10008.1.2.2' || ts === '1.2.840.10008.1.2.1.99') throw new Error(`setElement: only little-endian, non-deflated files (got ${ts})`);
  const explicit = ts !== IMPLICIT_LE;
  const key = tagKey(el.tag);
  // Start of an element's header: its value offset minus the header length for its VR.
  const headerStart = (k: string): number => {
    const e = ds.elements[k];
    const isMeta = k.startsWith('x0002');
    const long = (explicit || isMeta) && e.vr !== undefined && LONG_VRS.has(e.vr);
    return e.dataOffset - ((explicit || isMeta) ? (long ? 12 : 8) : 8);
  };
  const encoded = encodeElement(el, explicit);
  const old = ds.elements[key];
  let cut: [number, number];
  if (old) {
    const end = old.hadUndefinedLength ? old.dataOffset + old.length + 8 : old.dataOffset + old.length;
    cut = [headerStart(key), end];
  } else {
    const after = Object.keys(ds.elements)
      .filter((k) => !k.startsWith('x0002') && k > key)
      .sort()[0];
    const at = after ? headerStart(after) : file.length;
    cut = [at, at];
  }
  const out = new Uint8Array(file.length - (cut[1] - cut[0]) + encoded.length);
  out.set(file.subarray(0, cut[0]), 0);
  out.set(encoded, cut[0]);
  out.set(file.subarray(cut[1]), cut[0] + encoded.length);
  return out;
}

/** A copy with the value of an existing US element (Rows, Columns, BitsAllocated, ...) overwritten. */
export function setUs(file: Uint8Array, tag: [number, number], value: number): Uint8Array {
  const ds = dicomParser.parseDicom(file, { untilTag: 'x7fe00010' });
  const e = ds.elements[tagKey(tag)];
  if (!e || e.length !== 2) throw new Error(`setUs: no US element ${tagKey(tag)}`);
  const out = file.slice();
  new DataView(out.buffer, out.byteOffset).setUint16(e.dataOffset, value, true);
  return out;
}
