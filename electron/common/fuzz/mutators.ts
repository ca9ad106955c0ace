/**
 * The mutations of the fuzz harness (issue 17, point 5): each takes the files of a seed input (one
 * DICOM file, or the slices of a small series) and a seeded random source and returns mutated copies,
 * or undefined when it does not apply to that seed (e.g. fragment damage on an uncompressed file).
 * Pure functions: the same seed, input and random state always give the same bytes, so an input is
 * reproduced from (seed, index) alone.
 */
import { Deflate, deflateSync } from 'fflate';
import {
  DEFLATED_LE,
  EXPLICIT_BE,
  EXPLICIT_LE,
  IMPLICIT_LE,
  concat,
  dataSetStart,
  encodeElement,
  locateElements,
  removeElement,
  setDeclaredLength,
  setElement,
  setUs,
  splice,
  tagKey,
  type LocatedFile,
  type TagPair,
} from './dicomEdit.ts';

/** A deterministic random source (mulberry32 underneath). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}

/** Mixes a run seed and an input index into the seed of that input's random source. */
export function inputSeed(runSeed: number, index: number): number {
  let h = (Math.imul(runSeed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface FuzzFile {
  name: string;
  bytes: Uint8Array;
}

/** What a mutator returns: the mutated files and a short description of what was done. */
export interface Mutation {
  files: FuzzFile[];
  detail: string;
}

export type Mutator = (files: readonly FuzzFile[], r: Rng) => Mutation | undefined;

const t = (g: number, e: number): TagPair => [g, e];
const TAGS = {
  transferSyntax: t(0x0002, 0x0010),
  modality: t(0x0008, 0x0060),
  sliceThickness: t(0x0018, 0x0050),
  spacingBetweenSlices: t(0x0018, 0x0088),
  ipp: t(0x0020, 0x0032),
  iop: t(0x0020, 0x0037),
  samplesPerPixel: t(0x0028, 0x0002),
  numberOfFrames: t(0x0028, 0x0008),
  rows: t(0x0028, 0x0010),
  columns: t(0x0028, 0x0011),
  pixelSpacing: t(0x0028, 0x0030),
  bitsAllocated: t(0x0028, 0x0100),
  bitsStored: t(0x0028, 0x0101),
  highBit: t(0x0028, 0x0102),
  pixelRepresentation: t(0x0028, 0x0103),
  rescaleIntercept: t(0x0028, 0x1052),
  rescaleSlope: t(0x0028, 0x1053),
  pixelData: t(0x7fe0, 0x0010),
};

/** Applies `one` to one slice of the input (chosen at random), keeping the others. */
function onOne(files: readonly FuzzFile[], r: Rng, one: (f: FuzzFile) => Mutation | undefined): Mutation | undefined {
  const k = r.int(files.length);
  const m = one(files[k]);
  if (!m) return undefined;
  const out = files.slice();
  out.splice(k, 1, ...m.files);
  return { files: out, detail: files.length > 1 ? `${files[k].name}: ${m.detail}` : m.detail };
}

function located(f: FuzzFile): LocatedFile | undefined {
  return locateElements(f.bytes);
}

/** Where the header ends (Pixel Data's tag), or the whole file when unknown. */
function headerEnd(f: FuzzFile): number {
  const at = located(f)?.spans.get('x7fe00010')?.headerStart;
  return at !== undefined && at > 0 ? at : f.bytes.length;
}

const byteFlip: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const out = f.bytes.slice();
    const n = 1 + r.int(r.chance(0.5) ? 4 : 64);
    const inHeader = r.chance(0.75);
    const end = inHeader ? Math.max(1, headerEnd(f)) : out.length;
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = r.int(end);
      at.push(p);
      out[p] = r.chance(0.5) ? out[p] ^ (1 << r.int(8)) : r.pick([0x00, 0xff, 0x7f, 0x80, r.int(256)]);
    }
    return { files: [{ name: f.name, bytes: out }], detail: `${n} byte(s) changed ${inHeader ? 'in the header' : 'anywhere'}, first at ${at[0]}` };
  });

