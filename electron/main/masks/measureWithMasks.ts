/**
 * `opal measure` and the app's "Open mask…": reads mask files (DICOM SEG, NIfTI labelmap) onto a
 * CT and measures them with the same code as `opal segment` (common/quant/measureVolume.ts). When
 * the masks hold no lungs, the lungs come from the CT as in `opal segment` (HU lung mask, plus the
 * dense lung the imported infection covers).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { OpalError, type OpalErrorJson } from '../../common/errors/index.ts';
import { lungMaskFromHu } from '../../common/lung/index.ts';
import { addDiseasedLung, denseLungCandidates } from '../../common/lung/diseasedLung.ts';
import { importMasks, type ImportedMasks, type MaskFile } from '../../common/masks/importMask.ts';
import type { MaskMapping } from '../../common/masks/maskMeaning.ts';
import { measureVolume, type Measurements, type ModelProvenance } from '../../common/quant/index.ts';
import { presentSlicesVolume, spreadToGrid, type Volume } from '../../common/volume/index.ts';
import { DENSE_LUNG_HU } from '../segmentation/segmentStudy.ts';
import { loadVolumeFromPath } from '../studies/loadVolume.ts';

/** A mask file larger than this is refused before reading (a 512x512x1000 FRACTIONAL SEG with 4 segments is ~1 GB). */
const MAX_MASK_BYTES = 2 * 1024 ** 3;

export interface MeasureWithMasksOptions {
  /** Segment number (SEG) or label value (NIfTI) -> meaning, overriding the codes and conventions. */
  mapping?: MaskMapping;
  seriesInstanceUid?: string;
  signal?: AbortSignal;
}

export interface MaskMeasurement {
  volume: Volume;
  lungs: Uint8Array;
  infection: Uint8Array;
  measurements: Measurements;
  /** What stands in for the model in the exports: the imported mask files. */
  provenance: ModelProvenance;
  /** The mask files read and what each segment was taken as. */
  mask: Omit<ImportedMasks, 'infection' | 'lungs' | 'warnings'> & { lungsFrom: 'mask' | 'ct' };
  warnings: OpalErrorJson[];
  timingsMs: Record<string, number>;
}

/** Reads one mask file, refusing what is missing, unreadable or too large with a coded error. */
export async function readMaskFile(path: string): Promise<MaskFile> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new OpalError('E_UNREADABLE', `The mask ${path} is not a file.`, path);
    size = s.size;
  } catch (e) {
    if (e instanceof OpalError) throw e;
    throw new OpalError('E_NOT_FOUND', `The mask file ${path} does not exist or cannot be opened.`, path);
  }
  if (size > MAX_MASK_BYTES) throw new OpalError('E_TOO_LARGE', `The mask ${path} is ${(size / 1024 ** 3).toFixed(1)} GB; OPAL reads masks up to 2 GB.`, path);
  try {
    return { name: basename(path), bytes: new Uint8Array(await readFile(path)) };
  } catch {
    throw new OpalError('E_UNREADABLE', `The mask ${path} could not be read.`, path);
  }
}

/**
 * Lungs for an imported infection mask, made as `opal segment` makes them: the HU lung mask on the
 * images that exist, plus dense lung that the infection covers (common/lung/diseasedLung.ts).
 */
export function lungsFromCt(grid: Volume, infection: Uint8Array): { lungs: Uint8Array; warnings: OpalErrorJson[] } {
  const volume = presentSlicesVolume(grid);
  const compactInfection = volume === grid ? infection.slice() : presentSlicesVolume({ ...grid, voxels: infection }).voxels.slice();
  const r = lungMaskFromHu(volume);
  const lungs = r.lungs;
  if (r.rightVoxels + r.leftVoxels > 0 && r.airMap) {
    const candidates = denseLungCandidates(volume, lungs, r.airMap);
    // On a copy: addDiseasedLung also relabels infection, and the imported mask is measured as it is.
    addDiseasedLung(volume, lungs, candidates, compactInfection, DENSE_LUNG_HU);
  }
  return { lungs: volume === grid ? lungs : spreadToGrid(lungs, grid), warnings: r.warnings };
}

/** What stands in for the model in measurements and exports of an imported mask. */
export function provenanceOfMasks(files: MaskFile[]): ModelProvenance {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.bytes);
  return {
    name: 'imported-mask',
    version: files.map((f) => f.name).join('+').slice(0, 64),
    sha256: hash.digest('hex'),
    executionProvider: 'none',
    edited: false,
  };
}

/** Loads the CT (a path, or a volume already loaded) and measures the mask files on it. */
export async function measureWithMasks(input: string | Volume, maskPaths: string[], options: MeasureWithMasksOptions = {}): Promise<MaskMeasurement> {
  const timingsMs: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timingsMs[name] = now - t;
    t = now;
  };
  if (maskPaths.length === 0) throw new OpalError('E_BAD_ARGUMENT', 'Name the mask with --mask FILE (a DICOM SEG or a NIfTI labelmap).');
  const files = await Promise.all(maskPaths.map((p) => readMaskFile(p)));
  lap('readMask');
  const warnings: OpalErrorJson[] = [];
  let volume: Volume;
  if (typeof input === 'string') {
    const loaded = await loadVolumeFromPath(input, { seriesInstanceUid: options.seriesInstanceUid, signal: options.signal });
    volume = loaded.volume;
    warnings.push(...loaded.warnings.map((w) => ({ code: w.code, message: w.message, ...(w.detail ? { detail: w.detail } : {}) })));
  } else {
    volume = input;
  }
  lap('load');
  if (options.signal?.aborted) throw new OpalError('E_CANCELLED', 'Measuring was cancelled.');
  const imported = importMasks(files, volume, options.mapping);
  warnings.push(...imported.warnings);
  lap('import');
  let lungs = imported.lungs;
  const lungsFrom = lungs ? 'mask' : 'ct';
  if (!lungs) {
    const made = lungsFromCt(volume, imported.infection);
    lungs = made.lungs;
    warnings.push(...made.warnings);
  }
  lap('lungs');
  const measurements = measureVolume(volume, lungs, imported.infection, { warnings: warnings.map((w) => `${w.code}: ${w.message}`) });
  lap('quantification');
  return {
    volume,
    lungs,
    infection: imported.infection,
    measurements,
    provenance: provenanceOfMasks(files),
    mask: { segments: imported.segments, files: imported.files, lungsFrom },
    warnings,
    timingsMs,
  };
}
