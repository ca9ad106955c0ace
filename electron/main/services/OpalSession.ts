import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OpalError, toOpalError } from '../../common/errors/index.ts';
import { applyDiff, encodeJournal, findHoles, findSmallIslands, interpolateSlices, UndoJournal, type StrokeDiff } from '../../common/edit/index.ts';
import type { Measurements, ModelProvenance } from '../../common/quant/Measurements.ts';
import type { Volume } from '../../common/volume/index.ts';
import {
  INVESTIGATIONAL_NOTICE,
  type AppInfo,
  type BinaryResource,
  type EditResult,
  type ExportResult,
  type HolesResult,
  type InterpolationResult,
  type IslandsResult,
  type LabelmapDiff,
  type MethodArgs,
  type MethodName,
  type MethodResult,
  type OpalEvent,
  type ScanResult,
  type SegmentResult,
  type VolumeInfo,
} from '../../common/ipc/contract.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import type { EngineServices } from './EngineServices.ts';
import { RecentFolders } from './RecentFolders.ts';
import { makeFolder } from '../fs/makeFolder.ts';
import { FolderGrants } from './FolderGrants.ts';
import { AppSettingsStore } from './AppSettingsStore.ts';
import type { FolderPurpose } from '../../common/ipc/folderGrants.ts';
import type { AppSettings, ChosenFolder } from '../../common/ipc/contract.ts';

interface OpenVolume {
  handle: string;
  path: string;
  volume: Volume;
  info: VolumeInfo;
  infection: Uint8Array | null;
  lungs: Uint8Array | null;
  /** The model's per-voxel confidence from the last run, kept for review and export. */
  confidence: Uint8Array | null;
  /**
   * The labels the model wrote (a copy, never edited): a voxel whose label now differs was painted
   * by hand and has no model confidence for its label, so the lesion list leaves it out.
   */
  modelInfection: Uint8Array | null;
  provenance: ModelProvenance | null;
  measurements: Measurements | null;
  journal: UndoJournal;
  revision: number;
  running: AbortController | null;
}

export interface OpalSessionOptions {
  engine: EngineServices;
  /** The app's data folder (autosaved edit journals, recent folders). */
  appDataDir: string;
  appVersion: string;
  /** Memory budget of each volume's undo journal (default 64 MiB). */
  journalBytes?: number;
  /**
   * The main process's folder dialog (Electron: dialog.showOpenDialog; the test host: its queue of
   * answers): the folder the user chose, undefined when cancelled. Without it chooseFolder refuses.
   */
  chooseFolder?: (purpose: FolderPurpose) => Promise<string | undefined>;
}

