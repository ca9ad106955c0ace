/**
 * Writes the standard exports of one segmented study into a folder: seg.dcm, infection.nii.gz,
 * lungs.nii.gz, measurements.json, measurements.csv + lesions.csv, report.pdf (whichever formats are asked for).
 *
 * The output folder is checked (checkOutputFolder) before anything is encoded; the unfinished
 * exports of an earlier, killed run there are finished or rolled back first.
 *
 * One format's failure never discards the others: each format is encoded on its own, and one that
 * cannot be made (a DICOM SEG for images that share one SOPInstanceUID, or for a NIfTI input) is
 * left out while every other format is written, the failure recorded in the done-marker;
 * writeExports then throws ExportsIncompleteError (the failed format's code and reason, and the
 * files that were written).
 *
 * Writing is all or nothing (commitExportSet): the files are staged in a hidden folder inside the
 * output folder, put in place together, and the done-marker `.opal-done.json` is written last. A
 * failure while writing (disk full, I/O error) or a cancellation rolls back to the folder as it was
 * and throws E_WRITE_FAILED (or E_CANCELLED).
 */
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { OpalError, toOpalError, type OpalErrorJson } from '../../common/errors/index.ts';
import { encodeDicomSeg } from '../../common/export/dicomSeg.ts';
import type { ReviewRecord } from '../../common/review/index.ts';
import { encodeLesionsCsv } from '../../common/export/lesionsCsv.ts';
import { encodeMeasurementsCsv } from '../../common/export/measurementsCsv.ts';
import { encodeMeasurementsJson, measurementsDocument, studyIdentifiersFromMeta } from '../../common/export/measurementsJson.ts';
import { buildReportPdf, type ReportModelCard } from '../../common/export/report/buildReportPdf.ts';
import { INFECTION_SEGMENTS, LUNG_SEGMENTS } from '../../common/export/segmentCodes.ts';
import { labelmapOnSegGrid, segSourceFromVolume } from '../../common/export/segSourceFromVolume.ts';
import { encodeNifti1 } from '../../common/nifti/index.ts';
import type { Measurements, ModelProvenance } from '../../common/quant/index.ts';
import type { Volume } from '../../common/volume/index.ts';
import { checkOutputFolder } from './checkOutputFolder.ts';
import { reportModelCard } from './reportModelCard.ts';
import { commitExportSet } from './commitExportSet.ts';
import { nodeExportFileSystem, type ExportFileSystem, type ExportStepHooks } from './exportFileSystem.ts';
import { exportTestHooksFromEnv } from './exportTestHooks.ts';

/** gzip on Node's zlib thread pool: both masks compress in parallel, off the main thread. */
const gzipAsync = promisify(gzip);

