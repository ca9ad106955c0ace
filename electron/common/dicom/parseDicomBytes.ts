import dicomParser, { type DataSet } from 'dicom-parser';
import { Inflate } from 'fflate';
import { OpalError, isOpalError } from '../errors/index.ts';
import { TransferSyntax } from './pixels/frames.ts';
import { MEDIA_STORAGE_DIRECTORY_SOP_CLASS, Tag } from './tags.ts';
import { DEFLATE_RATIO_CHECK_BYTES, MAX_DEFLATE_RATIO, MAX_TOP_LEVEL_ELEMENTS, inflatedByteLimit } from './limits.ts';
import { countTopLevelElements } from './countTopLevelElements.ts';

export interface ParsedDicom {
  dataSet: DataSet;
  /** The syntax of the data set (guessed when the file has no file meta). */
  transferSyntaxUid: string;
  /** False for files without the 128-byte preamble, `DICM` and file meta (PS3.10 7.1). */
  hasFileMeta: boolean;
  /** Things a user should know about how the file was read (e.g. a guessed transfer syntax). */
  notes: string[];
  /** True when parsing stopped at Pixel Data (header-only read). */
  headerOnly: boolean;
  /**
   * Where the parsed data set starts in the input: element offsets count from here (0 unless the
   * data set after the file meta was parsed on its own). For a deflated file they count in the
   * inflated data set (`dataSet.byteArray`), not in the file.
   */
  dataSetOffset: number;
}

export interface ParseDicomOptions {
  /** Stop at Pixel Data (7FE0,0010): reads only the header. */
  headerOnly?: boolean;
  /** Shown in error details (a file path). */
  source?: string;
}

const PIXEL_DATA = Tag.PixelData;
const VRS = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'PN',
  'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
]);

function hasPart10Prefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * Guesses the transfer syntax of a data set that starts at byte 0 with no file meta (PS3.10 allows
 * none; old archives write such files). The first element must be a plausible group 0008/0002
 * element; an explicit VR is two upper-case letters after the tag. Returns undefined when the
 * bytes do not look like a DICOM data set at all.
 */
export function guessRawTransferSyntax(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  const groupLe = bytes[0] | (bytes[1] << 8);
  const groupBe = (bytes[0] << 8) | bytes[1];
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  const explicit = VRS.has(vr);
  const plausible = (g: number): boolean => g === 0x0008 || g === 0x0002 || g === 0x0005;
  if (plausible(groupLe)) return explicit ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;
  if (plausible(groupBe) && explicit) return TransferSyntax.ExplicitVRBigEndian;
  return undefined;
}

/** Inflated bytes produced per step: the running size check runs at least this often. */
const INFLATE_INPUT_CHUNK = 16 * 1024;

/**
 * Inflates a deflated data set (PS3.5 A.5, raw deflate) in steps, refusing with E_TOO_LARGE as soon
 * as the output passes inflatedByteLimit: a deflate bomb is stopped while inflating, never after.
 */
export function inflateBounded(body: Uint8Array, source?: string): Uint8Array {
  const limit = inflatedByteLimit(body.length);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let consumed = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > limit) {
      throw new OpalError('E_TOO_LARGE', `The deflated data set (${body.length} bytes) inflates to more than ${limit} bytes, OPAL's limit for a file of this size; it was not read further.`, source);
    }
    if (total > DEFLATE_RATIO_CHECK_BYTES && total > MAX_DEFLATE_RATIO * consumed) {
      throw new OpalError('E_TOO_LARGE', `The deflated data set inflates more than ${MAX_DEFLATE_RATIO} times (${total} bytes from the first ${consumed} of ${body.length} compressed bytes): a deflate bomb, not an image; it was not read further.`, source);
    }
    chunks.push(chunk);
  });
  // Small steps first (a bomb shows itself within its first kilobytes), then larger ones.
  for (let at = 0, step = 1024; at < body.length; at += step, step = Math.min(INFLATE_INPUT_CHUNK, step * 2)) {
    consumed = Math.min(body.length, at + step);
    inflater.push(body.subarray(at, consumed), consumed >= body.length);
  }
  if (body.length === 0) inflater.push(body, true);
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function describeParserError(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'exception' in e) return describeParserError((e as { exception: unknown }).exception);
  return String(e);
}

function isOverrun(message: string): boolean {
  return /maxP ?osition|overr(un|ead)|beyond|end of (buffer|stream)|past the end|exceeds|RangeError|Offset is outside/i.test(message);
}

