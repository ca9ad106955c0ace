import type { Bridge } from '../bridge.ts';
import type { EditsPolicy, RestoreResult, VolumeInfo } from '../../../electron/common/ipc/contract.ts';
import { askBeforeLeaving, askBeforeResegmenting, askRestore } from '../panels/unsavedWorkDialog.ts';

export interface WorkGuardDeps {
  bridge: Bridge;
  /** The series shown now, if any. */
  current: () => VolumeInfo | undefined;
  /** Exports with the export panel's folder and formats; throws (and shows why) when it cannot. */
  exportNow: () => Promise<void>;
}

/**
 * Never losing work, on the renderer's side: every action that would close or replace an edited
 * labelmap asks first (panels/unsavedWorkDialog.ts), and a series opened with autosaved work
 * offers to restore it. The engine is the one that knows whether there are edits
 * (getLabelmapRevision); `unsavedEdits` is kept up to date for the window's beforeunload, which
 * cannot wait for an answer.
 */
export class WorkGuard {
  private unsaved = false;
  /** Series whose edits the user chose to keep in this window: reopening restores them without asking. */
  private readonly kept = new Set<string>();

  constructor(private readonly deps: WorkGuardDeps) {}

  get unsavedEdits(): boolean {
    return this.unsaved;
  }

  /** Call after the labelmap changed (any edit, undo, run or restore). */
  async refresh(): Promise<void> {
    const v = this.deps.current();
    if (!v) {
      this.unsaved = false;
      return;
    }
    const r = await this.deps.bridge.call('getLabelmapRevision', { volumeHandle: v.handle });
    if (this.deps.current()?.handle === v.handle) this.unsaved = r.unsavedEdits;
  }

  /**
   * Closes the series shown now before `what` (e.g. "opening another series"), asking first when it
   * holds unsaved edits. Resolves false when the user cancelled (nothing was closed).
   */
  async closeCurrent(what: string): Promise<boolean> {
    const v = this.deps.current();
    if (!v) return true;
    const { bridge } = this.deps;
    const rev = await bridge.call('getLabelmapRevision', { volumeHandle: v.handle });
    let discard = false;
    if (rev.unsavedEdits) {
      const choice = await askBeforeLeaving(what);
      if (choice === 'cancel') return false;
      if (choice === 'export') await this.deps.exportNow(); // a failed export stops here: nothing is closed
      discard = choice === 'discard';
    }
    if (rev.hasInfection && !discard && v.seriesInstanceUid) this.kept.add(v.seriesInstanceUid);
    if (discard && v.seriesInstanceUid) this.kept.delete(v.seriesInstanceUid);
    await bridge.call('closeVolume', { volumeHandle: v.handle, ...(discard ? { discardAutosave: true } : {}) });
    this.unsaved = false;
    return true;
  }

  /**
   * After a series loaded: when it has autosaved work, restores it (without asking when the user
   * kept it in this window, else after asking) or discards it. Resolves with the restore's result.
   */
  async offerRestore(info: VolumeInfo): Promise<RestoreResult | null> {
    const saved = info.autosave;
    if (!saved) return null;
    const { bridge } = this.deps;
    const choice = info.seriesInstanceUid && this.kept.has(info.seriesInstanceUid) ? 'restore' : await askRestore(saved.savedAt, saved.edits, saved.tornBytes, saved.source);
    if (choice === 'discard') {
      await bridge.call('discardAutosave', { volumeHandle: info.handle });
      return null;
    }
    const r = await bridge.call('restoreAutosave', { volumeHandle: info.handle });
    this.unsaved = r.unsavedEdits;
    return r;
  }

  /** What a new segmentation does with hand edits: asks when there are any; null when the user cancelled. */
  async segmentPolicy(): Promise<EditsPolicy | null> {
    const v = this.deps.current();
    if (!v) return null;
    const rev = await this.deps.bridge.call('getLabelmapRevision', { volumeHandle: v.handle });
    if (!rev.edited) return 'refuse';
    const choice = await askBeforeResegmenting();
    return choice === 'cancel' ? null : choice;
  }
}