const truncate: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const h = headerEnd(f);
    const at = r.chance(0.6) ? r.int(Math.max(1, h + 16)) : r.int(f.bytes.length);
    return { files: [{ name: f.name, bytes: f.bytes.slice(0, at) }], detail: `cut to ${at} of ${f.bytes.length} bytes` };
  });

const splices: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const len = f.bytes.length;
    const from = r.int(Math.max(1, headerEnd(f)));
    const n = 1 + r.int(r.chance(0.5) ? 16 : 4096);
    if (r.chance(0.5)) return { files: [{ name: f.name, bytes: splice(f.bytes, from, Math.min(len, from + n), new Uint8Array(0)) }], detail: `${n} bytes removed at ${from}` };
    const src = r.int(len);
    return { files: [{ name: f.name, bytes: splice(f.bytes, from, from, f.bytes.slice(src, src + n)) }], detail: `${n} bytes from ${src} inserted at ${from}` };
  });

const ABSURD_LENGTHS = [0xffffffff, 0xfffffffe, 0xfffffff0, 0x80000000, 0x7ffffff0, 0x7fffffff, 0x10000, 0xffff, 0xfffe, 1, 3, 0];

const absurdLength: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file) return undefined;
    const keys = [...file.spans.keys()];
    const key = r.chance(0.15) && file.spans.has('x7fe00010') ? 'x7fe00010' : r.pick(keys);
    const len = r.chance(0.8) ? r.pick(ABSURD_LENGTHS) : r.pick([f.bytes.length, f.bytes.length * 2 + 1, r.int(0x100000000)]);
    const bytes = setDeclaredLength(file, key, len);
    return bytes && { files: [{ name: f.name, bytes }], detail: `element ${key} declares length ${len}` };
  });

const SIZE_VALUES = [0, 1, 2, 3, 255, 511, 4096, 32768, 65535];
const imageSize: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file) return undefined;
    const which = r.pick([[TAGS.rows], [TAGS.columns], [TAGS.rows, TAGS.columns]] as TagPair[][]);
    let bytes: Uint8Array | undefined = f.bytes;
    const v = r.pick(SIZE_VALUES);
    for (const tag of which) {
      const again = locateElements(bytes);
      bytes = again && setUs(again, tag, v);
      if (!bytes) return undefined;
    }
    return { files: [{ name: f.name, bytes }], detail: `${which.map(tagKey).join('+')} = ${v}` };
  });

const BIT_VALUES = [0, 1, 7, 8, 12, 16, 17, 24, 32, 64, 255, 65535];
const pixelModule: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file) return undefined;
    const tag = r.pick([TAGS.bitsAllocated, TAGS.bitsAllocated, TAGS.bitsStored, TAGS.highBit, TAGS.pixelRepresentation, TAGS.samplesPerPixel]);
    const v = r.pick(BIT_VALUES);
    const bytes = setUs(file, tag, v);
    return bytes && { files: [{ name: f.name, bytes }], detail: `${tagKey(tag)} = ${v}` };
  });

const FRAME_VALUES = ['0', '-1', '1.5', '2', '3', '65537', '100000', '1e10', '2147483647', '2147483648', '4294967296', '100000000000', '99999999999999999999', 'abc', ' ', 'NaN'];
const numberOfFrames: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file) return undefined;
    const v = r.pick(FRAME_VALUES);
    return { files: [{ name: f.name, bytes: setElement(file, { tag: TAGS.numberOfFrames, vr: 'IS', value: v }) }], detail: `NumberOfFrames = "${v}"` };
  });

