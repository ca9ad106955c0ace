import { encodeLabelRuns } from '../../common/volume/labelRuns.ts';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OpalError, toOpalError } from '../../common/errors/index.ts';
import {
  INVESTIGATIONAL_NOTICE,
  type AppInfo,
  type AppSettings,
  type BinaryResource,
  type ChosenFile,
  type ChosenFolder,
  type EditResult,
  type EngineStats,
  type ExportResult,
  type HolesResult,
  type ImportMaskResult,
  type InterpolationResult,
  type IslandsResult,
  type LabelmapDiff,
  type MethodArgs,
  type MethodName,
  type MethodResult,
  type OpalEvent,
  type RestoreResult,
  type ReviewQueue,
  type ScanResult,
  type SegmentResult,
  type VolumeInfo,
} from '../../common/ipc/contract.ts';
import type { FolderPurpose } from '../../common/ipc/folderGrants.ts';
import type { EditTarget, InterpolationPlane } from '../../common/edit/index.ts';
import type { EngineServices } from './EngineServices.ts';
import { RecentFolders } from './RecentFolders.ts';
import { FolderGrants } from './FolderGrants.ts';
import { AppSettingsStore } from './AppSettingsStore.ts';
import { VolumeService } from './VolumeService.ts';
import { SegmentationService } from './SegmentationService.ts';
import { EditingService } from './EditingService.ts';
import { PersistenceService, type SavedWork } from './PersistenceService.ts';
import { ExportService } from './ExportService.ts';
import { MaskImportService } from './MaskImportService.ts';
import { ReviewService } from './ReviewService.ts';
import { CorrectionService } from './CorrectionService.ts';
import { hasUnsavedEdits, isEdited, type OpenVolume } from './OpenVolume.ts';

export interface OpalSessionOptions {
  engine: EngineServices;
  /** The app's data folder (autosaved edit journals, recent folders). */
  appDataDir: string;
  appVersion: string;
  /** Memory budget of each volume's undo journal (default 64 MiB). */
  journalBytes?: number;
  /** Journal records appended between two compactions of the autosave (default 256). */
  compactAfterRecords?: number;
  /**
   * The main process's folder dialog (Electron: dialog.showOpenDialog; the test host: its queue of
   * answers): the folder the user chose, undefined when cancelled. Without it chooseFolder refuses.
   */
  chooseFolder?: (purpose: FolderPurpose) => Promise<string | undefined>;
  /** The main process's file dialog for a mask (DICOM SEG, NIfTI): the file chosen, undefined when cancelled. */
  chooseMaskFile?: () => Promise<string | undefined>;
}