/** Byte offset where the data set starts after the file meta group (PS3.10 7.1). */
function fileMetaEnd(bytes: Uint8Array): number {
  // The meta group is explicit VR little endian; walk its elements until the group changes.
  let pos = 132;
  while (pos + 8 <= bytes.length) {
    const group = bytes[pos] | (bytes[pos + 1] << 8);
    if (group !== 0x0002) break;
    const vr = String.fromCharCode(bytes[pos + 4], bytes[pos + 5]);
    if (['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV', 'SV', 'UV'].includes(vr)) {
      if (pos + 12 > bytes.length) break;
      const len = (bytes[pos + 8] | (bytes[pos + 9] << 8) | (bytes[pos + 10] << 16) | (bytes[pos + 11] << 24)) >>> 0;
      pos += 12 + len;
    } else {
      pos += 8 + (bytes[pos + 6] | (bytes[pos + 7] << 8));
    }
  }
  return pos;
}

function readMeta(bytes: Uint8Array): { ts?: string; sopClass?: string } {
  const meta = dicomParser.readPart10Header(bytes);
  const clean = (v: string | undefined): string | undefined => (v ? v.replace(/\0/g, '').trim() || undefined : undefined);
  return { ts: clean(meta.string(Tag.TransferSyntaxUID)), sopClass: clean(meta.string(Tag.MediaStorageSOPClassUID)) };
}

/** Refuses a data set of more than MAX_TOP_LEVEL_ELEMENTS elements before the parser spends seconds on it. */
function checkElementCount(bytes: Uint8Array, start: number, transferSyntaxUid: string, source?: string): void {
  const explicit = transferSyntaxUid !== TransferSyntax.ImplicitVRLittleEndian;
  const littleEndian = transferSyntaxUid !== TransferSyntax.ExplicitVRBigEndian;
  const n = countTopLevelElements(bytes, start, explicit, littleEndian, MAX_TOP_LEVEL_ELEMENTS);
  if (n > MAX_TOP_LEVEL_ELEMENTS) {
    throw new OpalError('E_TOO_LARGE', `The header holds more than ${MAX_TOP_LEVEL_ELEMENTS} data elements (a CT header has a few hundred); OPAL does not read it.`, source);
  }
}

function parseRaw(bytes: Uint8Array, transferSyntaxUid: string, headerOnly: boolean, source?: string): DataSet {
  checkElementCount(bytes, 0, transferSyntaxUid, source);
  return dicomParser.parseDicom(bytes, {
    TransferSyntaxUID: transferSyntaxUid,
    ...(headerOnly ? { untilTag: PIXEL_DATA } : {}),
  });
}

/**
 * Parses DICOM bytes with dicom-parser and answers with a coded OpalError when it cannot:
 * E_NOT_DICOM (no DICOM structure), E_TRUNCATED (the data end early). Handles files without
 * preamble/file meta (transfer syntax guessed, noted), file meta without a Transfer Syntax UID
 * (guessed, noted) and the Deflated syntax (inflated with fflate after the file meta, PS3.5 A.5).
 */
export function parseDicomBytes(bytes: Uint8Array, options: ParseDicomOptions = {}): ParsedDicom {
  const parsed = parseUnchecked(bytes, options);
  checkElementBounds(parsed.dataSet, options.source);
  return parsed;
}

const PIXEL_TAGS = new Set<string>([Tag.PixelData, Tag.FloatPixelData, Tag.DoubleFloatPixelData]);

/**
 * dicom-parser accepts an element whose length runs past the end of the data (the last one it
 * reads) and fails only when its value is read; such a file is E_TRUNCATED here, naming the
 * element. Pixel Data is left to the pixel checks, which say how many bytes are missing.
 */
function checkElementBounds(dataSet: DataSet, source: string | undefined, depth = 0): void {
  const end = dataSet.byteArray.length;
  for (const [tag, el] of Object.entries(dataSet.elements)) {
    if (el.items) {
      if (depth < 32) for (const item of el.items) if (item.dataSet) checkElementBounds(item.dataSet, source, depth + 1);
      continue;
    }
    if (el.length === 0xffffffff || PIXEL_TAGS.has(tag)) continue;
    if (el.dataOffset + el.length > end) {
      const name = `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`;
      throw new OpalError('E_TRUNCATED', `Element ${name} declares ${el.length} bytes at offset ${el.dataOffset}, but the data end at ${end}: the file is truncated or damaged.`, source);
    }
  }
}