const GEOMETRY: [TagPair, string, string[]][] = [
  [TAGS.iop, 'ImageOrientationPatient', ['1\\0\\0\\0\\1', '1\\0\\0\\1\\0\\0', 'NaN\\0\\0\\0\\1\\0', '1\\0\\0\\0\\1\\0\\0', 'inf\\0\\0\\0\\1\\0', '', '2\\0\\0\\0\\2\\0', '0\\0\\0\\0\\0\\0', '1e308\\0\\0\\0\\1e308\\0', '0.7071\\0.7071\\0\\-0.7071\\0.7071\\0', '1\\0\\0\\0\\0\\1', 'a\\b\\c\\d\\e\\f']],
  [TAGS.ipp, 'ImagePositionPatient', ['1\\2', '', 'NaN\\0\\0', '1e308\\1e308\\1e308', '0\\0\\0\\0', '-inf\\0\\0', 'x']],
  [TAGS.pixelSpacing, 'PixelSpacing', ['0\\0', '-1\\-1', '', '1', 'NaN\\1', '1e308\\1e308', '1e-300\\1e-300', '0.5\\0', '1\\1\\1', 'inf\\inf']],
  [TAGS.sliceThickness, 'SliceThickness', ['-1', '0', 'NaN', '1e308', '']],
  [TAGS.spacingBetweenSlices, 'SpacingBetweenSlices', ['-1', '0', 'NaN', '1e308']],
  [TAGS.rescaleSlope, 'RescaleSlope', ['0', 'NaN', '1e308', '-1e308', 'inf', '', '1\\2']],
  [TAGS.rescaleIntercept, 'RescaleIntercept', ['NaN', '1e308', '-inf', '']],
];

/** Geometry and rescale attributes with wrong multiplicity or values, on one slice or on all. */
const geometry: Mutator = (files, r) => {
  const [tag, name, vals] = r.pick(GEOMETRY);
  const value = r.pick(vals);
  const all = files.length > 1 && r.chance(0.5);
  const apply = (f: FuzzFile): Mutation | undefined => {
    const file = located(f);
    if (!file) return undefined;
    return { files: [{ name: f.name, bytes: setElement(file, { tag, vr: 'DS', value }) }], detail: `${name} = "${value}"` };
  };
  if (!all) return onOne(files, r, apply);
  const out: FuzzFile[] = [];
  for (const f of files) {
    const m = apply(f);
    if (!m) return undefined;
    out.push(...m.files);
  }
  return { files: out, detail: `every slice: ${name} = "${value}"` };
};

/** A different Transfer Syntax UID in the file meta (the data stay as they were). */
const transferSyntax: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file) return undefined;
    const uid = r.pick([IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE, '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.201', '1.2.3.4.5', '']);
    return { files: [{ name: f.name, bytes: withMeta(file, uid) }], detail: `Transfer Syntax UID set to "${uid}"` };
  });

/** The file with a new Transfer Syntax UID and a recomputed File Meta Information Group Length. */
function withMeta(file: LocatedFile, uid: string, body?: Uint8Array): Uint8Array {
  const start = dataSetStart(file);
  const rest = body ?? file.bytes.subarray(start);
  const b = file.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // The meta group is explicit VR little endian (PS3.10 7.1): re-encode it element by element.
  const parts: Uint8Array[] = [];
  let pos = 132;
  while (pos + 8 <= start) {
    const group = dv.getUint16(pos, true);
    const element = dv.getUint16(pos + 2, true);
    const vr = String.fromCharCode(b[pos + 4], b[pos + 5]);
    const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
    const len = long ? dv.getUint32(pos + 8, true) : dv.getUint16(pos + 6, true);
    const head = long ? 12 : 8;
    if (group !== 0x0002) break;
    if (element === 0x0010) parts.push(encodeElement({ tag: TAGS.transferSyntax, vr: 'UI', value: uid }, true));
    else if (element !== 0x0000) parts.push(b.subarray(pos, pos + head + len));
    pos += head + len;
  }
  const metaBody = concat(parts);
  const gl = new Uint8Array(4);
  new DataView(gl.buffer).setUint32(0, metaBody.length, true);
  return concat([b.subarray(0, 132), encodeElement({ tag: [0x0002, 0x0000], vr: 'UL', value: gl }, true), metaBody, rest]);
}

const ITEM = 0xe000;
const ITEM_DELIM = 0xe00d;
const SEQ_DELIM = 0xe0dd;
function itemHeader(el: number, len: number): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, 0xfffe, true);
  dv.setUint16(2, el, true);
  dv.setUint32(4, len >>> 0, true);
  return b;
}

