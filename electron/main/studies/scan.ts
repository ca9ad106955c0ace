import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OpalError, toOpalError, type ErrorCode } from '../../common/errors/index.ts';
import { isDicomdir, readDirectoryRecords } from '../../common/dicom/dicomdir.ts';
import { parseDicomBytes } from '../../common/dicom/parseDicomBytes.ts';
import { readFrameHeaders, type FrameHeader } from '../../common/dicom/readFrameHeaders.ts';
import { planSeries, splitSeries, type SeriesGeometry, type VolumeWarning } from '../../common/dicom/series.ts';
import { TransferSyntax } from '../../common/dicom/pixels/frames.ts';
import { Tag } from '../../common/dicom/tags.ts';
import type { Mat3, Vec3 } from '../../common/volume/index.ts';
import { readDicomHeader, readWholeFile } from './readDicomHeader.ts';

export interface SkippedFile {
  path: string;
  code: ErrorCode;
  message: string;
}

export interface ScanProgress {
  phase: 'listing' | 'reading';
  /** Files looked at so far (reading) or found so far (listing). */
  done: number;
  total: number;
}

export interface ScanOptions {
  onProgress?: (p: ScanProgress) => void;
  signal?: AbortSignal;
  /** Files read at once (default 16). */
  concurrency?: number;
}

/** Size and modification time at scan time: loading refuses a file that changed since. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  /**
   * Where uncompressed little-endian Pixel Data sits in the file (byte offset and length), so that
   * loading an unchanged file reads just those bytes without parsing it again.
   */
  nativePixelData?: { offset: number; length: number };
}

/** What `opal info --json` prints for a series (stable: fields may be added, never renamed). */
export interface SeriesSummary {
  seriesInstanceUid: string;
  /** seriesInstanceUid, or seriesInstanceUid#n when a series was split by geometry. */
  seriesKey: string;
  studyInstanceUid?: string;
  modality?: string;
  description?: string;
  seriesNumber?: number;
  convolutionKernel?: string;
  dims: Vec3;
  spacingMm: Vec3;
  originMm: Vec3;
  direction: Mat3;
  sliceThicknessMm?: number;
  gantryTiltDeg: number;
  transferSyntaxUids: string[];
  fileCount: number;
  frameCount: number;
  /** True when the series can be loaded as a volume (no refusal such as gantry tilt or duplicates). */
  loadable: boolean;
  warnings: VolumeWarning[];
}

export interface ScannedSeries {
  summary: SeriesSummary;
  frames: FrameHeader[];
  geometry: SeriesGeometry;
  stamps: Map<string, FileStamp>;
}

export interface ScanResult {
  root: string;
  series: ScannedSeries[];
  skipped: SkippedFile[];
  /** Files looked at. */
  fileCount: number;
  /** Notes about how files were read (guessed syntaxes, lenient DICOMDIR), per file. */
  notes: { path: string; message: string }[];
}

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new OpalError('E_CANCELLED', 'The scan was cancelled.');
}

/** Why a folder entry that is neither a folder nor a regular file is not read. */
function describeOther(e: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  const kind = e.isFIFO() ? 'a named pipe' : e.isSocket() ? 'a socket' : e.isCharacterDevice() || e.isBlockDevice() ? 'a device' : 'a special file';
  return `Not a regular file (${kind}); it was not read.`;
}

/**
 * The regular files under root (recursively), and every other entry with the reason it is not
 * read: a FIFO or device would block or never end. A symbolic link to a regular file is read; a
 * link to a folder is listed and not followed (no loops), a broken link is listed.
 */
async function listFiles(root: string, opts: ScanOptions): Promise<{ files: string[]; skipped: SkippedFile[] }> {
  const out: string[] = [];
  const skipped: SkippedFile[] = [];
  const stack = [root];
  while (stack.length > 0) {
    checkAborted(opts.signal);
    const dir = stack.pop() as string;
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        const target = await stat(p).catch((err: NodeJS.ErrnoException) => err);
        if (target instanceof Error) skipped.push({ path: p, code: target.code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_UNREADABLE', message: `Symbolic link that leads nowhere readable (${target.code ?? target.message}).` });
        else if (target.isFile()) out.push(p);
        else if (target.isDirectory()) skipped.push({ path: p, code: 'E_UNREADABLE', message: 'Symbolic link to a folder; not followed (open its target to scan it).' });
        else skipped.push({ path: p, code: 'E_UNREADABLE', message: describeOther(target) });
      } else skipped.push({ path: p, code: 'E_UNREADABLE', message: describeOther(e) });
    }
    opts.onProgress?.({ phase: 'listing', done: out.length, total: 0 });
  }
  return { files: out.sort(), skipped };
}