function parseUnchecked(bytes: Uint8Array, options: ParseDicomOptions): ParsedDicom {
  const headerOnly = options.headerOnly ?? false;
  const notes: string[] = [];
  const fail = (code: 'E_NOT_DICOM' | 'E_TRUNCATED', message: string): OpalError => new OpalError(code, message, options.source);

  if (!hasPart10Prefix(bytes)) {
    const guessed = guessRawTransferSyntax(bytes);
    if (!guessed) throw fail('E_NOT_DICOM', 'Not a DICOM file: no "DICM" marker at byte 128 and no recognisable data set at the start.');
    notes.push(`The file has no DICOM preamble or file meta information; read it as ${guessed === TransferSyntax.ExplicitVRBigEndian ? 'Explicit VR Big Endian' : guessed === TransferSyntax.ExplicitVRLittleEndian ? 'Explicit VR Little Endian' : 'Implicit VR Little Endian'} (${guessed}) by inspection.`);
    try {
      const dataSet = parseRaw(bytes, guessed, headerOnly, options.source);
      return { dataSet, transferSyntaxUid: guessed, hasFileMeta: false, notes, headerOnly, dataSetOffset: 0 };
    } catch (e) {
      if (isOpalError(e)) throw e;
      const msg = describeParserError(e);
      throw fail(isOverrun(msg) ? 'E_TRUNCATED' : 'E_NOT_DICOM', `The file has no DICOM file meta and could not be read as a raw data set (${msg}).`);
    }
  }

  let metaTs: string | undefined;
  let sopClass: string | undefined;
  try {
    ({ ts: metaTs, sopClass } = readMeta(bytes));
  } catch (e) {
    const msg = describeParserError(e);
    throw fail(isOverrun(msg) ? 'E_TRUNCATED' : 'E_NOT_DICOM', `The DICOM file meta information could not be read (${msg}).`);
  }

  if (!metaTs || metaTs === TransferSyntax.DeflatedExplicitVRLittleEndian) {
    // Parse the data set after the meta group ourselves: either inflated (deflate), or with a
    // guessed syntax when the meta does not name one.
    const start = fileMetaEnd(bytes);
    let body = bytes.subarray(start);
    let ts = metaTs;
    if (metaTs === TransferSyntax.DeflatedExplicitVRLittleEndian) {
      try {
        body = inflateBounded(body, options.source);
      } catch (e) {
        if (isOpalError(e)) throw e;
        throw fail('E_TRUNCATED', `The deflated data set could not be inflated (${describeParserError(e)}).`);
      }
      ts = TransferSyntax.ExplicitVRLittleEndian;
    } else {
      // PS3.5 10.1: Implicit VR Little Endian is the default syntax when none is named.
      const vr = body.length >= 6 ? String.fromCharCode(body[4], body[5]) : '';
      ts = guessRawTransferSyntax(body) ?? (VRS.has(vr) ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian);
      notes.push(`The file meta has no Transfer Syntax UID (0002,0010); read the data set as ${ts} by inspection.`);
    }
    try {
      const dataSet = parseRaw(body, ts, headerOnly, options.source);
      return { dataSet, transferSyntaxUid: metaTs ?? ts, hasFileMeta: true, notes, headerOnly, dataSetOffset: start };
    } catch (e) {
      if (isOpalError(e)) throw e;
      const msg = describeParserError(e);
      throw fail(isOverrun(msg) ? 'E_TRUNCATED' : 'E_NOT_DICOM', `The data set could not be read (${msg}).`);
    }
  }

  try {
    checkElementCount(bytes, fileMetaEnd(bytes), metaTs, options.source);
    const dataSet = dicomParser.parseDicom(bytes, headerOnly ? { untilTag: PIXEL_DATA } : {});
    return { dataSet, transferSyntaxUid: metaTs, hasFileMeta: true, notes, headerOnly, dataSetOffset: 0 };
  } catch (e) {
    if (isOpalError(e)) throw e;
    const msg = describeParserError(e);
    if (isOverrun(msg) && sopClass === MEDIA_STORAGE_DIRECTORY_SOP_CLASS) {
      // Some DICOMDIR writers drop elements without fixing the enclosing lengths; the records are
      // still readable when the declared length is allowed to run past the end (zero padding).
      const padded = new Uint8Array(bytes.length + 4096);
      padded.set(bytes);
      try {
        const dataSet = dicomParser.parseDicom(padded, {});
        notes.push('The DICOMDIR declares more bytes than it holds; its records were read leniently.');
        return { dataSet, transferSyntaxUid: metaTs, hasFileMeta: true, notes, headerOnly, dataSetOffset: 0 };
      } catch {
        // fall through to the coded error below
      }
    }
    throw fail(isOverrun(msg) ? 'E_TRUNCATED' : 'E_NOT_DICOM', `The DICOM data set could not be read (${msg}).`);
  }
}