interface Fragments {
  file: LocatedFile;
  /** Offset of Pixel Data's first item (the Basic Offset Table). */
  itemsStart: number;
  items: { at: number; length: number }[];
  /** Offset of the sequence delimiter, when found. */
  delimiterAt?: number;
}

function fragmentsOf(f: FuzzFile): Fragments | undefined {
  const file = locateElements(f.bytes);
  const px = file?.spans.get('x7fe00010');
  if (!file || !px || px.length !== 0xffffffff) return undefined;
  const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const items: { at: number; length: number }[] = [];
  let at = px.valueStart;
  while (at + 8 <= f.bytes.length) {
    const g = dv.getUint16(at, true);
    const e = dv.getUint16(at + 2, true);
    const len = dv.getUint32(at + 4, true);
    if (g !== 0xfffe) break;
    if (e === SEQ_DELIM) return { file, itemsStart: px.valueStart, items, delimiterAt: at };
    if (e !== ITEM || len === 0xffffffff) break;
    items.push({ at, length: len });
    at += 8 + len;
  }
  return { file, itemsStart: px.valueStart, items };
}

/** Damage to encapsulated Pixel Data: fragment lengths, item tags, the offset table, the delimiter. */
const fragments: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const fr = fragmentsOf(f);
    if (!fr || fr.items.length === 0) return undefined;
    const bytes = f.bytes;
    const kind = r.int(7);
    const dvOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
    switch (kind) {
      case 0: {
        const k = r.int(fr.items.length);
        const len = r.pick(ABSURD_LENGTHS);
        const out = bytes.slice();
        dvOf(out).setUint32(fr.items[k].at + 4, len, true);
        return { files: [{ name: f.name, bytes: out }], detail: `fragment item ${k} declares ${len} bytes` };
      }
      case 1: {
        const k = r.int(fr.items.length);
        const out = bytes.slice();
        dvOf(out).setUint16(fr.items[k].at + 2, r.pick([0xe00d, 0xe0dd, 0x0000, 0x1234]), true);
        return { files: [{ name: f.name, bytes: out }], detail: `fragment item ${k} tag damaged` };
      }
      case 2: {
        // A Basic Offset Table full of offsets that point anywhere.
        const n = 1 + r.int(64);
        const table = new Uint8Array(4 * n);
        for (let i = 0; i < n; i++) dvOf(table).setUint32(4 * i, r.chance(0.5) ? r.int(0x100000000) : i * 7, true);
        const first = fr.items[0];
        const out = splice(bytes, first.at, first.at + 8 + first.length, concat([itemHeader(ITEM, table.length), table]));
        return { files: [{ name: f.name, bytes: out }], detail: `Basic Offset Table of ${n} wild offsets` };
      }
      case 3: {
        if (fr.delimiterAt === undefined) return undefined;
        return { files: [{ name: f.name, bytes: bytes.slice(0, fr.delimiterAt) }], detail: 'sequence delimiter removed (file ends in the fragments)' };
      }
      case 4: {
        // The frame's data cut into many tiny fragments (fragment-count bounds).
        const last = fr.items[fr.items.length - 1];
        const start = fr.items.length > 1 ? fr.items[1].at : last.at;
        const data = bytes.subarray(start + 8, last.at + 8 + last.length);
        const size = r.pick([2, 4, 16]);
        const n = Math.min(Math.ceil(data.length / size), r.pick([1000, 50000, 200000]));
        const parts: Uint8Array[] = [];
        for (let i = 0; i < n; i++) {
          const piece = data.subarray(i * size, Math.min(data.length, (i + 1) * size));
          const even = piece.length % 2 ? concat([piece, new Uint8Array(1)]) : piece;
          parts.push(itemHeader(ITEM, even.length), even);
        }
        const end = fr.delimiterAt ?? last.at + 8 + last.length;
        const out = splice(bytes, start, end, concat(parts));
        return { files: [{ name: f.name, bytes: out }], detail: `pixel data split into ${n} fragments of ${size} bytes` };
      }
      case 5: {
        // Thousands of empty fragments after the real ones.
        const n = r.pick([1000, 100000]);
        const empties = new Uint8Array(8 * n);
        for (let i = 0; i < n; i++) empties.set(itemHeader(ITEM, 0), 8 * i);
        const at = fr.delimiterAt ?? bytes.length;
        return { files: [{ name: f.name, bytes: splice(bytes, at, at, empties) }], detail: `${n} empty fragments appended` };
      }
      default: {
        // Compressed bytes damaged inside one fragment.
        const k = fr.items.length > 1 ? 1 + r.int(fr.items.length - 1) : 0;
        const it = fr.items[k];
        if (it.length === 0) return undefined;
        const out = bytes.slice();
        const n = 1 + r.int(32);
        for (let i = 0; i < n; i++) out[it.at + 8 + r.int(it.length)] = r.int(256);
        if (r.chance(0.3)) out.fill(0, it.at + 8 + (it.length >> 1), it.at + 8 + it.length);
        return { files: [{ name: f.name, bytes: out }], detail: `${n} byte(s) of fragment ${k} damaged` };
      }
    }
  });

