import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { OpalError, toOpalError } from '../../common/errors/index.ts';
import { parseDicomBytes } from '../../common/dicom/parseDicomBytes.ts';
import { VolumeBuilder, volumeMetaFromFrames, type VolumeWarning } from '../../common/dicom/series.ts';
import type { FrameHeader } from '../../common/dicom/readFrameHeaders.ts';
import { reformatToAxial, type Volume } from '../../common/volume/index.ts';
import { readNiftiFile } from '../nifti/index.ts';
import { createFrameDecodePool, decodeFileFrames, type FrameDecodePool } from './decodeFileFrames.ts';
import { readWholeFile } from './readDicomHeader.ts';
import {
  scanPath,
  type ScanProgress,
  type FileStamp,
  type ScannedSeries,
  type ScanResult,
  type SeriesSummary,
} from './scan.ts';

export interface LoadProgress {
  phase: 'scanning' | 'loading';
  done: number;
  total: number;
}

export interface LoadOptions {
  /** SeriesInstanceUID (or the seriesKey `uid#n` of a split part) to load; default: see pickSeries. */
  seriesInstanceUid?: string;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** Files read at once while loading (default 16). */
  concurrency?: number;
  /** Decode pool for compressed frames; default: one pool shared by every load in this process. */
  pool?: FrameDecodePool;
}

let shared: FrameDecodePool | undefined;
/** One pool per process: its idle workers do not keep the process alive (they are unref'd). */
function sharedDecodePool(): FrameDecodePool {
  shared ??= createFrameDecodePool();
  return shared;
}

export interface LoadedVolume {
  volume: Volume;
  warnings: VolumeWarning[];
  series: SeriesSummary;
}

function isNiftiPath(p: string): boolean {
  return /\.nii(\.gz)?$/i.test(p);
}

/**
 * Chooses the series to load: the one asked for, else the CT series with most slices (any
 * modality when there is no CT), with a warning that says so when there was a choice.
 */
export function pickSeries(
  scan: ScanResult,
  wanted?: string,
): { chosen: ScannedSeries; warnings: VolumeWarning[] } {
  const warnings: VolumeWarning[] = [];
  if (scan.series.length === 0 && scan.fileCount === 1 && scan.skipped.length === 1) {
    // One file asked for and it is not a usable image: its own reason is the answer.
    const only = scan.skipped[0];
    throw new OpalError(only.code, only.message, only.path);
  }
  if (scan.series.length === 0) {
    const why =
      scan.skipped.length > 0
        ? ` ${scan.skipped.length} file(s) were skipped, e.g. ${scan.skipped[0].path}: ${scan.skipped[0].code} ${scan.skipped[0].message}`
        : '';
    throw new OpalError('E_EMPTY_FOLDER', `No DICOM images found in ${scan.root}.${why}`, scan.root);
  }
  if (wanted) {
    const exact = scan.series.find((s) => s.summary.seriesKey === wanted);
    if (exact) return { chosen: exact, warnings };
    const byUid = scan.series.filter((s) => s.summary.seriesInstanceUid === wanted);
    if (byUid.length === 1) return { chosen: byUid[0], warnings };
    if (byUid.length > 1) {
      throw new OpalError(
        'E_INCONSISTENT_GEOMETRY',
        `Series ${wanted} mixes image geometries and was split into ${byUid.map((s) => s.summary.seriesKey).join(', ')}; choose one of these keys.`,
        wanted,
      );
    }
    throw new OpalError(
      'E_BAD_ARGUMENT',
      `No series ${wanted} in ${scan.root}; found: ${scan.series.map((s) => s.summary.seriesKey).join(', ')}.`,
      wanted,
    );
  }
  if (scan.series.length === 1) return { chosen: scan.series[0], warnings };
  const byCount = (a: ScannedSeries, b: ScannedSeries): number => b.summary.dims[2] - a.summary.dims[2];
  const loadable = scan.series.filter((s) => s.summary.loadable);
  const pool = loadable.length > 0 ? loadable : scan.series;
  const ct = pool.filter((s) => s.summary.modality === 'CT').sort(byCount);
  const chosen = ct[0] ?? [...pool].sort(byCount)[0];
  warnings.push({
    code: 'E_MIXED_SERIES',
    message: `${scan.series.length} series found; loaded ${chosen.summary.modality ?? '?'} series ${chosen.summary.seriesKey} (${chosen.summary.dims[2]} slices${chosen.summary.description ? `, "${chosen.summary.description}"` : ''}) as the ${ct.length > 0 ? 'CT series with most slices' : 'series with most slices'}. Choose another with its SeriesInstanceUID.`,
  });
  return { chosen, warnings };
}