export type SessionHandlers = { [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodResult<M>> };

/**
 * The app-side state of one OPAL window: loaded volumes by handle, their labelmaps, edit journals
 * and measurements. Every contract method is a method here taking validated arguments; transport
 * (Electron IPC, the test host's HTTP) and validation live outside. Runs under plain Node.
 */
export class OpalSession implements SessionHandlers {
  private readonly volumes = new Map<string, OpenVolume>();
  private readonly listeners = new Set<(e: OpalEvent) => void>();
  private readonly recent: RecentFolders;
  /** The folders handed out to the renderer (security: it names no other folder). */
  readonly grants: FolderGrants;
  private readonly settings: AppSettingsStore;
  private executionProvider: string | null = null;
  readonly journalBytes: number;

  constructor(private readonly options: OpalSessionOptions) {
    this.recent = new RecentFolders(join(options.appDataDir, 'recent-folders.json'));
    // Recent folders were stored by the main process itself, so they count as handed out (to open).
    this.grants = new FolderGrants(async (purpose) => (purpose === 'open' ? this.recent.list() : []));
    this.settings = new AppSettingsStore(join(options.appDataDir, 'settings.json'));
    this.journalBytes = options.journalBytes ?? 64 * 1024 * 1024;
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
    const v = this.volumes.get(handle);
    if (!v) throw new OpalError('E_BAD_ARGUMENT', 'That image is no longer open; open the series again.', handle);
    return v;
  }

  async getAppInfo(): Promise<AppInfo> {
    const base = { appVersion: this.options.appVersion, notice: INVESTIGATIONAL_NOTICE, executionProvider: this.executionProvider };
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
   * preload: handed out to open. Returns the canonical path of what was dropped.
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
    const result = await this.options.engine.scanFolder(path, {
      onProgress: (filesSeen, filesTotal) => this.emit({ type: 'scan-progress', folder: path, filesSeen, filesTotal }),
    });
    await this.recent.add(result.folder).catch(() => undefined);
    return result;
  }

  async listRecentFolders(): Promise<string[]> {
    return this.recent.list();
  }

  async loadSeries({ path: requested, seriesInstanceUid }: { path: string; seriesInstanceUid?: string }): Promise<VolumeInfo> {
    const path = await this.grants.check(requested, 'open');
    const { volume, warnings } = await this.options.engine.loadVolume(path, seriesInstanceUid);
    if (!(volume.voxels instanceof Int16Array) && !(volume.voxels instanceof Float32Array)) {
      volume.voxels = Float32Array.from(volume.voxels);
    }
    const handle = `v${randomBytes(6).toString('hex')}`;
    const m = volume.meta;
    const info: VolumeInfo = {
      handle,
      dims: [...volume.dims],
      spacingMm: [...volume.spacingMm],
      originMm: [...volume.originMm],
      direction: [...volume.direction],
      voxelType: volume.voxels instanceof Int16Array ? 'int16' : 'float32',
      seriesInstanceUid: m.seriesInstanceUid,
      studyInstanceUid: m.studyInstanceUid,
      frameOfReferenceUid: m.frameOfReferenceUid,
      seriesDescription: m.seriesDescription,
      patientName: m.patientName,
      warnings,
    };
    this.volumes.set(handle, {
      handle,
      path,
      volume,
      info,
      infection: null,
      confidence: null,
      modelInfection: null,
      lungs: null,
      provenance: null,
      measurements: null,
      journal: new UndoJournal(this.journalBytes),
      revision: 0,
      running: null,
    });
    return info;
  }

  async closeVolume({ volumeHandle }: { volumeHandle: string }): Promise<{ closed: boolean }> {
    const v = this.volumes.get(volumeHandle);
    v?.running?.abort();
    return { closed: this.volumes.delete(volumeHandle) };
  }

  async segment({ volumeHandle }: { volumeHandle: string }): Promise<SegmentResult> {
    const v = this.get(volumeHandle);
    if (v.running) throw new OpalError('E_BAD_ARGUMENT', 'A segmentation of this image is already running.');
    const controller = new AbortController();
    v.running = controller;
    const t0 = performance.now();
    try {
      // The app's execution-provider setting, read at each run: a change applies from the next one.
      const providerSetting = (await this.settings.get()).executionProvider;
      const out = await this.options.engine.segment(v.volume, {
        signal: controller.signal,
        ...(providerSetting === 'auto' ? {} : { executionProviders: [providerSetting] }),
        onProgress: (p) => this.emit({ type: 'segment-progress', volumeHandle, ...p }),
        onPreview: (p) => {
          if (controller.signal.aborted) return;
          v.infection = p.infection;
          v.lungs = p.lungs;
          v.revision++;
          this.emit({ type: 'segment-preview', volumeHandle, revision: v.revision });
        },
      });
      if (controller.signal.aborted) throw new OpalError('E_CANCELLED');
      v.infection = out.infection;
      v.lungs = out.lungs;
      v.confidence = out.confidence;
      v.modelInfection = out.infection.slice();
      v.provenance = { ...out.provenance, executionProviderSetting: providerSetting };
      v.revision++;
      v.journal.clear();
      this.executionProvider = out.executionProvider;
      v.measurements = this.measure(v.volume, out.lungs, out.infection, v);
      this.emit({ type: 'labelmap-changed', volumeHandle, revision: v.revision });
      return { volumeHandle, revision: v.revision, executionProvider: out.executionProvider, durationMs: performance.now() - t0, measurements: v.measurements };
    } catch (e) {
      if (controller.signal.aborted) {
        // A cancelled run leaves no half result behind: the labelmaps go back to none.
        v.infection = null;
        v.lungs = null;
        v.confidence = null;
        v.modelInfection = null;
        v.revision++;
        this.emit({ type: 'labelmap-changed', volumeHandle, revision: v.revision });
        throw new OpalError('E_CANCELLED');
      }
      throw e;
    } finally {
      v.running = null;
    }
  }

  async cancelSegmentation({ volumeHandle }: { volumeHandle: string }): Promise<{ cancelled: boolean }> {
    const v = this.get(volumeHandle);
    if (!v.running) return { cancelled: false };
    v.running.abort();
    return { cancelled: true };
  }

  async getLabelmapRevision({ volumeHandle }: { volumeHandle: string }) {
    const v = this.get(volumeHandle);
    return { revision: v.revision, hasInfection: v.infection !== null, hasLungs: v.lungs !== null };
  }

  private editResult(v: OpenVolume, applied: LabelmapDiff): EditResult {
    return { revision: v.revision, applied, measurements: v.measurements, canUndo: v.journal.canUndo, canRedo: v.journal.canRedo };
  }

  private afterEdit(v: OpenVolume): void {
    v.revision++;
    if (v.provenance) v.provenance = { ...v.provenance, edited: true };
    if (v.lungs && v.infection) v.measurements = this.measure(v.volume, v.lungs, v.infection, v);
  }

  private measure(volume: Volume, lungs: Uint8Array, infection: Uint8Array, v: OpenVolume): Measurements {
    return this.options.engine.measure(volume, lungs, infection, {
      ...(v.confidence ? { confidence: v.confidence } : {}),
      ...(v.modelInfection ? { infection: v.modelInfection } : {}),
    });
  }

  async commitStroke({ volumeHandle, diff }: { volumeHandle: string; diff: LabelmapDiff }): Promise<EditResult> {
    const v = this.get(volumeHandle);
    if (v.running) throw new OpalError('E_BAD_ARGUMENT', 'Wait for the segmentation to finish (or cancel it) before editing.');
    if (!v.infection) v.infection = new Uint8Array(v.volume.voxels.length);
    const before = applyDiff(v.infection, diff.indices, diff.values);
    const entry: StrokeDiff = { indices: Uint32Array.from(diff.indices), before, after: Uint8Array.from(diff.values) };
    v.journal.push(entry);
    this.afterEdit(v);
    await this.autosave(v);
    return this.editResult(v, diff);
  }

  /** The infection labelmap of a volume that may be edited now (not while the model runs). */
  private editableInfection(v: OpenVolume): Uint8Array {
    if (v.running) throw new OpalError('E_BAD_ARGUMENT', 'Wait for the segmentation to finish (or cancel it) before editing.');
    if (!v.infection) throw new OpalError('E_BAD_ARGUMENT', 'There is no infection labelmap yet: run the segmentation or paint first.');
    return v.infection;
  }

  /** Applies an edit computed by the engine as one undo step (none when it changes nothing). */
  private async applyComputedEdit(v: OpenVolume, infection: Uint8Array, indices: Uint32Array, values: Uint8Array): Promise<EditResult> {
    if (indices.length > 0) {
      const before = applyDiff(infection, indices, values);
      v.journal.push({ indices, before, after: values });
      this.afterEdit(v);
      await this.autosave(v);
    }
    return this.editResult(v, { indices: [...indices], values: [...values] });
  }

  async removeSmallIslands({ volumeHandle, minVolumeMl }: { volumeHandle: string; minVolumeMl: number }): Promise<IslandsResult> {
    const v = this.get(volumeHandle);
    const infection = this.editableInfection(v);
    const found = findSmallIslands(infection, v.volume.dims, v.volume.spacingMm, minVolumeMl * 1000);
    const result = await this.applyComputedEdit(v, infection, found.indices, new Uint8Array(found.indices.length));
    return { ...result, removedIslands: found.removedIslands, keptIslands: found.keptIslands };
  }

  async fillHoles({ volumeHandle }: { volumeHandle: string }): Promise<HolesResult> {
    const v = this.get(volumeHandle);
    const infection = this.editableInfection(v);
    const found = findHoles(infection, v.volume.dims);
    return { ...(await this.applyComputedEdit(v, infection, found.indices, found.values)), holes: found.holes };
  }

  async interpolateSlices({ volumeHandle, maxGapSlices }: { volumeHandle: string; maxGapSlices: number }): Promise<InterpolationResult> {
    const v = this.get(volumeHandle);
    const infection = this.editableInfection(v);
    const found = interpolateSlices(infection, v.volume.dims, v.volume.spacingMm, maxGapSlices);
    return { ...(await this.applyComputedEdit(v, infection, found.indices, found.values)), gaps: found.gaps, skippedGaps: found.skippedGaps };
  }

  async undo({ volumeHandle }: { volumeHandle: string }): Promise<EditResult | null> {
    const v = this.get(volumeHandle);
    const d = v.journal.undo();
    if (!d || !v.infection) return null;
    applyDiff(v.infection, d.indices, d.before);
    this.afterEdit(v);
    await this.autosave(v);
    return this.editResult(v, { indices: [...d.indices], values: [...d.before] });
  }

  async redo({ volumeHandle }: { volumeHandle: string }): Promise<EditResult | null> {
    const v = this.get(volumeHandle);
    const d = v.journal.redo();
    if (!d || !v.infection) return null;
    applyDiff(v.infection, d.indices, d.after);
    this.afterEdit(v);
    await this.autosave(v);
    return this.editResult(v, { indices: [...d.indices], values: [...d.after] });
  }

  async getMeasurements({ volumeHandle }: { volumeHandle: string }): Promise<Measurements | null> {
    return this.get(volumeHandle).measurements;
  }

  async exportResults({ volumeHandle, outDir, formats }: MethodArgs<'exportResults'>): Promise<ExportResult> {
    const v = this.get(volumeHandle);
    if (!v.infection || !v.lungs || !v.measurements || !v.provenance) {
      throw new OpalError('E_BAD_ARGUMENT', 'Run the segmentation before exporting: there is nothing to export yet.');
    }
    const dir = await this.grants.check(outDir, 'export'); // E_PATH_NOT_GRANTED unless inside a chosen output folder
    await makeFolder(dir); // E_WRITE_FAILED for a file in the way or a folder in /proc, never a hang
    const files = await this.options.engine.exportResults({
      outDir: dir,
      volume: v.volume,
      lungs: v.lungs,
      infection: v.infection,
      ...(v.confidence ? { confidence: v.confidence } : {}),
      measurements: v.measurements,
      provenance: v.provenance,
      formats,
    });
    return { outDir: dir, files };
  }

  /** The bytes of a binary resource (CT voxels or a labelmap), served without copying. */
  binary(r: BinaryResource): Uint8Array {
    const v = this.get(r.volumeHandle);
    const arr = r.kind === 'ct' ? v.volume.voxels : r.kind === 'infection' ? v.infection : v.lungs;
    if (!arr) throw new OpalError('E_BAD_ARGUMENT', `This image has no ${r.kind} labelmap yet.`);
    return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  }

  /** Where a volume's edit journal is autosaved. */
  autosavePath(volumeHandle: string): string {
    const v = this.get(volumeHandle);
    const key = (v.info.seriesInstanceUid ?? v.handle).replace(/[^0-9A-Za-z.]/g, '_');
    return join(this.options.appDataDir, 'autosave', `${key}.opaljournal`);
  }

  private async autosave(v: OpenVolume): Promise<void> {
    const path = this.autosavePath(v.handle);
    await makeFolder(join(this.options.appDataDir, 'autosave'));
    await writeFileAtomic(path, encodeJournal(v.journal.entries()));
  }

  /** Cancels running work (window closing, test host stopping). */
  dispose(): void {
    for (const v of this.volumes.values()) v.running?.abort();
    this.volumes.clear();
    this.listeners.clear();
  }
}