/** Nested sequences of undefined length, `depth` deep (recursion bounds of the parser). */
function nestedSequence(depth: number, explicit: boolean): Uint8Array {
  const open: Uint8Array[] = [];
  const inner = encodeElement({ tag: [0x0008, 0x1150], vr: 'UI', value: '1.2.3' }, explicit);
  const head = (): Uint8Array => encodeElement({ tag: [0x0008, 0x1140], vr: 'SQ', value: new Uint8Array(0), declaredLength: 0xffffffff }, explicit);
  for (let i = 0; i < depth; i++) open.push(i === 0 ? new Uint8Array(0) : head(), itemHeader(ITEM, 0xffffffff));
  const close: Uint8Array[] = [];
  for (let i = 0; i < depth; i++) close.push(itemHeader(ITEM_DELIM, 0), itemHeader(SEQ_DELIM, 0));
  return concat([...open, inner, ...close]);
}

const deepSequence: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file) return undefined;
    const depth = r.pick([10, 1000, 20000, 200000]);
    const value = nestedSequence(depth, file.explicit);
    const bytes = setElement(file, { tag: [0x0008, 0x1140], vr: 'SQ', value, declaredLength: 0xffffffff });
    return { files: [{ name: f.name, bytes }], detail: `sequence nested ${depth} deep` };
  });

const manyElements: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file) return undefined;
    const n = r.pick([10000, 300000]);
    const one = (k: number): Uint8Array => encodeElement({ tag: [0x0009, 0x1000 + (k % 0xefff)], vr: 'LO', value: 'x' }, file.explicit);
    const parts: Uint8Array[] = [];
    for (let k = 0; k < n; k++) parts.push(one(k));
    const block = concat(parts);
    const modality = file.spans.get(tagKey(TAGS.modality));
    const at = modality ? modality.end : dataSetStart(file);
    return { files: [{ name: f.name, bytes: splice(f.bytes, at, at, block) }], detail: `${n} private elements inserted` };
  });

const removeAttr: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file) return undefined;
    const tag = r.pick([TAGS.rows, TAGS.columns, TAGS.bitsAllocated, TAGS.pixelSpacing, TAGS.iop, TAGS.ipp, TAGS.pixelData, TAGS.transferSyntax, TAGS.samplesPerPixel, TAGS.rescaleSlope]);
    return { files: [{ name: f.name, bytes: removeElement(file, tag) }], detail: `${tagKey(tag)} removed` };
  });

/** Raw deflate of `body` (PS3.5 A.5: no zlib header). */
function deflateRaw(body: Uint8Array): Uint8Array {
  return deflateSync(body, { level: 6 });
}

