import { OpalError } from '../../common/errors/index.ts';
import type { LabelmapSnapshot } from '../../common/edit/index.ts';
import type { ModelProvenance } from '../../common/quant/Measurements.ts';
import type { EditsPolicy, LabelmapSource, OpalEvent, SegmentResult } from '../../common/ipc/contract.ts';
import type { EngineServices } from './EngineServices.ts';
import { isEdited, type OpenVolume } from './OpenVolume.ts';
import { PersistenceService, type BaseMeta } from './PersistenceService.ts';

/** The labelmaps a new base is made of (a model run or an imported mask). */
export interface BaseLabelmaps {
  infection: Uint8Array;
  lungs: Uint8Array | null;
  confidence?: Uint8Array | null;
  /** The model's own labels (for the lesions' confidence); by default `infection` for a model run. */
  modelInfection?: Uint8Array | null;
  provenance: ModelProvenance | null;
  source: LabelmapSource;
}

/**
 * The labelmaps of each volume and where they come from: model runs (with preview, progress and
 * cancel), the base labelmap edits start from, and the measurements. A labelmap edited by hand is
 * never replaced silently: segment() refuses (E_UNSAVED_EDITS) unless told to keep the edits (the
 * model relabels only voxels no edit touched) or to replace them. Cancel puts back the labelmaps
 * the run started from.
 */
export class SegmentationService {
  executionProvider: string | null = null;

  constructor(
    private readonly engine: EngineServices,
    private readonly persistence: PersistenceService,
    private readonly emit: (e: OpalEvent) => void,
  ) {}

  /** After a series opened: starts its lung mask in the background (EngineServices.startLungMaskAhead). */
  prepare(v: OpenVolume): void {
    v.lungMaskAhead = this.engine.startLungMaskAhead?.(v.volume) ?? null;
  }

  remeasure(v: OpenVolume): void {
    if (!v.lungs || !v.infection) return;
    v.measurements = this.engine.measure(v.volume, v.lungs, v.infection, {
      ...(v.confidence ? { confidence: v.confidence } : {}),
      ...(v.modelInfection ? { infection: v.modelInfection } : {}),
    });
  }

  /**
   * Runs the model on a volume. `run.executionProviders`: forced for this run (the app's setting);
   * `run.provenance`: added to the model's provenance (e.g. that setting).
   */
  async segment(v: OpenVolume, policy: EditsPolicy = 'refuse', run: { executionProviders?: string[]; provenance?: Partial<ModelProvenance> } = {}): Promise<SegmentResult> {
    if (v.running) throw new OpalError('E_BAD_ARGUMENT', 'A segmentation of this image is already running.');
    const edited = isEdited(v);
    if (edited && policy === 'refuse') {
      throw new OpalError('E_UNSAVED_EDITS', 'The infection labelmap holds edits made by hand: choose to keep them (only voxels you did not touch are relabelled) or to discard them.');
    }
    const volumeHandle = v.handle;
    const controller = new AbortController();
    v.running = controller;
    // What a cancel puts back (the preview replaces these references; it never writes into them).
    const before = { infection: v.infection, lungs: v.lungs, revision: v.revision };
    const keptEdits = edited && policy === 'keep' && v.infection && v.editedMask ? { labels: v.infection, mask: v.editedMask } : null;
    // Lung strokes are kept the same way: the run's lungs where no lung stroke touched.
    const keptLungEdits = edited && policy === 'keep' && v.lungs && v.lungEditedMask ? { labels: v.lungs, mask: v.lungEditedMask } : null;
    const t0 = performance.now();
    // The lung mask computed since the series opened serves the first run only (the run writes
    // diseased lung into it); later runs compute their own.
    const ahead = v.lungMaskAhead;
    v.lungMaskAhead = null;
    try {
      const out = await this.engine.segment(v.volume, {
        signal: controller.signal,
        ...(ahead ? { lungMask: ahead } : {}),
        ...(run.executionProviders ? { executionProviders: run.executionProviders } : {}),
        onProgress: (p) => this.emit({ type: 'segment-progress', volumeHandle, ...p }),
        onPreview: (p) => {
          if (controller.signal.aborted) return;
          v.infection = keptEdits ? keepEdited(p.infection, keptEdits) : p.infection;
          v.revision++;
          this.emit({ type: 'segment-preview', volumeHandle, revision: v.revision, slices: p.slices });
        },
      });
      if (controller.signal.aborted) throw new OpalError('E_CANCELLED');
      this.executionProvider = out.executionProvider;
      const infection = keptEdits ? keepEdited(out.infection, keptEdits) : out.infection;
      const lungs = keptLungEdits ? keepEdited(out.lungs, keptLungEdits) : out.lungs;
      this.setBase(v, { infection, lungs, confidence: out.confidence, modelInfection: out.infection.slice(), provenance: { ...out.provenance, ...run.provenance }, source: 'model' }, keptEdits !== null || keptLungEdits !== null);
      if ((keptEdits || keptLungEdits) && v.provenance) v.provenance = { ...v.provenance, edited: true };
      this.emit({ type: 'labelmap-changed', volumeHandle, revision: v.revision });
      return { volumeHandle, revision: v.revision, executionProvider: out.executionProvider, durationMs: performance.now() - t0, measurements: v.measurements };
    } catch (e) {
      if (controller.signal.aborted) {
        // A cancelled run leaves no half result behind and takes nothing away: the labelmaps (and
        // every edit in them) are those the run started from.
        v.infection = before.infection;
        v.lungs = before.lungs;
        v.revision++;
        this.emit({ type: 'labelmap-changed', volumeHandle, revision: v.revision });
        throw new OpalError('E_CANCELLED', 'The segmentation was cancelled; the labelmap is as it was before.');
      }
      throw e;
    } finally {
      v.running = null;
    }
  }

