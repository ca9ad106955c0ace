import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OpalError, toOpalError, type ErrorCode } from '../../common/errors/index.ts';
import type { FrameHeader } from '../../common/dicom/readFrameHeaders.ts';
import { planSeries, splitSeries, type SeriesGeometry, type VolumeWarning } from '../../common/dicom/series.ts';
import type { Mat3, Vec3 } from '../../common/volume/index.ts';
import { scanFile, type FileOutcome } from './scanFile.ts';
import { ScanPool } from './scanPool.ts';

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
  /**
   * Read headers in worker threads with a per-file time and memory budget (ScanPool), so one file
   * cannot stall or exhaust the scan. Default: when more than one file is read.
   */
  isolate?: boolean;
  /** Per-file time budget of an isolated scan (default 10 000 ms); past it: E_RESOURCE_LIMIT. */
  fileTimeoutMs?: number;
  /** Per-worker JavaScript heap of an isolated scan in MB (default 1024); past it: E_RESOURCE_LIMIT. */
  workerHeapMb?: number;
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

/** From this many files on, the scan's workers start at once (they boot while headers are read inline). */
const WARM_POOL_FILES = 64;

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
 * read: a FIFO or device would block or never end. A symbolic link to a regular file is read; a link
 * to a folder is followed once (a folder reached a second time, through a loop or another link, is
 * listed and not read again); a broken link is listed.
 */
async function listFiles(root: string, opts: ScanOptions): Promise<{ files: string[]; skipped: SkippedFile[] }> {
  const out: string[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Set<string>();
  const rootStat = await stat(root);
  seen.add(`${rootStat.dev}:${rootStat.ino}`);
  const stack = [root];
  while (stack.length > 0) {
    checkAborted(opts.signal);
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      skipped.push({ path: dir, code: 'E_UNREADABLE', message: `The folder could not be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).` });
      continue;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isFile()) out.push(p);
      else if (e.isDirectory() || e.isSymbolicLink()) {
        const target = await stat(p).catch((err: NodeJS.ErrnoException) => err);
        if (target instanceof Error) {
          skipped.push({ path: p, code: target.code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_UNREADABLE', message: e.isSymbolicLink() ? `Symbolic link that leads nowhere readable (${target.code ?? target.message}).` : `The folder could not be read (${target.code ?? target.message}).` });
        } else if (target.isDirectory()) {
          const id = `${target.dev}:${target.ino}`;
          if (seen.has(id)) skipped.push({ path: p, code: 'E_UNREADABLE', message: 'Symbolic link to a folder that is already being scanned (a loop, or a second way to the same folder); not followed again.' });
          else {
            seen.add(id);
            stack.push(p);
          }
        } else if (target.isFile()) out.push(p);
        else skipped.push({ path: p, code: 'E_UNREADABLE', message: describeOther(target) });
      } else skipped.push({ path: p, code: 'E_UNREADABLE', message: describeOther(e) });
    }
    opts.onProgress?.({ phase: 'listing', done: out.length, total: 0 });
  }
  return { files: out.sort(), skipped };
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
  // Headers complete in their first 64 KiB are read here (a parse bounded by those bytes); a file
  // that needs a whole read (long header, deflated data set, DICOMDIR) goes to a worker with a time
  // and memory budget, so no single file can stall or exhaust the scan.
  const isolate = options.isolate ?? true;
  let pool: ScanPool | undefined;
  const onAbort = (): void => void pool?.close();
  options.signal?.addEventListener('abort', onAbort);
  const scanOne = async (p: string, inside: boolean): Promise<FileOutcome> => {
    if (!isolate) return scanFile(p, inside);
    const quick = await scanFile(p, inside, { probeOnly: true });
    if (!quick.deferred) return quick;
    checkAborted(options.signal);
    pool ??= new ScanPool({ fileTimeoutMs: options.fileTimeoutMs, heapMb: options.workerHeapMb });
    return pool.scan(p, inside);
  };
  let outcomes: FileOutcome[];
  try {
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
    }
    if (isolate && files.length >= WARM_POOL_FILES) {
      pool = new ScanPool({ fileTimeoutMs: options.fileTimeoutMs, heapMb: options.workerHeapMb });
      pool.warm();
    }
    let done = 0;
    let total = files.length;
    options.onProgress?.({ phase: 'reading', done, total });
    let first: FileOutcome | undefined;
    if (!insideFolder) {
      first = await scanOne(root, false);
      if (first.dicomdirOf) {
        for (const n of first.notes) notes.push({ path: root, message: n });
        files = first.dicomdirOf;
        insideFolder = true;
        total = files.length;
        first = undefined;
      }
    }
    outcomes = first
      ? [first]
      : await mapLimited(
          files,
          concurrency,
          async (p) => {
            const r = await scanOne(p, insideFolder);
            done++;
            if (done === total || done % 64 === 0) options.onProgress?.({ phase: 'reading', done, total });
            return r;
          },
          options.signal,
        );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await (pool as ScanPool | undefined)?.close();
  }
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