async function mapLimited<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length) {
        if (signal?.aborted) throw new OpalError('E_CANCELLED', 'Loading was cancelled.');
        await fn(items[next++]);
      }
    }),
  );
}

/** Reusable read buffers: one per file being read at once, so a load does not churn the GC. */
class ReadBuffers {
  private free: Uint8Array[] = [];
  acquire(length: number): Uint8Array {
    const b = this.free.pop();
    // A fresh ArrayBuffer starts 4-byte aligned, which the two-voxels-per-word conversion wants.
    return b && b.byteLength >= length ? b : new Uint8Array(Math.max(length, b?.byteLength ?? 0));
  }
  release(b: Uint8Array): void {
    this.free.push(b);
  }
}

type WantedFrame = { k: number; header: FrameHeader };

/**
 * The fast path for an unchanged uncompressed little-endian file: reads only its Pixel Data (where
 * the scan found it) and converts the 16-bit samples straight into the volume. The file's size
 * and modification time, taken from the open handle after the read, must still be the scan's.
 */
async function loadNativeFile(path: string, stamp: FileStamp, wanted: WantedFrame[], builder: VolumeBuilder, buffers: ReadBuffers): Promise<void> {
  const at = stamp.nativePixelData as { offset: number; length: number };
  // O_NONBLOCK: a file replaced by a FIFO since the scan must not block the load (refused below).
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => {
    throw new OpalError('E_FILE_CHANGED', 'The file disappeared after the folder was scanned.', path);
  });
  const buf = buffers.acquire(at.length);
  try {
    let got = 0;
    try {
      while (got < at.length) {
        const { bytesRead } = await fh.read(buf, got, at.length - got, at.offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (e) {
      // e.g. ESPIPE: the file was replaced by a FIFO since the scan.
      throw new OpalError('E_FILE_CHANGED', `The file could not be read again after the folder was scanned (${(e as NodeJS.ErrnoException).code ?? String(e)}).`, path);
    }
    const now = await fh.stat();
    if (!now.isFile() || got !== at.length || now.size !== stamp.size || now.mtimeMs !== stamp.mtimeMs) {
      throw new OpalError(
        'E_FILE_CHANGED',
        `The file changed after the folder was scanned (size ${stamp.size} -> ${now.size} bytes); scan it again.`,
        path,
      );
    }
    for (const w of wanted) {
      const frameBytes = w.header.rows * w.header.columns * 2;
      const start = w.header.frameIndex * frameBytes;
      if (start + frameBytes > got) throw new OpalError('E_TRUNCATED', `Frame ${w.header.frameIndex + 1} of ${w.header.frameCount} is missing from the pixel data.`, path);
      builder.setSliceNative16(w.k, buf.subarray(start, start + frameBytes));
    }
  } finally {
    buffers.release(buf);
    await fh.close();
  }
}

/** Loads the pixels of a scanned series into a Volume (files re-read; a changed file is refused). */
export async function loadScannedSeries(
  series: ScannedSeries,
  options: Pick<LoadOptions, 'onProgress' | 'signal' | 'concurrency' | 'pool'> = {},
): Promise<LoadedVolume> {
  const g = series.geometry;
  if (g.refusal) throw g.refusal;
  const ordered: FrameHeader[] = g.order.map((i) => series.frames[i]);
  const byFile = new Map<string, WantedFrame[]>();
  ordered.forEach((header, k) => {
    const list = byFile.get(header.source);
    if (list) list.push({ k, header });
    else byFile.set(header.source, [{ k, header }]);
  });
  const builder = new VolumeBuilder(g, ordered);
  const files = [...byFile.keys()];
  let done = 0;
  let lossy = false;
  options.onProgress?.({ phase: 'loading', done, total: ordered.length });
  // Workers start only when a compressed frame arrives; uncompressed frames decode on this thread.
  const pool = options.pool ?? sharedDecodePool();
  const buffers = new ReadBuffers();
  try {
    await mapLimited(
      files,
      options.concurrency ?? 16,
      async (path) => {
        const stamp = series.stamps.get(path);
        const wantedHere = byFile.get(path) ?? [];
        if (stamp?.nativePixelData && wantedHere.every((w) => builder.acceptsNative16(w.k))) {
          await loadNativeFile(path, stamp, wantedHere, builder, buffers);
          done += wantedHere.length;
          options.onProgress?.({ phase: 'loading', done, total: ordered.length });
          return;
        }
        const before = await stat(path).catch(() => undefined);
        if (!before || !before.isFile())
          throw new OpalError('E_FILE_CHANGED', 'The file disappeared (or is no longer a regular file) after the folder was scanned.', path);
        if (stamp && (before.size !== stamp.size || before.mtimeMs !== stamp.mtimeMs)) {
          throw new OpalError(
            'E_FILE_CHANGED',
            `The file changed after the folder was scanned (size ${stamp.size} -> ${before.size} bytes); scan it again.`,
            path,
          );
        }
        const bytes = await readWholeFile(path, before.size);
        const after = await stat(path).catch(() => undefined);
        if (
          !after ||
          after.size !== before.size ||
          after.mtimeMs !== before.mtimeMs ||
          bytes.length !== before.size
        ) {
          throw new OpalError(
            'E_FILE_CHANGED',
            'The file changed while it was being read; try again when the copy has finished.',
            path,
          );
        }
        const parsed = parseDicomBytes(bytes, { source: path });
        const wanted = byFile.get(path) ?? [];
        const decoded = await decodeFileFrames(
          parsed,
          wanted.map((w) => w.header),
          pool,
        );
        wanted.forEach((w, i) => {
          if (decoded[i].lossy) lossy = true;
          builder.setSlice(w.k, decoded[i].pixels);
        });
        done += wanted.length;
        options.onProgress?.({ phase: 'loading', done, total: ordered.length });
      },
      options.signal,
    );
  } finally {
    if (pool !== options.pool && pool !== shared) await pool.close();
  }
  const built = builder.finish(volumeMetaFromFrames(ordered));
  // A coronal or sagittal acquisition reaches every consumer as axial slices (exact: see reformatToAxial).
  const plane = g.acquisitionPlane;
  const volume = plane === 'coronal' || plane === 'sagittal' ? reformatToAxial(built, plane) : built;
  const warnings = [...series.summary.warnings];
  if (lossy) {
    warnings.push({
      code: 'E_LOSSY_COMPRESSION',
      message: `The pixels were stored with lossy compression (${series.summary.transferSyntaxUids.join(', ')}): HU values differ slightly from the acquired image.`,
    });
  }
  volume.meta.lossyCompression = lossy;
  return { volume, warnings, series: series.summary };
}

/**
 * THE entry point for a CT volume: a DICOM file, folder or DICOMDIR, or a NIfTI file (.nii,
 * .nii.gz). With several series and none chosen, loads the CT series with most slices and says
 * so in a warning.
 */
export async function loadVolumeFromPath(path: string, options: LoadOptions = {}): Promise<LoadedVolume> {
  if (isNiftiPath(path)) return loadNifti(path);
  const onScan = options.onProgress
    ? (p: ScanProgress) => options.onProgress?.({ phase: 'scanning', done: p.done, total: p.total })
    : undefined;
  const scan = await scanPath(path, { onProgress: onScan, signal: options.signal });
  const { chosen, warnings } = pickSeries(scan, options.seriesInstanceUid);
  const unread = skippedWarning(scan);
  if (unread) warnings.push(unread);
  try {
    const loaded = await loadScannedSeries(chosen, options);
    return { ...loaded, warnings: [...warnings, ...loaded.warnings] };
  } catch (e) {
    throw toOpalError(e);
  }
}

/** Skip reasons that say nothing about whether the file was an image of the series (not DICOM, a report, a DICOMDIR). */
const NOT_AN_IMAGE = new Set<string>(['E_NOT_DICOM', 'E_NO_PIXEL_DATA']);

/**
 * A warning naming the files of the folder that might have been images but could not be read
 * (truncated, unreadable, impossible headers): if one belonged to the loaded series, a slice is
 * missing, and the user must hear it rather than get a shorter volume in silence.
 */
export function skippedWarning(scan: ScanResult): VolumeWarning | undefined {
  const unread = scan.skipped.filter((s) => !NOT_AN_IMAGE.has(s.code));
  if (unread.length === 0) return undefined;
  const first = unread[0];
  const more = unread.length > 1 ? ` and ${unread.length - 1} more (opal info lists them)` : '';
  return {
    code: first.code,
    message: `${unread.length} file(s) in ${scan.root} could not be read and are not in the volume; if they belonged to this series, its slices there are missing: ${first.path}: ${first.code} ${first.message}${more}.`,
    detail: first.path,
  };
}

async function loadNifti(path: string): Promise<LoadedVolume> {
  const volume = await readNiftiFile(path);
  const [nx, ny, nz] = volume.dims;
  const series: SeriesSummary = {
    seriesInstanceUid: volume.meta.seriesInstanceUid ?? '',
    seriesKey: path,
    modality: volume.meta.modality,
    description: volume.meta.seriesDescription,
    dims: [nx, ny, nz],
    spacingMm: volume.spacingMm,
    originMm: volume.originMm,
    direction: volume.direction,
    gantryTiltDeg: 0,
    transferSyntaxUids: [],
    fileCount: 1,
    frameCount: nz,
    loadable: true,
    warnings: [],
  };
  return { volume, warnings: [], series };
}