  cancel(v: OpenVolume): boolean {
    if (!v.running) return false;
    v.running.abort();
    return true;
  }

  /**
   * Makes `labels` the base labelmap edits start from: the journal starts empty and the autosave
   * starts a new generation from it. `keepEditMarks`: the base already holds edits by hand (a
   * re-segmentation that kept them), whose voxels stay marked as edited.
   */
  setBase(v: OpenVolume, labels: BaseLabelmaps, keepEditMarks = false): void {
    v.infection = labels.infection;
    v.lungs = labels.lungs;
    v.confidence = labels.confidence ?? null;
    v.modelInfection = labels.modelInfection ?? (labels.source === 'model' ? labels.infection.slice() : null);
    v.provenance = labels.provenance;
    v.source = labels.source;
    v.journal.clear();
    if (!keepEditMarks) {
      v.editedMask = null;
      v.lungEditedMask = null;
    }
    v.baseEdited = keepEditMarks && (v.editedMask !== null || (v.lungEditedMask ?? null) !== null);
    v.revision++;
    this.remeasure(v);
    void this.persistence.writeBase(v, PersistenceService.snapshotOf(v)).catch(() => undefined);
  }

  /** Puts a saved base (autosave or project file) back on the volume, before its journal is replayed. */
  applySnapshot(v: OpenVolume, snapshot: LabelmapSnapshot<BaseMeta>): void {
    const a = snapshot.arrays;
    const n = v.volume.voxels.length;
    if (snapshot.voxels !== n) throw new OpalError('E_GEOMETRY_MISMATCH', `The saved work has ${snapshot.voxels} voxels; this series has ${n}.`);
    v.infection = a.infection ?? null;
    v.lungs = a.lungs ?? null;
    v.confidence = a.confidence ?? null;
    v.modelInfection = a.modelInfection ?? (snapshot.meta.modelInfectionIsBase && a.infection ? a.infection.slice() : null);
    v.editedMask = a.editedMask ?? null;
    v.lungEditedMask = a.lungEditedMask ?? null;
    v.baseEdited = snapshot.meta.baseEdited;
    v.provenance = snapshot.meta.provenance;
    v.source = snapshot.meta.source;
    v.measurements = null;
    v.journal.clear();
    v.revision++;
  }
}

/** The model's new labels where no edit touched, the current (edited) labels where one did. */
function keepEdited(model: Uint8Array, kept: { labels: Uint8Array; mask: Uint8Array }): Uint8Array {
  const out = model.slice();
  for (let i = 0; i < out.length; i++) if (kept.mask[i]) out[i] = kept.labels[i];
  return out;
}
