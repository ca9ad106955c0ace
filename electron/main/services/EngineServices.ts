import type { LungMaskAhead } from '../segmentation/lungMaskAhead.ts';
import type { Volume } from '../../common/volume/index.ts';
import type { ReviewRecord } from '../../common/review/index.ts';
import type { Measurements, ModelProvenance } from '../../common/quant/Measurements.ts';
import type { ExportFormat, ModelCard, ScanResult } from '../../common/ipc/contract.ts';

/**
 * The engine as the app session uses it: the real services of electron/main (scan, load, lungs,
 * inference, quantification, exports) behind one interface so that the session logic is plain,
 * testable code. createEngineServices() in engineServices.ts binds the real implementations; the
 * desktop app, the CLI and the test host all use that one.
 */
export interface SegmentationOutput {
  infection: Uint8Array;
  lungs: Uint8Array;
  /** The model's per-voxel confidence in its label (max softmax probability x 255; 0 outside the lungs). */
  confidence: Uint8Array;
  executionProvider: string;
  provenance: ModelProvenance;
}

export interface SegmentHooks {
  onProgress?: (p: { phase: 'preview' | 'full'; done: number; total: number }) => void;
  /**
   * Called once with the preview infection (every few slices, `slices`) before the full pass ends;
   * the lungs arrive with the full result.
   */
  onPreview?: (p: { infection: Uint8Array; slices: number[] }) => void;
  signal?: AbortSignal;
  /** The lung mask computed ahead of this run (startLungMaskAhead), used once. */
  lungMask?: Pick<LungMaskAhead, 'mask' | 'candidates' | 'cancel'>;
  /** Execution providers forced for this run (the app's setting); undefined: `--ep`/OPAL_EXECUTION_PROVIDERS or the checked choice. */
  executionProviders?: string[];
}

export interface EngineServices {
  scanFolder(path: string, hooks: { onProgress?: (filesSeen: number, filesTotal?: number) => void; signal?: AbortSignal }): Promise<ScanResult>;
  loadVolume(path: string, seriesInstanceUid?: string): Promise<{ volume: Volume; warnings: string[] }>;
  segment(volume: Volume, hooks: SegmentHooks): Promise<SegmentationOutput>;
  /**
   * Starts computing a just-opened volume's lung mask in the background, for its first
   * segmentation (segmentation/lungMaskAhead.ts); null when it is not worth a worker (a small volume).
   */
  startLungMaskAhead?(volume: Volume): LungMaskAhead | null;
  /**
   * Measurements and the lesion list. `model` carries the model's confidence and its own labels
   * (before edits), so that each lesion's mean confidence leaves out voxels painted by hand.
   */
  measure(volume: Volume, lungs: Uint8Array, infection: Uint8Array, model?: { confidence?: Uint8Array; infection?: Uint8Array }): Measurements;
  exportResults(args: {
    outDir: string;
    volume: Volume;
    lungs: Uint8Array;
    infection: Uint8Array;
    /** The model's confidence, exported beside the NIfTI masks for review when present. */
    confidence?: Uint8Array;
    measurements: Measurements;
    provenance: ModelProvenance;
    formats: ExportFormat[];
    /** The app's review marks (review mode), recorded in measurements.json, the SEG and the report. */
    review?: ReviewRecord;
  }): Promise<string[]>;
  /** The model the app would run, or why it cannot. */
  modelCard(): Promise<ModelCard>;
  /**
   * The model on axial slices k0..k1 only (assisted correction): labels inside `eligible` (those
   * slices' layout, slice k0 first). Absent in an engine without a model.
   */
  segmentRegion?(
    volume: Volume,
    eligible: Uint8Array,
    slices: { k0: number; k1: number },
    hooks: { executionProviders?: string[]; signal?: AbortSignal },
  ): Promise<{ infection: Uint8Array; executionProvider: string; slicesInferred: number }>;
}