export const EXPORT_FORMATS = ['seg', 'nifti', 'csv', 'json', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** File names in the output folder, per format. */
export const EXPORT_FILE_NAMES: Record<ExportFormat, string[]> = {
  seg: ['seg.dcm'],
  nifti: ['infection.nii.gz', 'lungs.nii.gz'],
  json: ['measurements.json'],
  csv: ['measurements.csv', 'lesions.csv'],
  pdf: ['report.pdf'],
};

export interface ExportRequest {
  volume: Volume;
  /** Lung labelmap (LungLabel values) on the volume's grid. */
  lungs: Uint8Array;
  /** Infection labelmap (InfectionLabel values) on the volume's grid. */
  infection: Uint8Array;
  /**
   * The model's per-voxel confidence (max softmax probability x 255, 0 outside the lungs). With
   * 'nifti', written as infection-confidence.nii.gz so that a reviewer can find uncertain regions.
   */
  confidence?: Uint8Array;
  measurements: Measurements;
  model: ModelProvenance;
  formats: ExportFormat[];
  /** The app's review marks (review mode): measurements.json `review`, the SEG's ContentDescription and ImageComments, a line of the report. */
  review?: ReviewRecord;
  /** Time stamped into every file (default: now). */
  generatedAt?: Date;
  /** The model card printed in report.pdf (default: the manifest of `model` when its hash matches, reportModelCard). */
  modelCard?: ReportModelCard;
}

export interface WrittenExport {
  path: string;
  format: ExportFormat;
}

export interface WriteExportsOptions {
  /** Writes one whole new file into the staging folder. Tests inject one that fails. */
  writeFile?: (path: string, data: Uint8Array | string) => Promise<void>;
  /** The file operations (default: node:fs). Tests inject faults. */
  fs?: ExportFileSystem;
  /** Called before each step of the commit (default: the test hooks of the environment, exportTestHooks.ts). */
  hooks?: ExportStepHooks;
  /** Aborting before the done-marker is in place rolls everything back and throws E_CANCELLED. */
  signal?: AbortSignal;
  /** The study the exports come from, recorded in the done-marker. */
  input?: string;
}

export interface EncodedFile {
  name: string;
  format: ExportFormat;
  data: Uint8Array | string;
}

/** A requested format that could not be made, and why. */
export interface FailedExport {
  format: ExportFormat;
  error: OpalErrorJson;
}

const FORMAT_NAMES: Record<ExportFormat, string> = { seg: 'DICOM SEG', nifti: 'NIfTI', csv: 'CSV', json: 'JSON', pdf: 'PDF report' };

/**
 * Some requested formats could not be made; every other one was written. Carries the code and
 * reason of the first failure (e.g. E_DUPLICATE_SOP_UID for a SEG), the files written and each failure.
 */
export class ExportsIncompleteError extends OpalError {
  constructor(
    readonly written: WrittenExport[],
    readonly failures: FailedExport[],
  ) {
    const first = failures[0].error;
    const names = written.map((w) => w.path.slice(w.path.lastIndexOf('/') + 1));
    super(
      first.code,
      `${failures.map((f) => `${FORMAT_NAMES[f.format]} not written: ${f.error.message}`).join('; ')}. ${names.length > 0 ? `Written: ${names.join(', ')}.` : 'Nothing else was asked for.'}`,
      first.detail,
    );
  }
}

export function parseExportFormats(list: string): ExportFormat[] {
  const wanted = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const bad = wanted.filter((f) => !(EXPORT_FORMATS as readonly string[]).includes(f));
  if (bad.length > 0 || wanted.length === 0) {
    throw new OpalError('E_BAD_ARGUMENT', `Unknown export format ${bad.length ? bad.map((b) => `"${b}"`).join(', ') : '(none given)'}; choose from ${EXPORT_FORMATS.join(', ')}`);
  }
  return [...new Set(wanted)] as ExportFormat[];
}

function validate(req: ExportRequest): void {
  if (req.formats.length === 0) throw new OpalError('E_BAD_ARGUMENT', 'No export format was asked for');
  for (const f of req.formats) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new OpalError('E_BAD_ARGUMENT', `Unknown export format "${String(f)}"`);
  }
  const n = req.volume.dims[0] * req.volume.dims[1] * req.volume.dims[2];
  if (req.lungs.length !== n || req.infection.length !== n || (req.confidence && req.confidence.length !== n)) {
    throw new OpalError('E_BAD_ARGUMENT', `The masks (${req.lungs.length} and ${req.infection.length} voxels) do not match the CT (${n} voxels)`);
  }
}

/** Every requested file, encoded in memory (no file system yet); throws the first format's failure. */
export async function encodeExports(req: ExportRequest): Promise<EncodedFile[]> {
  const { files, failures } = await encodeEachExport(req);
  if (failures.length > 0) throw new OpalError(failures[0].error.code, failures[0].error.message, failures[0].error.detail);
  return files;
}

/**
 * Every requested format encoded in memory on its own (no file system yet): the files of the
 * formats that could be made, and the reason for each that could not.
 */
export async function encodeEachExport(req: ExportRequest): Promise<{ files: EncodedFile[]; failures: FailedExport[] }> {
  validate(req);
  const generatedAt = req.generatedAt ?? new Date();
  const files: EncodedFile[] = [];
  const failures: FailedExport[] = [];
  // The order files have always been written in (callers list them in this order).
  for (const format of ['seg', 'nifti', 'json', 'csv', 'pdf'] as const) {
    if (!req.formats.includes(format)) continue;
    try {
      files.push(...(await encodeFormat(format, req, generatedAt)));
    } catch (e) {
      failures.push({ format, error: toOpalError(e).toJSON() });
    }
  }
  return { files, failures };
}