/** A little-endian explicit file re-encoded with a deflated data set, its deflated bytes then damaged. */
const deflateCorrupt: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const file = located(f);
    if (!file || !file.explicit) return undefined;
    const body = deflateRaw(f.bytes.subarray(dataSetStart(file)));
    const out = withMeta(file, DEFLATED_LE, body);
    const start = out.length - body.length;
    if (r.chance(0.4)) {
      const at = start + r.int(body.length);
      return { files: [{ name: f.name, bytes: out.slice(0, at) }], detail: `deflated, cut at ${at} of ${out.length}` };
    }
    const n = 1 + r.int(8);
    for (let i = 0; i < n; i++) out[start + r.int(Math.min(body.length, 4096))] = r.int(256);
    return { files: [{ name: f.name, bytes: out }], detail: `deflated, ${n} compressed byte(s) damaged` };
  });

const bombCache = new Map<string, Uint8Array>();

/**
 * A Deflated Explicit VR Little Endian file whose data set is the header of `f` followed by Pixel Data
 * of `zeroBytes` zeros (and, past 4 GiB, a trailing element), deflated at about 1000:1. The zeros are
 * deflated once per MiB and that block repeated (deflate blocks decode alone after a sync flush).
 */
export function deflateBomb(f: FuzzFile, zeroBytes: number): Uint8Array | undefined {
  const key = `${f.name}:${f.bytes.length}:${zeroBytes}`;
  const hit = bombCache.get(key);
  if (hit) return hit;
  const file = located(f);
  const px = file?.spans.get('x7fe00010');
  if (!file || !px || !file.explicit) return undefined;
  const header = f.bytes.subarray(dataSetStart(file), px.headerStart);
  const capped = Math.min(zeroBytes, 0xfffffffe);
  const pixelLength = capped - (capped % 2);
  const pixelHeader = encodeElement({ tag: TAGS.pixelData, vr: 'OW', value: new Uint8Array(0), declaredLength: pixelLength }, true);
  const chunks: Uint8Array[] = [];
  const d = new Deflate({ level: 6 }, (c) => chunks.push(c));
  const UNIT = 2 ** 20;
  const zeros = new Uint8Array(UNIT);
  d.push(header);
  d.push(pixelHeader);
  d.push(zeros);
  d.flush(true);
  const prefix = concat(chunks.splice(0));
  d.push(zeros);
  d.flush(true);
  const unit = concat(chunks.splice(0));
  const units = Math.max(0, Math.floor(pixelLength / UNIT) - 1);
  const tail = pixelLength - UNIT * (units + 1);
  d.push(zeros.subarray(0, Math.max(0, tail)), true);
  const end = concat(chunks.splice(0));
  const body = new Uint8Array(prefix.length + unit.length * units + end.length);
  body.set(prefix, 0);
  for (let i = 0; i < units; i++) body.set(unit, prefix.length + i * unit.length);
  body.set(end, prefix.length + units * unit.length);
  const out = withMeta(file, DEFLATED_LE, body);
  if (bombCache.size > 16) bombCache.clear();
  bombCache.set(key, out);
  return out;
}

const BOMB_SIZES = [80 * 2 ** 20, 300 * 2 ** 20, 2 ** 30 + 2, 4 * 2 ** 30 - 2];
const deflateBombMutator: Mutator = (files, r) =>
  onOne(files, r, (f) => {
    const size = r.pick(BOMB_SIZES);
    const bytes = deflateBomb(f, size);
    return bytes && { files: [{ name: f.name, bytes }], detail: `deflate bomb: ${bytes.length} bytes inflating to ${size} bytes of pixel data` };
  });

