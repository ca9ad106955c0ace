import { stat } from 'node:fs/promises';
import { OpalError, toOpalError } from '../../common/errors/index.ts';
import { parseDicomBytes } from '../../common/dicom/parseDicomBytes.ts';
import { VolumeBuilder, volumeMetaFromFrames, type VolumeWarning } from '../../common/dicom/series.ts';
import type { FrameHeader } from '../../common/dicom/readFrameHeaders.ts';
import type { Volume } from '../../common/volume/index.ts';
import { decodeFileFrames } from './decodeFileFrames.ts';
import { readWholeFile } from './readDicomHeader.ts';
import { scanPath, type ScanProgress, type ScannedSeries, type ScanResult, type SeriesSummary } from './scan.ts';

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
  /** Files read at once while loading (default 8). */
  concurrency?: number;
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
export function pickSeries(scan: ScanResult, wanted?: string): { chosen: ScannedSeries; warnings: VolumeWarning[] } {
  const warnings: VolumeWarning[] = [];
  if (scan.series.length === 0) {
    const why = scan.skipped.length > 0 ? ` ${scan.skipped.length} file(s) were skipped, e.g. ${scan.skipped[0].path}: ${scan.skipped[0].code} ${scan.skipped[0].message}` : '';
    throw new OpalError('E_EMPTY_FOLDER', `No DICOM images found in ${scan.root}.${why}`, scan.root);
  }
  if (wanted) {
    const exact = scan.series.find((s) => s.summary.seriesKey === wanted);
    if (exact) return { chosen: exact, warnings };
    const byUid = scan.series.filter((s) => s.summary.seriesInstanceUid === wanted);
    if (byUid.length === 1) return { chosen: byUid[0], warnings };
    if (byUid.length > 1) {
      throw new OpalError('E_INCONSISTENT_GEOMETRY', `Series ${wanted} mixes image geometries and was split into ${byUid.map((s) => s.summary.seriesKey).join(', ')}; choose one of these keys.`, wanted);
    }
    throw new OpalError('E_BAD_ARGUMENT', `No series ${wanted} in ${scan.root}; found: ${scan.series.map((s) => s.summary.seriesKey).join(', ')}.`, wanted);
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

async function mapLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
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

/** Loads the pixels of a scanned series into a Volume (files re-read; a changed file is refused). */
export async function loadScannedSeries(series: ScannedSeries, options: Pick<LoadOptions, 'onProgress' | 'signal' | 'concurrency'> = {}): Promise<LoadedVolume> {
  const g = series.geometry;
  if (g.refusal) throw g.refusal;
  const ordered: FrameHeader[] = g.order.map((i) => series.frames[i]);
  const byFile = new Map<string, { k: number; header: FrameHeader }[]>();
  ordered.forEach((header, k) => {
    const list = byFile.get(header.source);
    if (list) list.push({ k, header });
    else byFile.set(header.source, [{ k, header }]);
  });
  const builder = new VolumeBuilder(g, ordered);
  const files = [...byFile.keys()];
  let done = 0;
  options.onProgress?.({ phase: 'loading', done, total: ordered.length });
  await mapLimited(
    files,
    options.concurrency ?? 8,
    async (path) => {
      const stamp = series.stamps.get(path);
      const before = await stat(path).catch(() => undefined);
      if (!before) throw new OpalError('E_FILE_CHANGED', 'The file disappeared after the folder was scanned.', path);
      if (stamp && (before.size !== stamp.size || before.mtimeMs !== stamp.mtimeMs)) {
        throw new OpalError('E_FILE_CHANGED', `The file changed after the folder was scanned (size ${stamp.size} -> ${before.size} bytes); scan it again.`, path);
      }
      const bytes = await readWholeFile(path, before.size);
      const after = await stat(path).catch(() => undefined);
      if (!after || after.size !== before.size || after.mtimeMs !== before.mtimeMs || bytes.length !== before.size) {
        throw new OpalError('E_FILE_CHANGED', 'The file changed while it was being read; try again when the copy has finished.', path);
      }
      const parsed = parseDicomBytes(bytes, { source: path });
      const wanted = byFile.get(path) ?? [];
      const pixels = await decodeFileFrames(parsed, wanted.map((w) => w.header));
      wanted.forEach((w, i) => builder.setSlice(w.k, pixels[i]));
      done += wanted.length;
      options.onProgress?.({ phase: 'loading', done, total: ordered.length });
    },
    options.signal,
  );
  const volume = builder.finish(volumeMetaFromFrames(ordered));
  return { volume, warnings: [...series.summary.warnings], series: series.summary };
}

/**
 * THE entry point for a CT volume: a DICOM file, folder or DICOMDIR, or a NIfTI file (.nii,
 * .nii.gz). With several series and none chosen, loads the CT series with most slices and says
 * so in a warning.
 */
export async function loadVolumeFromPath(path: string, options: LoadOptions = {}): Promise<LoadedVolume> {
  if (isNiftiPath(path)) return loadNifti(path);
  const onScan = options.onProgress ? (p: ScanProgress) => options.onProgress?.({ phase: 'scanning', done: p.done, total: p.total }) : undefined;
  const scan = await scanPath(path, { onProgress: onScan, signal: options.signal });
  const { chosen, warnings } = pickSeries(scan, options.seriesInstanceUid);
  try {
    const loaded = await loadScannedSeries(chosen, options);
    return { ...loaded, warnings: [...warnings, ...loaded.warnings] };
  } catch (e) {
    throw toOpalError(e);
  }
}

async function loadNifti(path: string): Promise<LoadedVolume> {
  await stat(path).catch(() => {
    throw new OpalError('E_NOT_FOUND', `Nothing at ${path}.`, path);
  });
  throw new OpalError('E_BAD_NIFTI', 'NIfTI reading is not available in this build yet.', path);
}