export type SessionHandlers = { [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodResult<M>> };

/**
 * One OPAL window's engine side, as a thin facade over services with one job each (OHIF's manner):
 * VolumeService (loaded series), SegmentationService (model runs, base labelmaps, measurements),
 * EditingService (edits, undo journal), PersistenceService (autosave, restore, project files) and
 * ExportService. Every contract method is a method here taking validated arguments; transport
 * (Electron IPC, the test host's HTTP) and validation live outside. Runs under plain Node.
 */
export class OpalSession implements SessionHandlers {
  private readonly listeners = new Set<(e: OpalEvent) => void>();
  /** The folder scan in progress (cancelScan). */
  private scanAbort?: AbortController;
  private readonly recent: RecentFolders;
  /** The folders handed out to the renderer (security: it names no other folder). */
  readonly grants: FolderGrants;
  private readonly settings: AppSettingsStore;
  readonly journalBytes: number;
  readonly volumes: VolumeService;
  readonly persistence: PersistenceService;
  readonly segmentation: SegmentationService;
  readonly editing: EditingService;
  readonly exports: ExportService;
  readonly masks: MaskImportService;
  readonly review: ReviewService;
  readonly corrections: CorrectionService;

  constructor(private readonly options: OpalSessionOptions) {
    this.recent = new RecentFolders(join(options.appDataDir, 'recent-folders.json'));
    // Recent folders were stored by the main process itself, so they count as handed out (to open).
    this.grants = new FolderGrants(async (purpose) => (purpose === 'open' ? this.recent.list() : []));
    this.settings = new AppSettingsStore(join(options.appDataDir, 'settings.json'));
    this.journalBytes = options.journalBytes ?? 64 * 1024 * 1024;
    this.volumes = new VolumeService({ engine: options.engine, journalBytes: this.journalBytes });
    this.persistence = new PersistenceService({ appDataDir: options.appDataDir, compactAfterRecords: options.compactAfterRecords });
    this.segmentation = new SegmentationService(options.engine, this.persistence, (e) => this.emit(e));
    this.editing = new EditingService(this.persistence, (v) => this.segmentation.remeasure(v));
    this.exports = new ExportService(options.engine);
    this.corrections = new CorrectionService(options.engine, this.editing);
    this.review = new ReviewService(this.persistence);
    this.masks = new MaskImportService(this.segmentation, this.editing, this.grants, (e) => this.emit(e), options.chooseMaskFile);
  }

  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (e: OpalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: OpalEvent): void {
    for (const l of this.listeners) l(e);
  }

  private get(handle: string): OpenVolume {
    return this.volumes.get(handle);
  }

  async getAppInfo(): Promise<AppInfo> {
    const base = { appVersion: this.options.appVersion, notice: INVESTIGATIONAL_NOTICE, executionProvider: this.segmentation.executionProvider };
    try {
      return { ...base, model: await this.options.engine.modelCard() };
    } catch (e) {
      return { ...base, model: null, modelProblem: toOpalError(e).toJSON() };
    }
  }

  async getSettings(): Promise<AppSettings> {
    return this.settings.get();
  }

  async setSettings(change: Partial<AppSettings>): Promise<AppSettings> {
    return this.settings.set(change);
  }

  /** Asks the main process's folder dialog; the chosen folder is handed out to the renderer for `purpose`. */
  async chooseFolder({ purpose }: { purpose: FolderPurpose }): Promise<ChosenFolder | null> {
    if (!this.options.chooseFolder) throw new OpalError('E_BAD_ARGUMENT', 'No folder dialog is available here.');
    const picked = await this.options.chooseFolder(purpose);
    return picked ? { path: await this.grants.grant(picked, purpose) } : null;
  }

  /** For the main process only (the File menu's dialog, a folder dropped on the window): hands a folder out. */
  async grantFolder(path: string, purpose: FolderPurpose): Promise<string> {
    return this.grants.grant(path, purpose);
  }

  /**
   * A folder (or a file: its folder) dropped on the window, by the real path Electron gave the
   * preload (GRANT_DROPPED_CHANNEL): handed out to open. Returns the canonical path of what was dropped.
   */
  async grantDropped(path: string): Promise<ChosenFolder> {
    const info = await stat(path).catch(() => {
      throw new OpalError('E_NOT_FOUND', `${path} does not exist or cannot be read.`, path);
    });
    const folder = await this.grants.grant(info.isDirectory() ? path : dirname(path), 'open');
    return { path: info.isDirectory() ? folder : join(folder, basename(path)) };
  }

  async scanFolder({ path: requested }: { path: string }): Promise<ScanResult> {
    const path = await this.grants.check(requested, 'open'); // E_PATH_NOT_GRANTED unless handed out
    // One scan at a time per window: a new one stops the previous one (cancelScan stops the current).
    this.scanAbort?.abort();
    const abort = new AbortController();
    this.scanAbort = abort;
    try {
      const result = await this.options.engine.scanFolder(path, {
        signal: abort.signal,
        onProgress: (filesSeen, filesTotal) => this.emit({ type: 'scan-progress', folder: path, filesSeen, filesTotal }),
      });
      await this.recent.add(result.folder).catch(() => undefined);
      return result;
    } finally {
      if (this.scanAbort === abort) this.scanAbort = undefined;
    }
  }

  async cancelScan(): Promise<{ cancelled: boolean }> {
    const abort = this.scanAbort;
    if (!abort) return { cancelled: false };
    abort.abort();
    return { cancelled: true };
  }

  async listRecentFolders(): Promise<string[]> {
    return this.recent.list();
  }

  /** Loads a series; VolumeInfo.autosave names work autosaved on it earlier (restoreAutosave/discardAutosave). */
  async loadSeries({ path: requested, seriesInstanceUid }: { path: string; seriesInstanceUid?: string }): Promise<VolumeInfo> {
    const path = await this.grants.check(requested, 'open');
    const v = await this.volumes.load(path, seriesInstanceUid);
    this.segmentation.prepare(v);
    this.persistence.claim(v);
    const autosave = await this.persistence.summary(v.autosaveKey);
    if (autosave) {
      v.persist.pendingRestore = true;
      v.info = { ...v.info, autosave };
    }
    return v.info;
  }

  /** Releases the volume (voxels, labelmaps, journal); its autosave stays unless `discardAutosave`. */
  async closeVolume({ volumeHandle, discardAutosave }: { volumeHandle: string; discardAutosave?: boolean }): Promise<{ closed: boolean }> {
    const v = this.volumes.all().find((x) => x.handle === volumeHandle);
    if (!v) return { closed: false };
    this.volumes.close(volumeHandle);
    this.review.release(volumeHandle);
    this.persistence.release(v);
    await this.persistence.flush(v.autosaveKey);
    if (discardAutosave) await this.persistence.discard(v.autosaveKey);
    return { closed: true };
  }

  async segment({ volumeHandle, edits }: MethodArgs<'segment'>): Promise<SegmentResult> {
    const v = this.get(volumeHandle);
    // The app's execution-provider setting, read at each run: a change applies from the next one.
    const providerSetting = (await this.settings.get()).executionProvider;
    const result = await this.segmentation.segment(v, edits, {
      ...(providerSetting === 'auto' ? {} : { executionProviders: [providerSetting] }),
      provenance: { executionProviderSetting: providerSetting },
    });
    await this.review.reset(v); // a new labelmap: its review starts again
    return result;
  }

  async cancelSegmentation({ volumeHandle }: { volumeHandle: string }): Promise<{ cancelled: boolean }> {
    return { cancelled: this.segmentation.cancel(this.get(volumeHandle)) };
  }

  async getLabelmapRevision({ volumeHandle }: { volumeHandle: string }) {
    const v = this.get(volumeHandle);
    return { revision: v.revision, hasInfection: v.infection !== null, hasLungs: v.lungs !== null, edited: isEdited(v), unsavedEdits: hasUnsavedEdits(v) };
  }

  async commitStroke({ volumeHandle, diff, target }: { volumeHandle: string; diff: LabelmapDiff; target?: EditTarget }): Promise<EditResult> {
    return this.editing.commitStroke(this.get(volumeHandle), diff, target);
  }

  async removeSmallIslands({ volumeHandle, minVolumeMl }: { volumeHandle: string; minVolumeMl: number }): Promise<IslandsResult> {
    return this.editing.removeSmallIslands(this.get(volumeHandle), minVolumeMl);
  }

  async fillHoles({ volumeHandle }: { volumeHandle: string }): Promise<HolesResult> {
    return this.editing.fillHoles(this.get(volumeHandle));
  }

  async interpolateSlices({ volumeHandle, maxGapSlices, plane }: { volumeHandle: string; maxGapSlices: number; plane?: InterpolationPlane }): Promise<InterpolationResult> {
    return this.editing.interpolateSlices(this.get(volumeHandle), maxGapSlices, plane);
  }

  async undo({ volumeHandle }: { volumeHandle: string }): Promise<EditResult | null> {
    return this.editing.undoRedo(this.get(volumeHandle), 'undo');
  }

  async redo({ volumeHandle }: { volumeHandle: string }): Promise<EditResult | null> {
    return this.editing.undoRedo(this.get(volumeHandle), 'redo');
  }

  async deleteLesion({ volumeHandle, ...args }: MethodArgs<'deleteLesion'>): Promise<MethodResult<'deleteLesion'>> {
    return this.corrections.deleteLesion(this.get(volumeHandle), args);
  }

  async growRegion({ volumeHandle, ...args }: MethodArgs<'growRegion'>): Promise<MethodResult<'growRegion'>> {
    return this.corrections.growRegion(this.get(volumeHandle), args);
  }

  /** Assisted correction: the model runs with the app's execution-provider setting, as segment() does. */
  async assistedCorrection({ volumeHandle, ...args }: MethodArgs<'assistedCorrection'>): Promise<MethodResult<'assistedCorrection'>> {
    const v = this.get(volumeHandle);
    const providerSetting = (await this.settings.get()).executionProvider;
    return this.corrections.assistedCorrection(v, args, providerSetting === 'auto' ? {} : { executionProviders: [providerSetting] });
  }

  async getMeasurements({ volumeHandle }: { volumeHandle: string }) {
    return this.get(volumeHandle).measurements;
  }

  async exportResults({ volumeHandle, outDir, formats }: MethodArgs<'exportResults'>): Promise<ExportResult> {
    const v = this.get(volumeHandle);
    this.exports.assertExportable(v);
    const dir = await this.grants.check(outDir, 'export'); // E_PATH_NOT_GRANTED unless inside a chosen output folder
    return this.exports.exportResults(v, dir, formats, this.review.record(v));
  }

  /** Puts saved work (autosave or project file) on a volume: its base, then its journal replayed. */
  private restoreWork(v: OpenVolume, work: SavedWork): RestoreResult {
    if (v.running) throw new OpalError('E_BAD_ARGUMENT', 'Wait for the segmentation to finish (or cancel it) first.');
    this.segmentation.applySnapshot(v, work.snapshot);
    this.editing.replay(v, work.records);
    return {
      ...this.editing.result(v, { indices: [], values: [] }),
      hasInfection: v.infection !== null,
      hasLungs: v.lungs !== null,
      replayedEdits: work.records.length,
      tornBytes: work.tornBytes,
    };
  }

  async restoreAutosave({ volumeHandle }: { volumeHandle: string }): Promise<RestoreResult> {
    const v = this.get(volumeHandle);
    const work = await this.persistence.read(v.autosaveKey);
    const result = this.restoreWork(v, work);
    // Edits from now on append to the restored journal.
    v.persist.pendingRestore = false;
    v.persist.baseWritten = true;
    v.persist.recordsSinceCompaction = work.records.length;
    await this.review.restore(v);
    return result;
  }

  async discardAutosave({ volumeHandle }: { volumeHandle: string }): Promise<{ discarded: boolean }> {
    const v = this.get(volumeHandle);
    v.persist.pendingRestore = false;
    v.persist.baseWritten = false;
    const discarded = await this.persistence.discard(v.autosaveKey);
    await this.review.reset(v);
    return { discarded };
  }

  async saveProject({ volumeHandle, path: requested }: { volumeHandle: string; path: string }): Promise<{ path: string }> {
    const v = this.get(volumeHandle);
    const path = await this.grants.check(requested, 'export');
    await this.persistence.saveProject(v, path);
    v.savedRevision = v.revision;
    return { path };
  }

  async openProject({ volumeHandle, path: requested }: { volumeHandle: string; path: string }): Promise<RestoreResult> {
    const v = this.get(volumeHandle);
    const path = await this.grants.check(requested, 'open');
    const work = await this.persistence.readProject(path);
    if (work.meta.key !== v.autosaveKey) {
      throw new OpalError(
        'E_GEOMETRY_MISMATCH',
        `This project was saved on another series (${work.meta.seriesDescription ?? work.meta.seriesInstanceUid ?? 'unknown'}): its series or its voxels differ from the open one.`,
      );
    }
    const result = this.restoreWork(v, work);
    await this.review.reset(v); // project files carry no review marks
    // The opened work becomes this series' autosave (a new generation from the project's base).
    await this.persistence.compact(v);
    v.savedRevision = v.revision;
    return { ...result, unsavedEdits: false };
  }

  async chooseMaskFile(): Promise<ChosenFile | null> {
    return this.masks.chooseMaskFile();
  }

  /** An imported mask becomes the volume's base labelmap (MaskImportService). */
  async importMask({ volumeHandle, path, edits }: MethodArgs<'importMask'>): Promise<ImportMaskResult> {
    const v = this.get(volumeHandle);
    const result = await this.masks.importMask(v, path, edits);
    await this.review.reset(v);
    return result;
  }

  async getReviewQueue({ volumeHandle }: { volumeHandle: string }): Promise<ReviewQueue> {
    return this.review.queue(this.get(volumeHandle));
  }

  async markSliceReviewed({ volumeHandle, k, reviewed }: MethodArgs<'markSliceReviewed'>): Promise<ReviewQueue> {
    return this.review.mark(this.get(volumeHandle), k, reviewed);
  }

  async getEngineStats(): Promise<EngineStats> {
    return this.volumes.stats();
  }

  /** The bytes of a binary resource (CT voxels or a labelmap): served without copying, or as label runs. */
  binary(r: BinaryResource): Uint8Array {
    const v = this.get(r.volumeHandle);
    const arr = r.kind === 'ct' ? v.volume.voxels : r.kind === 'infection' ? v.infection : r.kind === 'lungs' ? v.lungs : this.review.confidenceLevels(v);
    if (!arr) throw new OpalError('E_BAD_ARGUMENT', `This image has no ${r.kind} labelmap yet.`);
    if (r.kind !== 'ct' && r.encoding === 'runs') return encodeLabelRuns(arr as Uint8Array);
    return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  }

  /** The folder of a volume's autosave (base labelmap, journal, manifest). */
  autosaveFolder(volumeHandle: string): string {
    return this.persistence.folderOf(this.get(volumeHandle).autosaveKey);
  }

  /** Waits until every autosave write of a volume is on disk (tests, closing the window). */
  async flushAutosave(volumeHandle: string): Promise<void> {
    await this.persistence.flush(this.get(volumeHandle).autosaveKey);
  }

  /** Cancels running work (window closing, test host stopping). */
  dispose(): void {
    this.volumes.dispose();
    this.listeners.clear();
  }
}