/** Series-level damage: a slice duplicated, two slices at one position, one slice of another size. */
const seriesDamage: Mutator = (files, r) => {
  if (files.length < 2) return undefined;
  const kind = r.int(3);
  const k = r.int(files.length);
  if (kind === 0) return { files: [...files, { name: `dup-${files[k].name}`, bytes: files[k].bytes }], detail: `${files[k].name} present twice` };
  const file = located(files[k]);
  const other = located(files[(k + 1) % files.length]);
  if (!file || !other) return undefined;
  const out = files.slice();
  if (kind === 1) {
    const ipp = other.dataSet.string('x00200032') ?? '0\\0\\0';
    out[k] = { name: files[k].name, bytes: setElement(file, { tag: TAGS.ipp, vr: 'DS', value: ipp }) };
    return { files: out, detail: `${files[k].name} moved onto the position of its neighbour` };
  }
  const cols = setUs(file, TAGS.columns, r.pick([1, 2, 8]));
  if (!cols) return undefined;
  out[k] = { name: files[k].name, bytes: cols };
  return { files: out, detail: `${files[k].name} has other Columns` };
};

/** Every mutator by name; the harness picks among them with these weights. */
export const MUTATORS: { name: string; weight: number; fn: Mutator }[] = [
  { name: 'byte-flip', weight: 14, fn: byteFlip },
  { name: 'truncate', weight: 8, fn: truncate },
  { name: 'splice', weight: 5, fn: splices },
  { name: 'absurd-length', weight: 10, fn: absurdLength },
  { name: 'image-size', weight: 7, fn: imageSize },
  { name: 'pixel-module', weight: 7, fn: pixelModule },
  { name: 'number-of-frames', weight: 8, fn: numberOfFrames },
  { name: 'geometry', weight: 10, fn: geometry },
  { name: 'transfer-syntax', weight: 5, fn: transferSyntax },
  { name: 'fragments', weight: 8, fn: fragments },
  { name: 'deep-sequence', weight: 2, fn: deepSequence },
  { name: 'many-elements', weight: 2, fn: manyElements },
  { name: 'remove-attribute', weight: 4, fn: removeAttr },
  { name: 'deflate-corrupt', weight: 4, fn: deflateCorrupt },
  { name: 'deflate-bomb', weight: 2, fn: deflateBombMutator },
  { name: 'series', weight: 3, fn: seriesDamage },
];

export function mutatorByName(name: string): Mutator | undefined {
  return MUTATORS.find((m) => m.name === name)?.fn;
}

/** A mutator chosen by weight. */
export function pickMutator(r: Rng, allowed?: readonly string[]): { name: string; fn: Mutator } {
  const pool = allowed ? MUTATORS.filter((m) => allowed.includes(m.name)) : MUTATORS;
  const total = pool.reduce((s, m) => s + m.weight, 0);
  let x = r.next() * total;
  for (const m of pool) {
    x -= m.weight;
    if (x < 0) return m;
  }
  return pool[pool.length - 1];
}

/** A seed input: one file, or the slices of one small series (loaded as a folder). */
export interface FuzzSeed {
  name: string;
  files: FuzzFile[];
}

export interface FuzzInput {
  index: number;
  seed: string;
  mutator: string;
  detail: string;
  files: FuzzFile[];
  /** True when the input is a folder of files (a series), false for one file. */
  folder: boolean;
}

/**
 * Input `index` of a run: its seed input and mutator(s) chosen from inputSeed(runSeed, index); one
 * mutation, sometimes two stacked. Deterministic for (runSeed, index, seeds).
 */
export function makeInput(runSeed: number, index: number, seeds: readonly FuzzSeed[], allowed?: readonly string[]): FuzzInput {
  const r = createRng(inputSeed(runSeed, index));
  const seed = seeds[r.int(seeds.length)];
  let files: FuzzFile[] = seed.files;
  const names: string[] = [];
  const details: string[] = [];
  const rounds = r.chance(0.15) ? 2 : 1;
  for (let round = 0; round < rounds; round++) {
    for (let attempt = 0; attempt < 8; attempt++) {
      const m = pickMutator(r, allowed);
      const out = m.fn(files, r);
      if (out) {
        files = out.files;
        names.push(m.name);
        details.push(out.detail);
        break;
      }
    }
  }
  if (names.length === 0) {
    const out = byteFlip(files, r) as Mutation;
    files = out.files;
    names.push('byte-flip');
    details.push(out.detail);
  }
  return { index, seed: seed.name, mutator: names.join('+'), detail: details.join('; '), files, folder: seed.files.length > 1 };
}
