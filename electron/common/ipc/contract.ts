import { z } from 'zod';
import { ErrorCodes, type ErrorCode, type OpalErrorJson } from '../errors/index.ts';
import type { Measurements } from '../quant/Measurements.ts';
import { InfectionLabel } from '../volume/labels.ts';
import { FOLDER_PURPOSES } from './folderGrants.ts';

/**
 * The single list of what the renderer may ask of the engine (DESIGN.md §1). Electron main
 * registers exactly these methods as IPC handlers, the preload exposes one function per method, the
 * test host serves them over loopback HTTP, and renderer/src/bridge.ts is their only client.
 *
 * Voxels never travel in JSON: CT volumes and labelmaps are fetched as binary bodies from
 * `opal-volume://<resource>` (Electron) or `/binary/<resource>` (test host); see binaryResource().
 */

// ---- argument building blocks (bounded everything: the renderer is untrusted input) ----

/** A file-system path as typed or picked by the user. */
export const PathSchema = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'path contains a NUL byte');
/** Opaque handle of a loaded volume, minted by the engine. */
export const VOLUME_HANDLE_PATTERN = /^v[0-9a-f]{12}$/;
export const VolumeHandleSchema = z.string().regex(VOLUME_HANDLE_PATTERN, 'not a volume handle');
/** A SeriesInstanceUID, or `uid#n` for the n-th part of a series the loader split by geometry. */
export const SeriesUidSchema = z.string().regex(/^[0-9]+(\.[0-9]+)*(#[0-9]{1,4})?$/, 'not a DICOM UID').max(70);
export const ExportFormatSchema = z.enum(['seg', 'nifti', 'csv', 'json', 'pdf']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
export const LabelmapKindSchema = z.enum(['infection', 'lungs']);
export type LabelmapKind = z.infer<typeof LabelmapKindSchema>;

/** Why a folder is chosen: to read a study from it, or to write exports into it (separate allow-lists). */
export const FolderPurposeSchema = z.enum(FOLDER_PURPOSES);
/**
 * The app's execution-provider setting: 'auto' = the checked choice (a GPU provider only once it
 * reproduced the CPU on the reference slice; else CPU), or one provider forced by the user.
 */
export const EXECUTION_PROVIDER_SETTINGS = ['auto', 'cpu', 'cuda', 'dml', 'coreml'] as const;
export const ExecutionProviderSettingSchema = z.enum(EXECUTION_PROVIDER_SETTINGS);
export type ExecutionProviderSetting = z.infer<typeof ExecutionProviderSettingSchema>;
/** Settings the user changes in the app; kept by main in the app's data folder (settings.json). */
export const AppSettingsSchema = z.object({ executionProvider: ExecutionProviderSettingSchema }).strict();
export type AppSettings = z.infer<typeof AppSettingsSchema>;
export const DEFAULT_APP_SETTINGS: AppSettings = { executionProvider: 'auto' };

/** Largest sparse diff one stroke may carry (a brush stroke over a whole 512x512x600 volume is far less). */
export const MAX_DIFF_VOXELS = 8_000_000;

/** Label values a stroke may write: the infection labels that exist (0 background, 1 GGO, 2 consolidation). */
const INFECTION_LABEL_VALUES: readonly number[] = Object.values(InfectionLabel);

/** A sparse change to a labelmap: the voxels at `indices` take `values` (same length). */
export const LabelmapDiffSchema = z
  .object({
    indices: z.array(z.number().int().nonnegative().max(2 ** 31)).max(MAX_DIFF_VOXELS),
    values: z
      .array(z.number().int().refine((v) => INFECTION_LABEL_VALUES.includes(v), { message: `a label value must be one of ${INFECTION_LABEL_VALUES.join(', ')}` }))
      .max(MAX_DIFF_VOXELS),
  })
  .refine((d) => d.indices.length === d.values.length, 'indices and values differ in length');
export type LabelmapDiff = z.infer<typeof LabelmapDiffSchema>;

// ---- results ----

export interface SeriesSummary {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesDescription?: string;
  modality?: string;
  /** Number of image files (or frames) found. */
  imageCount: number;
  rows?: number;
  columns?: number;
  slices?: number;
  /** False when the series cannot become a volume as is (gantry tilt, duplicate slices). */
  loadable: boolean;
  warnings: string[];
}

export interface SkippedFile {
  path: string;
  code: ErrorCode;
  message: string;
}

export interface ScanResult {
  folder: string;
  series: SeriesSummary[];
  skipped: SkippedFile[];
}

export interface VolumeInfo {
  handle: string;
  dims: [number, number, number];
  spacingMm: [number, number, number];
  originMm: [number, number, number];
  direction: [number, number, number, number, number, number, number, number, number];
  /** Element type of the CT voxels served at binaryResource({kind: 'ct'}). */
  voxelType: 'int16' | 'float32';
  seriesInstanceUid?: string;
  studyInstanceUid?: string;
  frameOfReferenceUid?: string;
  seriesDescription?: string;
  patientName?: string;
  patientId?: string;
  /** DICOM StudyDate, YYYYMMDD as stored. */
  studyDate?: string;
  /** DICOM SliceThickness of the source images (mm), when they carry it. */
  sliceThicknessMm?: number;
  /** Loader warnings (irregular spacing, etc.) to show to the user. */
  warnings: string[];
  /** Work on this series autosaved by an earlier session (a crash, or edits kept when closing): offer to restore it. */
  autosave?: AutosaveSummary;
}

/** Where the labelmap that edits start from came from. */
export type LabelmapSource = 'none' | 'model' | 'import';

/** An autosave found for a series (PersistenceService): the base labelmap plus an append-only edit journal. */
export interface AutosaveSummary {
  /** When the autosave was last written (ISO 8601). */
  savedAt: string;
  /** Journal records (strokes, engine edits, undos, redos) that a restore replays. */
  edits: number;
  source: LabelmapSource;
  /** Bytes of a record torn by a crash at the journal's end (0: none); that record is not replayed. */
  tornBytes: number;
}

export interface ModelCard {
  name: string;
  version: string;
  architecture: string;
  sha256: string;
  license: string;
  classes: string[];
  intendedUse?: string;
  metrics?: Record<string, unknown>;
  training?: Record<string, unknown>;
}

export interface AppInfo {
  appVersion: string;
  notice: string;
  model: ModelCard | null;
  /** The onnxruntime execution provider in use ('cpu', 'cuda', ...), null before the first run. */
  executionProvider: string | null;
  /** Why the model is unavailable, when it is. */
  modelProblem?: OpalErrorJson;
}

export interface SegmentResult {
  volumeHandle: string;
  /** Labelmap revision after the run; fetch the labelmaps again when it changes. */
  revision: number;
  executionProvider: string;
  durationMs: number;
  measurements: Measurements | null;
}

export interface EditResult {
  revision: number;
  /** The voxels that changed (for undo/redo: what the renderer must write into its copy). */
  applied: LabelmapDiff;
  /** The labelmap `applied` belongs to: the infection (absent, or 'infection') or the lungs (1 right, 2 left). */
  target?: LabelmapKind;
  measurements: Measurements | null;
  canUndo: boolean;
  canRedo: boolean;
  /** The labelmap holds edits by hand (re-segmenting would need a choice about them). */
  edited: boolean;
  /** Edited and not exported or saved as a project since (closing asks first). */
  unsavedEdits: boolean;
  /** The edit is applied, but the autosave could not be written (disk full, permissions). */
  autosaveProblem?: OpalErrorJson;
}

export interface RestoreResult extends EditResult {
  hasInfection: boolean;
  hasLungs: boolean;
  /** Journal records replayed onto the base labelmap. */
  replayedEdits: number;
  /** Bytes of a torn last record that could not be replayed (0: none). */
  tornBytes: number;
}

/** What the engine holds in memory (the many-studies check: volumes are released on close). */
export interface EngineStats {
  openVolumes: number;
  rssBytes: number;
  heapUsedBytes: number;
  arrayBuffersBytes: number;
}

export interface IslandsResult extends EditResult {
  removedIslands: number;
  keptIslands: number;
}

export interface HolesResult extends EditResult {
  holes: number;
}

export interface InterpolationResult extends EditResult {
  gaps: number;
  skippedGaps: number;
}

/** Deleting the 3-D lesion under a click (deleteLesion). */
export interface LesionDeleteResult extends EditResult {
  /** Voxels removed (0: the click was not on infection), and their volume per label. */
  removedVoxels: number;
  removedGroundGlassMl: number;
  removedConsolidationMl: number;
  /** First and last axial slice (k) the lesion spanned. */
  slices?: [number, number];
}

/** Region growing from a click (growRegion). */
export interface GrowRegionResult extends EditResult {
  /** Voxels of the grown region, and how many of them changed label (the volume added or relabelled, mL). */
  regionVoxels: number;
  changedVoxels: number;
  changedMl: number;
  /** The region reached the voxel cap before it stopped growing. */
  capped: boolean;
  /** The clicked voxel's CT value. */
  seedHu: number;
  /** Why nothing grew: the click is outside the HU range, or outside the lungs (lungsOnly). */
  refused?: 'seed-outside-range' | 'seed-outside-mask';
}

/** Assisted correction in a box (assistedCorrection). */
export interface AssistedCorrectionResult extends EditResult {
  /** 'model': the model re-run on the box's slices; 'hu-grow': an HU-guided grow (the model was unavailable or found nothing there). */
  method: 'model' | 'hu-grow';
  /** Voxels added (background before), and their volume. */
  addedVoxels: number;
  addedMl: number;
  /** Axial slices the model ran on (method 'model'). */
  slicesInferred: number;
  /** Why the model was not used, when it was not. */
  modelProblem?: OpalErrorJson;
}

export interface ExportResult {
  outDir: string;
  files: string[];
}

/** A folder the main process handed out (its dialog): the renderer may name it and what lies inside it. */
export interface ChosenFolder {
  path: string;
}

/** A mask file the main process handed out (its file dialog, chooseMaskFile). */
export interface ChosenFile {
  path: string;
}

/** One segment (SEG) or label value (NIfTI) of an imported mask, and what OPAL took it for (README: opal measure). */
export interface ImportedMaskSegment {
  file: string;
  /** SEG SegmentNumber, or the NIfTI label value. */
  number: number;
  label: string;
  /** The SEG segment's type code ("SCT 95436008 Lung consolidation"). */
  code?: string;
  /** ground-glass, consolidation, infection, right-lung, left-lung, lungs or ignore; absent: left out. */
  meaning?: string;
  by?: 'user' | 'code' | 'label' | 'convention';
  voxels: number;
  volumeMl: number;
}

export interface ImportMaskResult extends EditResult {
  hasInfection: boolean;
  hasLungs: boolean;
  /** Where the lungs came from: the mask, the labelmap the session had, or made from the CT. */
  lungsFrom: 'mask' | 'session' | 'ct';
  segments: ImportedMaskSegment[];
  /** Segments left out or counted approximately (E_UNKNOWN_SEGMENT). */
  warnings: OpalErrorJson[];
}

/** One slice of the review queue (common/review/reviewQueue.ts: the ranking rule). */
export interface ReviewQueueSlice {
  /** Voxel slice index along the axial axis (k). */
  k: number;
  /** The app's axial slice number (1 = most inferior). */
  sliceNumber: number;
  /** 1 = review first. */
  rank: number;
  /** The score: volume of voxels the model was unsure of (confidence < 0.6, not edited), mL. */
  uncertainMl: number;
  infectionMl: number;
  /** Mean model confidence 0–1 of the slice's infection (hand-painted voxels left out); null: none. */
  meanInfectionConfidence: number | null;
  /** Where to look: the centre (voxel i, j, k) of the slice's uncertain voxels, else of its infection. */
  centreVoxel: [number, number, number];
  reviewed: boolean;
}

/** The review queue of a volume's labelmap (review mode, issue 15 point 4). */
export interface ReviewQueue {
  /** The labelmap revision the ranking was made on. */
  revision: number;
  /** False for a labelmap without model confidence (an imported mask): ranked by infection volume. */
  hasConfidence: boolean;
  maskEdited: boolean;
  /** Rank order. */
  slices: ReviewQueueSlice[];
  /** Slices of the queue marked reviewed, and the queue's length ("reviewed / total"). */
  reviewed: number;
  total: number;
  /** Slices marked reviewed that the queue no longer holds (their infection was edited away). */
  reviewedOutsideQueue: number;
  /** The mark is kept, but the autosave could not be written. */
  autosaveProblem?: OpalErrorJson;
}

export const INVESTIGATIONAL_NOTICE = 'Investigational software, not a medical device.';

// ---- the methods ----

/** A voxel (i, j, k) of a volume; the engine checks it against the volume's dims. */
const VoxelSchema = z.tuple([z.number().int().min(0).max(65535), z.number().int().min(0).max(65535), z.number().int().min(0).max(65535)]);
/** A box of voxels, corners inclusive (any order); the engine clips it to the volume. */
const VoxelBoxSchema = z.object({ from: VoxelSchema, to: VoxelSchema }).strict();
/** An infection label to write: 1 ground-glass, 2 consolidation. */
const InfectionLabelSchema = z.union([z.literal(1), z.literal(2)]);
/** An HU range, inclusive. */
const HuRangeSchema = z
  .object({ min: z.number().min(-2000).max(5000), max: z.number().min(-2000).max(5000) })
  .strict()
  .refine((r) => r.min <= r.max, 'the lowest HU must not exceed the highest');
const NoArgs = z.object({}).strict();
const HandleArgs = z.object({ volumeHandle: VolumeHandleSchema }).strict();
/**
 * What a segmentation does to a labelmap edited by hand: 'refuse' (default) fails with
 * E_UNSAVED_EDITS, 'keep' lets the model relabel only voxels no edit touched, 'replace' discards the edits.
 */
export const EditsPolicySchema = z.enum(['refuse', 'keep', 'replace']);
export type EditsPolicy = z.infer<typeof EditsPolicySchema>;

export const contract = {
  getAppInfo: { args: NoArgs, result: {} as AppInfo },
  getSettings: { args: NoArgs, result: {} as AppSettings },
  /** Changes settings (persisted by main); the execution provider applies from the next segmentation. */
  setSettings: { args: AppSettingsSchema.partial().strict(), result: {} as AppSettings },
  /**
   * Opens the main process's folder dialog; the chosen folder (null when cancelled) is recorded in
   * main's allow-list for that purpose. scanFolder/loadSeries ('open') and exportResults ('export')
   * refuse with E_PATH_NOT_GRANTED any path not inside a folder handed out so (or a recent folder).
   */
  chooseFolder: { args: z.object({ purpose: FolderPurposeSchema }).strict(), result: {} as ChosenFolder | null },
  scanFolder: { args: z.object({ path: PathSchema }).strict(), result: {} as ScanResult },
  /** Stops the folder scan in progress (its scanFolder rejects with E_CANCELLED); false when none runs. */
  cancelScan: { args: NoArgs, result: {} as { cancelled: boolean } },
  listRecentFolders: { args: NoArgs, result: {} as string[] },
  loadSeries: {
    args: z.object({ path: PathSchema, seriesInstanceUid: SeriesUidSchema.optional() }).strict(),
    result: {} as VolumeInfo,
  },
  /** Releases a volume; `discardAutosave` also deletes its autosaved work (the user chose Discard). */
  closeVolume: { args: z.object({ volumeHandle: VolumeHandleSchema, discardAutosave: z.boolean().optional() }).strict(), result: {} as { closed: boolean } },
  segment: { args: z.object({ volumeHandle: VolumeHandleSchema, edits: EditsPolicySchema.optional() }).strict(), result: {} as SegmentResult },
  cancelSegmentation: { args: HandleArgs, result: {} as { cancelled: boolean } },
  getLabelmapRevision: { args: HandleArgs, result: {} as { revision: number; hasInfection: boolean; hasLungs: boolean; edited: boolean; unsavedEdits: boolean } },
  /** Replays the series' autosave (VolumeInfo.autosave) onto the loaded volume: base labelmap, then the journal. */
  restoreAutosave: { args: HandleArgs, result: {} as RestoreResult },
  /** Deletes the series' autosave (the user chose to start over). */
  discardAutosave: { args: HandleArgs, result: {} as { discarded: boolean } },
  /** Writes the work on a volume (base labelmap + journal) as one project file (README: project files). */
  saveProject: { args: z.object({ volumeHandle: VolumeHandleSchema, path: PathSchema }).strict(), result: {} as { path: string } },
  /** Opens a project file saved for this same series onto the loaded volume; E_GEOMETRY_MISMATCH for another series. */
  openProject: { args: z.object({ volumeHandle: VolumeHandleSchema, path: PathSchema }).strict(), result: {} as RestoreResult },
  getEngineStats: { args: NoArgs, result: {} as EngineStats },
  commitStroke: {
    // target: the labelmap painted (default the infection); the lungs' values 0, 1 right, 2 left pass the same check.
    args: z.object({ volumeHandle: VolumeHandleSchema, diff: LabelmapDiffSchema, target: LabelmapKindSchema.optional() }).strict(),
    result: {} as EditResult,
  },
  /** Clears every island (26-connected component) of the infection labelmap below minVolumeMl; one undo step. */
  removeSmallIslands: {
    args: z.object({ volumeHandle: VolumeHandleSchema, minVolumeMl: z.number().positive().max(1000) }).strict(),
    result: {} as IslandsResult,
  },
  /** Fills the enclosed holes of the infection labelmap, slice by axial slice, with their rim's label; one undo step. */
  fillHoles: { args: HandleArgs, result: {} as HolesResult },
  /** Fills runs of unlabelled slices of `plane` (default axial; at most maxGapSlices) between painted ones by shape-based interpolation; one undo step. */
  interpolateSlices: {
    args: z.object({ volumeHandle: VolumeHandleSchema, maxGapSlices: z.number().int().min(1).max(50), plane: z.enum(['axial', 'coronal', 'sagittal']).optional() }).strict(),
    result: {} as InterpolationResult,
  },
  /** Deletes the 3-D lesion under a voxel: its whole 26-connected component of infection (both labels); one undo step. */
  deleteLesion: { args: z.object({ volumeHandle: VolumeHandleSchema, voxel: VoxelSchema }).strict(), result: {} as LesionDeleteResult },
  /**
   * Grows a region from a voxel over the 6-connected voxels whose HU lies in [minHu, maxHu], no
   * farther than radiusMm, at most maxVoxels, optionally only inside the lungs; labels it `label`. One undo step.
   */
  growRegion: {
    args: z
      .object({ volumeHandle: VolumeHandleSchema, voxel: VoxelSchema, label: InfectionLabelSchema, hu: HuRangeSchema, radiusMm: z.number().min(0.5).max(150), maxVoxels: z.number().int().min(1).max(MAX_DIFF_VOXELS).optional(), lungsOnly: z.boolean() })
      .strict(),
    result: {} as GrowRegionResult,
  },
  /**
   * Assisted correction of a missed lesion: re-runs the model on the axial slices the box covers and
   * adds its labels inside the box where the labelmap is background (or, when the model cannot be
   * used or finds nothing there, an HU-guided grow from the box's centre with `label` and `hu`). One undo step.
   */
  assistedCorrection: {
    args: z.object({ volumeHandle: VolumeHandleSchema, box: VoxelBoxSchema, label: InfectionLabelSchema, hu: HuRangeSchema, lungsOnly: z.boolean() }).strict(),
    result: {} as AssistedCorrectionResult,
  },
  undo: { args: HandleArgs, result: {} as EditResult | null },
  redo: { args: HandleArgs, result: {} as EditResult | null },
  getMeasurements: { args: HandleArgs, result: {} as Measurements | null },
  /** Opens main's file dialog for a mask (DICOM SEG, NIfTI labelmap); the chosen file (null when cancelled) may be passed to importMask. */
  chooseMaskFile: { args: NoArgs, result: {} as ChosenFile | null },
  /**
   * Reads a mask (a file from chooseMaskFile, or one inside a granted folder) onto the volume as its
   * new base labelmap (edits journal on top) and measures it; E_GEOMETRY_MISMATCH for a mask of
   * another series. Hand edits: 'refuse' (default) fails with E_UNSAVED_EDITS, 'replace' discards them.
   */
  importMask: {
    args: z.object({ volumeHandle: VolumeHandleSchema, path: PathSchema, edits: z.enum(['refuse', 'replace']).optional() }).strict(),
    result: {} as ImportMaskResult,
  },
  /** The axial slices ranked for review (most uncertain first) with their reviewed marks. */
  getReviewQueue: { args: HandleArgs, result: {} as ReviewQueue },
  /** Marks axial slice `k` (voxel index) reviewed or not; autosaved and recorded in the exports. Answers the queue after the change. */
  markSliceReviewed: {
    args: z.object({ volumeHandle: VolumeHandleSchema, k: z.number().int().min(0).max(65535), reviewed: z.boolean() }).strict(),
    result: {} as ReviewQueue,
  },
  exportResults: {
    args: z
      .object({ volumeHandle: VolumeHandleSchema, outDir: PathSchema, formats: z.array(ExportFormatSchema).min(1).max(5) })
      .strict(),
    result: {} as ExportResult,
  },
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodArgs<M extends MethodName> = z.infer<Contract[M]['args']>;
export type MethodResult<M extends MethodName> = Contract[M]['result'];
export const METHOD_NAMES = Object.keys(contract) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** What every call returns across the process boundary. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: OpalErrorJson };

/** The contract as a typed API (what window.opal and the test transport implement). */
export type OpalApi = { [M in MethodName]: (args: MethodArgs<M>) => Promise<Envelope<MethodResult<M>>> };

/** Validates a method's arguments; on failure returns an E_BAD_ARGUMENT envelope naming the field. */
export function parseArgs<M extends MethodName>(method: M, raw: unknown): { ok: true; value: MethodArgs<M> } | { ok: false; error: OpalErrorJson } {
  const r = contract[method].args.safeParse(raw ?? {});
  if (r.success) return { ok: true, value: r.data as MethodArgs<M> };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length ? issue.path.join('.') : 'arguments';
  return { ok: false, error: { code: 'E_BAD_ARGUMENT', message: `${ErrorCodes.E_BAD_ARGUMENT} for ${method}: ${where}: ${issue?.message ?? 'invalid'}` } };
}

// ---- events (engine → renderer) ----

export type OpalEvent =
  | { type: 'scan-progress'; folder: string; filesSeen: number; filesTotal?: number }
  | { type: 'segment-progress'; volumeHandle: string; phase: 'preview' | 'full'; done: number; total: number }
  /** `slices`: the axial slices (k) the preview labelled; only they changed. */
  | { type: 'segment-preview'; volumeHandle: string; revision: number; slices?: number[] }
  | { type: 'labelmap-changed'; volumeHandle: string; revision: number };

/**
 * Preload-only channel (not a contract method: the page cannot name a path on it): the preload sends
 * the real path Electron gives a File dropped on the window (webUtils.getPathForFile), and main
 * hands that folder out (OpalSession.grantDropped). A page cannot make up a File with a path.
 */
export const GRANT_DROPPED_CHANNEL = 'opal-preload:grantDropped';

/** Name of the IPC channel carrying OpalEvents to the renderer. */
export const EVENT_CHANNEL = 'opal:event';
/** IPC channel name of a contract method. */
export function channelOf(method: MethodName): string {
  return `opal:${method}`;
}

// ---- binary resources ----

/**
 * A labelmap comes raw (one byte per voxel) or, with `encoding: 'runs'`, run-length encoded
 * (common/volume/labelRuns.ts): the renderer's overlays use runs, which are a few hundred kB where
 * the raw labelmap of a 512×512×300 study is 78 MB.
 */
export type BinaryResource = { kind: 'ct'; volumeHandle: string } | { kind: OverlayKind; volumeHandle: string; encoding?: 'runs' };
/**
 * What the viewer lays over the CT: the labelmaps, and `confidence`, the model's confidence binned
 * into levels as a labelmap (0 confident or not run, 1 p 0.6–0.8, 2 p < 0.6; common/review confidenceLevels).
 */
export type OverlayKind = LabelmapKind | 'confidence';

/** Path of a binary resource, relative to the transport's base (`opal-volume://` or `/binary/`). */
export function binaryResourcePath(r: BinaryResource): string {
  return `${r.kind}/${r.volumeHandle}${'encoding' in r && r.encoding === 'runs' ? '/runs' : ''}`;
}

/** Inverse of binaryResourcePath; undefined for anything that is not exactly a resource path. */
export function parseBinaryResourcePath(path: string): BinaryResource | undefined {
  const m = /^\/*(ct|infection|lungs|confidence)\/(v[0-9a-f]{12})(\/runs)?\/?$/.exec(path);
  if (!m) return undefined;
  if (m[3]) return m[1] === 'ct' ? undefined : { kind: m[1] as OverlayKind, volumeHandle: m[2], encoding: 'runs' };
  return { kind: m[1] as BinaryResource['kind'], volumeHandle: m[2] };
}