/** Bytes of native pixel data a header implies (PS3.5 8.1.1), or undefined for encapsulated data. */
function expectedNativeBytes(f: FrameHeader): number | undefined {
  const ts = f.transferSyntaxUid;
  const native = ts === TransferSyntax.ImplicitVRLittleEndian || ts === TransferSyntax.ExplicitVRLittleEndian || ts === TransferSyntax.ExplicitVRBigEndian || ts === TransferSyntax.DeflatedExplicitVRLittleEndian;
  if (!native) return undefined;
  const bits = f.rows * f.columns * f.samplesPerPixel * f.frameCount * f.bitsAllocated;
  return Math.ceil(bits / 8);
}

const KNOWN_SYNTAXES = new Set<string>(Object.values(TransferSyntax));

interface FileOutcome {
  frames?: FrameHeader[];
  stamp?: FileStamp;
  skipped?: SkippedFile;
  notes: string[];
  dicomdirOf?: string[];
}

async function scanFile(path: string, insideFolder: boolean): Promise<FileOutcome> {
  try {
    let read;
    try {
      read = await readDicomHeader(path);
    } catch (e) {
      const errno = (e as NodeJS.ErrnoException).code;
      if (errno === 'ENOENT') return { skipped: { path, code: 'E_NOT_FOUND', message: 'File not found.' }, notes: [] };
      if (errno === 'EACCES' || errno === 'EPERM') return { skipped: { path, code: 'E_UNREADABLE', message: `No permission to read the file (${errno}).` }, notes: [] };
      if (errno === 'EISDIR' || errno === 'ELOOP' || errno === 'EIO' || errno === 'ENXIO') return { skipped: { path, code: 'E_UNREADABLE', message: `The file could not be read (${errno}).` }, notes: [] };
      throw e;
    }
    const { parsed } = read;
    const st = { size: read.size, mtimeMs: read.mtimeMs };
    if (isDicomdir(parsed.dataSet)) {
      if (insideFolder) {
        return { skipped: { path, code: 'E_NO_PIXEL_DATA', message: 'DICOMDIR (a file-set index, not an image); the images it lists are scanned as files of the folder. Open the DICOMDIR itself to use only its records.' }, notes: parsed.notes };
      }
      // Read the whole DICOMDIR (records live after where a header probe stops).
      const full = parseDicomBytes(await readWholeFile(path, st.size), { source: path });
      const records = readDirectoryRecords(full.dataSet);
      const base = dirname(path);
      const files = records.filter((r) => r.referencedFileId && r.referencedFileId.length > 0).map((r) => join(base, ...(r.referencedFileId as string[])));
      return { dicomdirOf: files, notes: full.notes };
    }
    if (!KNOWN_SYNTAXES.has(parsed.transferSyntaxUid)) {
      throw new OpalError('E_UNSUPPORTED_TS', `Unsupported transfer syntax ${parsed.transferSyntaxUid}: OPAL cannot decode its pixels.`, path);
    }
    // Element offsets count from the data set's start; a deflated data set was inflated whole.
    const deflated = parsed.transferSyntaxUid === TransferSyntax.DeflatedExplicitVRLittleEndian;
    const byteLength = deflated ? parsed.dataSet.byteArray.length : st.size - parsed.dataSetOffset;
    const frames = readFrameHeaders(parsed.dataSet, parsed.transferSyntaxUid, path, { byteLength });
    const px = parsed.dataSet.elements[Tag.PixelData];
    const expected = expectedNativeBytes(frames[0]);
    if (px && expected !== undefined && px.length !== 0xffffffff) {
      const present = Math.min(px.length, byteLength - px.dataOffset);
      if (!deflated && (px.dataOffset + px.length > byteLength || present < expected)) {
        throw new OpalError('E_TRUNCATED', `Pixel data is incomplete: ${Math.max(0, present)} bytes present, ${expected} needed for ${frames[0].frameCount} frame(s) of ${frames[0].columns}x${frames[0].rows}.`, path);
      }
    }
    const stamp: FileStamp = { size: st.size, mtimeMs: st.mtimeMs };
    const littleEndianNative = parsed.transferSyntaxUid === TransferSyntax.ImplicitVRLittleEndian || parsed.transferSyntaxUid === TransferSyntax.ExplicitVRLittleEndian;
    if (px && littleEndianNative && expected !== undefined && px.length !== 0xffffffff && px.length >= expected && px.dataOffset + px.length <= byteLength) {
      stamp.nativePixelData = { offset: parsed.dataSetOffset + px.dataOffset, length: expected };
    }
    return { frames, stamp, notes: parsed.notes };
  } catch (e) {
    const err = toOpalError(e);
    return { skipped: { path, code: err.code, message: err.message }, notes: [] };
  }
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      checkAborted(signal);
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

function summarise(part: ReturnType<typeof splitSeries>[number], geometry: SeriesGeometry): SeriesSummary {
  const f = part.frames[0];
  const files = new Set(part.frames.map((x) => x.source));
  return {
    seriesInstanceUid: part.seriesInstanceUid,
    seriesKey: part.seriesKey,
    studyInstanceUid: f.studyInstanceUid,
    modality: f.modality,
    description: f.seriesDescription,
    seriesNumber: f.seriesNumber,
    convolutionKernel: f.convolutionKernel,
    dims: geometry.dims,
    spacingMm: geometry.spacingMm,
    originMm: geometry.originMm,
    direction: geometry.direction,
    sliceThicknessMm: f.sliceThicknessMm,
    gantryTiltDeg: geometry.gantryTiltDeg,
    transferSyntaxUids: [...new Set(part.frames.map((x) => x.transferSyntaxUid))].sort(),
    fileCount: files.size,
    frameCount: part.frames.length,
    loadable: geometry.refusal === undefined,
    warnings: [...part.warnings, ...geometry.warnings],
  };
}

/**
 * Scans a file, a folder (recursively) or a DICOMDIR: reads only headers, groups images by study
 * and series (a series mixing geometries is split, never merged), and reports every file it
 * skipped with a coded reason. Throws E_NOT_FOUND for a missing path; an empty result is not an
 * error here (loadVolumeFromPath raises E_EMPTY_FOLDER).
 */
export async function scanPath(path: string, options: ScanOptions = {}): Promise<ScanResult> {
  const root = resolve(path);
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new OpalError('E_NOT_FOUND', `Nothing at ${path}.`, path);
  }
  const concurrency = options.concurrency ?? 16;
  let files: string[];
  let insideFolder: boolean;
  const skipped: SkippedFile[] = [];
  const notes: { path: string; message: string }[] = [];
  if (st.isDirectory()) {
    const listed = await listFiles(root, options);
    files = listed.files;
    skipped.push(...listed.skipped);
    insideFolder = true;
  } else if (!st.isFile()) {
    return { root, series: [], skipped: [{ path: root, code: 'E_UNREADABLE', message: describeOther(st) }], fileCount: 1, notes };
  } else {
    files = [root];
    insideFolder = false;
    const first = await scanFile(root, false);
    if (first.dicomdirOf) {
      for (const n of first.notes) notes.push({ path: root, message: n });
      files = first.dicomdirOf;
      insideFolder = true;
    }
  }

  let done = 0;
  const total = files.length;
  options.onProgress?.({ phase: 'reading', done, total });
  const outcomes = await mapLimited(
    files,
    concurrency,
    async (p) => {
      const r = await scanFile(p, insideFolder);
      done++;
      if (done === total || done % 64 === 0) options.onProgress?.({ phase: 'reading', done, total });
      return r;
    },
    options.signal,
  );
  checkAborted(options.signal);

  const frames: FrameHeader[] = [];
  const stamps = new Map<string, FileStamp>();
  outcomes.forEach((o, i) => {
    if (o.skipped) skipped.push(o.skipped);
    for (const n of o.notes) notes.push({ path: files[i], message: n });
    if (o.frames && o.stamp) {
      frames.push(...o.frames);
      stamps.set(files[i], o.stamp);
    }
  });

  const series: ScannedSeries[] = [];
  for (const part of splitSeries(frames)) {
    let geometry: SeriesGeometry;
    try {
      geometry = planSeries(part.frames);
    } catch (e) {
      const err = toOpalError(e);
      for (const f of part.frames) skipped.push({ path: f.source, code: err.code, message: err.message });
      continue;
    }
    const partStamps = new Map<string, FileStamp>();
    for (const f of part.frames) {
      const s = stamps.get(f.source);
      if (s) partStamps.set(f.source, s);
    }
    const summary = summarise(part, geometry);
    for (const n of notes) if (partStamps.has(n.path)) summary.warnings.push({ code: 'E_NONSTANDARD_FILE', message: n.message, detail: n.path });
    series.push({ summary, frames: part.frames, geometry, stamps: partStamps });
  }
  series.sort((a, b) =>
    (a.summary.studyInstanceUid ?? '').localeCompare(b.summary.studyInstanceUid ?? '') ||
    (a.summary.seriesNumber ?? 0) - (b.summary.seriesNumber ?? 0) ||
    a.summary.seriesKey.localeCompare(b.summary.seriesKey),
  );
  return { root, series, skipped, fileCount: files.length, notes };
}

