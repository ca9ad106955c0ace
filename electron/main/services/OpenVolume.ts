import type { LungMaskAhead } from '../segmentation/lungMaskAhead.ts';
import type { UndoJournal } from '../../common/edit/index.ts';
import type { Measurements, ModelProvenance } from '../../common/quant/Measurements.ts';
import type { Volume } from '../../common/volume/index.ts';
import type { LabelmapSource, VolumeInfo } from '../../common/ipc/contract.ts';

/**
 * One loaded series and everything the services keep about it. VolumeService owns the registry;
 * each other service reads and writes only its own fields (marked below).
 */
export interface OpenVolume {
  // ---- VolumeService ----
  handle: string;
  path: string;
  volume: Volume;
  info: VolumeInfo;
  /** Names the series' autosave: SeriesInstanceUID + a hash of the voxels and geometry. */
  autosaveKey: string;

  // ---- SegmentationService ----
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
  /** Where the labelmap the edits start from came from. */
  source: LabelmapSource;
  revision: number;
  running: AbortController | null;
  /** The lung mask computed since the series opened, for its first segmentation (used once). */
  lungMaskAhead: LungMaskAhead | null;

  // ---- EditingService ----
  journal: UndoJournal;
  /** Voxels any edit has touched since the model's output (kept when re-segmenting with edits kept). */
  editedMask: Uint8Array | null;
  /** Voxels a lung stroke has touched (their lung labels are kept when re-segmenting with edits kept). */
  lungEditedMask?: Uint8Array | null;
  /** Edits folded into the base labelmap (by compaction or a re-segmentation that kept them). */
  baseEdited: boolean;
  // ---- ExportService ----
  /** The revision last exported or saved as a project (null: never). */
  savedRevision: number | null;

  // ---- PersistenceService ----
  persist: {
    /** The base of the current autosave generation is written (or queued) for this volume. */
    baseWritten: boolean;
    /** An autosave of this series from an earlier session waits for restore or discard. */
    pendingRestore: boolean;
    recordsSinceCompaction: number;
  };
}

/** Whether the labelmap holds edits by hand (undoable ones, or ones folded into the base). */
export function isEdited(v: OpenVolume): boolean {
  return v.journal.canUndo || v.baseEdited;
}

/** Edited, and changed since the last export or project save. */
export function hasUnsavedEdits(v: OpenVolume): boolean {
  return isEdited(v) && v.savedRevision !== v.revision;
}