async function encodeFormat(format: ExportFormat, req: ExportRequest, generatedAt: Date): Promise<EncodedFile[]> {
  const study = studyIdentifiersFromMeta(req.volume.meta);
  const doc = (): ReturnType<typeof measurementsDocument> => measurementsDocument({ measurements: req.measurements, model: req.model, study, generatedAt, ...(req.review ? { review: req.review } : {}) });
  const files: EncodedFile[] = [];
  if (format === 'seg') {
    // On the acquired images' grid (the acquired coronal/sagittal grid of a reformatted volume).
    const data = encodeDicomSeg({
      source: segSourceFromVolume(req.volume),
      labelmaps: [
        { labelmap: labelmapOnSegGrid(req.volume, req.infection), segments: INFECTION_SEGMENTS },
        { labelmap: labelmapOnSegGrid(req.volume, req.lungs), segments: LUNG_SEGMENTS },
      ],
      algorithm: { name: req.model.name, version: req.model.version },
      edited: req.model.edited,
      ...(req.review ? { review: req.review } : {}),
      createdAt: generatedAt,
    });
    files.push({ name: 'seg.dcm', format: 'seg', data });
  }
  if (format === 'nifti') {
    // NIfTI-1 in RAS with sform = qform (electron/common/nifti), NIFTI_INTENT_LABEL, gzip level 6.
    const asNiftiGz = async (labelmap: Uint8Array, description: string): Promise<Uint8Array> => {
      const nii = encodeNifti1({ ...req.volume, voxels: labelmap }, { intent: 'label', description });
      const gz = await gzipAsync(nii, { level: 6 });
      return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
    };
    const [infectionGz, lungsGz] = await Promise.all([
      asNiftiGz(req.infection, `OPAL infection 0 bg 1 GGO 2 consolidation; ${req.model.name} ${req.model.version}`),
      asNiftiGz(req.lungs, 'OPAL lungs 0 bg 1 right lung 2 left lung'),
    ]);
    files.push({ name: 'infection.nii.gz', format: 'nifti', data: infectionGz });
    files.push({ name: 'lungs.nii.gz', format: 'nifti', data: lungsGz });
    if (req.confidence) {
      const nii = encodeNifti1({ ...req.volume, voxels: req.confidence }, { description: `OPAL confidence 0-255 = p(label) x 255; ${req.model.name} ${req.model.version}` });
      const gz = await gzipAsync(nii, { level: 6 });
      files.push({ name: 'infection-confidence.nii.gz', format: 'nifti', data: new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength) });
    }
  }
  if (format === 'json') files.push({ name: 'measurements.json', format: 'json', data: encodeMeasurementsJson(doc()) });
  if (format === 'csv') {
    files.push({ name: 'measurements.csv', format: 'csv', data: encodeMeasurementsCsv(doc()) });
    files.push({ name: 'lesions.csv', format: 'csv', data: encodeLesionsCsv(doc()) });
  }
  if (format === 'pdf') {
    const modelCard = req.modelCard ?? (await reportModelCard(req.model));
    const data = await buildReportPdf({ volume: req.volume, lungs: req.lungs, infection: req.infection, measurements: req.measurements, model: req.model, study, modelCard, generatedAt, ...(req.review ? { review: req.review } : {}) });
    files.push({ name: 'report.pdf', format: 'pdf', data });
  }
  return files;
}

/**
 * Checks the folder, encodes and writes the requested formats. When some format cannot be made, the
 * others are still written and ExportsIncompleteError is thrown after them (see the top of this file).
 */
export async function writeExports(outDir: string, req: ExportRequest, options: WriteExportsOptions = {}): Promise<WrittenExport[]> {
  await checkOutputFolder(outDir);
  let encoded: { files: EncodedFile[]; failures: FailedExport[] };
  try {
    encoded = await encodeEachExport(req);
  } catch (e) {
    throw toOpalError(e); // coded errors pass through; anything else becomes E_INTERNAL
  }
  const written =
    encoded.files.length > 0
      ? await writeEncodedExports(outDir, encoded.files, {
          ...options,
          formats: req.formats,
          failed: encoded.failures,
          model: { name: req.model.name, version: req.model.version, sha256: req.model.sha256 },
        })
      : [];
  if (encoded.failures.length > 0) throw new ExportsIncompleteError(written, encoded.failures);
  return written;
}

/** Writes files from encodeExports() all or nothing, the done-marker last (see the top of this file). */
export async function writeEncodedExports(
  outDir: string,
  files: EncodedFile[],
  options: WriteExportsOptions & { formats?: ExportFormat[]; failed?: FailedExport[]; model?: { name: string; version: string; sha256: string } } = {},
): Promise<WrittenExport[]> {
  const dir = resolve(outDir);
  const base = options.fs ?? nodeExportFileSystem;
  await commitExportSet(dir, files, {
    fs: options.writeFile ? { ...base, writeNewFile: options.writeFile } : base,
    hooks: options.hooks ?? exportTestHooksFromEnv(options.signal),
    signal: options.signal,
    marker: {
      formats: options.formats ?? [...new Set(files.map((f) => f.format))],
      failed: (options.failed ?? []).map((f) => ({ format: f.format, code: f.error.code, message: f.error.message })),
      ...(options.model ? { model: options.model, modelSha256: options.model.sha256 } : {}),
      ...(options.input ? { input: options.input } : {}),
    },
  });
  return files.map((f) => ({ path: join(dir, f.name), format: f.format }));
}
