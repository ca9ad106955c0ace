/**
 * A minimal DICOM Part 10 writer for tests (Explicit VR Little Endian, or Big Endian / Implicit
 * for the syntax tests): enough to build CT slices, enhanced multi-frame objects and broken files
 * in code, so unit tests need no files from ../shared/data.
 */
export interface El {
  tag: [number, number];
  vr: string;
  /** Strings (multi-valued joined with \), numbers for US/UL/SS/FL/FD, bytes for OB/OW, items for SQ. */
  value: string | number[] | Uint8Array | El[][];
}

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  explicitBE: '1.2.840.10008.1.2.2',
};

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL']);

class Writer {
  private chunks: number[] = [];
  constructor(private readonly le: boolean) {}
  u8(...b: number[]): void {
    this.chunks.push(...b);
  }
  u16(v: number): void {
    if (this.le) this.u8(v & 0xff, (v >> 8) & 0xff);
    else this.u8((v >> 8) & 0xff, v & 0xff);
  }
  u32(v: number): void {
    if (this.le) this.u8(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    else this.u8((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  bytes(b: Uint8Array): void {
    for (const x of b) this.chunks.push(x);
  }
  get length(): number {
    return this.chunks.length;
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function valueBytes(el: El, le: boolean): Uint8Array {
  const v = el.value;
  if (typeof v === 'string') {
    const b = Array.from(v, (c) => c.charCodeAt(0));
    if (b.length % 2) b.push(el.vr === 'UI' ? 0 : 0x20);
    return Uint8Array.from(b);
  }
  if (v instanceof Uint8Array) {
    if (v.length % 2 === 0) return v;
    const p = new Uint8Array(v.length + 1);
    p.set(v);
    return p;
  }
  const nums = v as number[];
  const w = new Writer(le);
  for (const n of nums) {
    if (el.vr === 'US') w.u16(n);
    else if (el.vr === 'SS') w.u16(n & 0xffff);
    else if (el.vr === 'UL') w.u32(n);
    else throw new Error(`syntheticDicom: numbers for VR ${el.vr} not supported`);
  }
  return w.toBytes();
}

function writeElements(w: Writer, els: El[], explicit: boolean, le: boolean): void {
  for (const el of [...els].sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1])) {
    w.u16(el.tag[0]);
    w.u16(el.tag[1]);
    if (el.vr === 'SQ') {
      if (explicit) {
        w.u8(0x53, 0x51, 0, 0);
      }
      w.u32(0xffffffff);
      for (const item of el.value as El[][]) {
        w.u16(0xfffe);
        w.u16(0xe000);
        w.u32(0xffffffff);
        writeElements(w, item, explicit, le);
        w.u16(0xfffe);
        w.u16(0xe00d);
        w.u32(0);
      }
      w.u16(0xfffe);
      w.u16(0xe0dd);
      w.u32(0);
      continue;
    }
    const b = valueBytes(el, le);
    if (explicit) {
      w.u8(el.vr.charCodeAt(0), el.vr.charCodeAt(1));
      if (LONG_VRS.has(el.vr)) {
        w.u16(0);
        w.u32(b.length);
      } else w.u16(b.length);
    } else w.u32(b.length);
    w.bytes(b);
  }
}

/** A Part 10 file: preamble, DICM, file meta (always Explicit VR LE), then the data set. */
export function encodeDicomFile(dataSet: El[], options: { transferSyntaxUid?: string; sopClassUid?: string; sopInstanceUid?: string; noMeta?: boolean } = {}): Uint8Array {
  const ts = options.transferSyntaxUid ?? TS.explicitLE;
  const le = ts !== TS.explicitBE;
  const explicit = ts !== TS.implicitLE;
  const body = new Writer(le);
  writeElements(body, dataSet, explicit, le);
  if (options.noMeta) return body.toBytes();
  const metaEls: El[] = [
    { tag: [0x0002, 0x0001], vr: 'OB', value: Uint8Array.from([0, 1]) },
    { tag: [0x0002, 0x0002], vr: 'UI', value: options.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.2' },
    { tag: [0x0002, 0x0003], vr: 'UI', value: options.sopInstanceUid ?? '1.2.3.4' },
    { tag: [0x0002, 0x0010], vr: 'UI', value: ts },
  ];
  const meta = new Writer(true);
  writeElements(meta, metaEls, true, true);
  const head = new Writer(true);
  for (let i = 0; i < 128; i++) head.u8(0);
  head.u8(0x44, 0x49, 0x43, 0x4d);
  writeElements(head, [{ tag: [0x0002, 0x0000], vr: 'UL', value: [meta.length] }], true, true);
  const out = new Uint8Array(head.length + meta.length + body.length);
  out.set(head.toBytes(), 0);
  out.set(meta.toBytes(), head.length);
  out.set(body.toBytes(), head.length + meta.length);
  return out;
}

export interface CtSliceOptions {
  studyUid?: string;
  seriesUid?: string;
  sopUid: string;
  modality?: string;
  instanceNumber?: number;
  positionMm?: [number, number, number];
  orientation?: [number, number, number, number, number, number];
  pixelSpacingMm?: [number, number];
  rows?: number;
  columns?: number;
  /** Stored values (int16); default: value = k where k is the slice's instance number. */
  pixels?: Int16Array;
  slope?: string;
  intercept?: string;
  gantryTiltDeg?: number;
  transferSyntaxUid?: string;
  noPixelData?: boolean;
  extra?: El[];
}

const ds = (v: number): string => String(Math.round(v * 1e6) / 1e6);

/** A single-frame CT Image Storage object (PS3.3 A.3), int16 signed stored values. */
export function ctSliceElements(o: CtSliceOptions): El[] {
  const rows = o.rows ?? 4;
  const columns = o.columns ?? 4;
  const pos = o.positionMm ?? [0, 0, 0];
  const iop = o.orientation ?? [1, 0, 0, 0, 1, 0];
  const ps = o.pixelSpacingMm ?? [0.5, 0.5];
  const pixels = o.pixels ?? new Int16Array(rows * columns).fill(o.instanceNumber ?? 0);
  const els: El[] = [
    { tag: [0x0008, 0x0016], vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: [0x0008, 0x0018], vr: 'UI', value: o.sopUid },
    { tag: [0x0008, 0x0020], vr: 'DA', value: '20260101' },
    { tag: [0x0008, 0x0060], vr: 'CS', value: o.modality ?? 'CT' },
    { tag: [0x0008, 0x103e], vr: 'LO', value: 'synthetic' },
    { tag: [0x0010, 0x0010], vr: 'PN', value: 'Test^Patient' },
    { tag: [0x0010, 0x0020], vr: 'LO', value: 'P1' },
    { tag: [0x0018, 0x0050], vr: 'DS', value: '1' },
    { tag: [0x0020, 0x000d], vr: 'UI', value: o.studyUid ?? '1.2.3.1' },
    { tag: [0x0020, 0x000e], vr: 'UI', value: o.seriesUid ?? '1.2.3.1.1' },
    { tag: [0x0020, 0x0011], vr: 'IS', value: '1' },
    { tag: [0x0020, 0x0013], vr: 'IS', value: String(o.instanceNumber ?? 1) },
    { tag: [0x0020, 0x0032], vr: 'DS', value: pos.map(ds).join('\\') },
    { tag: [0x0020, 0x0037], vr: 'DS', value: iop.map(ds).join('\\') },
    { tag: [0x0020, 0x0052], vr: 'UI', value: '1.2.3.9' },
    { tag: [0x0028, 0x0002], vr: 'US', value: [1] },
    { tag: [0x0028, 0x0004], vr: 'CS', value: 'MONOCHROME2' },
    { tag: [0x0028, 0x0010], vr: 'US', value: [rows] },
    { tag: [0x0028, 0x0011], vr: 'US', value: [columns] },
    { tag: [0x0028, 0x0030], vr: 'DS', value: ps.map(ds).join('\\') },
    { tag: [0x0028, 0x0100], vr: 'US', value: [16] },
    { tag: [0x0028, 0x0101], vr: 'US', value: [16] },
    { tag: [0x0028, 0x0102], vr: 'US', value: [15] },
    { tag: [0x0028, 0x0103], vr: 'US', value: [1] },
    { tag: [0x0028, 0x1052], vr: 'DS', value: o.intercept ?? '-1024' },
    { tag: [0x0028, 0x1053], vr: 'DS', value: o.slope ?? '1' },
  ];
  if (o.gantryTiltDeg !== undefined) els.push({ tag: [0x0018, 0x1120], vr: 'DS', value: ds(o.gantryTiltDeg) });
  if (!o.noPixelData) els.push({ tag: [0x7fe0, 0x0010], vr: 'OW', value: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength) });
  return [...els, ...(o.extra ?? [])];
}

export function ctSlice(o: CtSliceOptions): Uint8Array {
  return encodeDicomFile(ctSliceElements(o), { transferSyntaxUid: o.transferSyntaxUid, sopInstanceUid: o.sopUid });
}

/** Slices of an axial series at z = z0 + k*step (k = 0..n-1), instance numbers reversed on purpose. */
export function axialSeries(n: number, opts: { z0?: number; stepMm?: number; seriesUid?: string; skip?: number[] } = {}): { name: string; bytes: Uint8Array; z: number }[] {
  const out: { name: string; bytes: Uint8Array; z: number }[] = [];
  for (let k = 0; k < n; k++) {
    if (opts.skip?.includes(k)) continue;
    const z = (opts.z0 ?? 0) + k * (opts.stepMm ?? 2);
    out.push({ name: `s${k}.dcm`, z, bytes: ctSlice({ sopUid: `1.2.3.1.1.${k + 1}`, seriesUid: opts.seriesUid, instanceNumber: n - k, positionMm: [0, 0, z] }) });
  }
  return out;
}
