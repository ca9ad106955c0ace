import { OpalError } from '../../common/errors/index.ts';
import { applyDiff, findHoles, findSmallIslands, interpolateSlices, targetOf, type EditTarget, type InterpolationPlane, type JournalRecord, type StrokeDiff } from '../../common/edit/index.ts';
import type { EditResult, HolesResult, InterpolationResult, IslandsResult, LabelmapDiff } from '../../common/ipc/contract.ts';
import { hasUnsavedEdits, isEdited, type OpenVolume } from './OpenVolume.ts';
import { PersistenceService } from './PersistenceService.ts';

/**
 * Edits of the infection labelmap and of the lung labelmap (right/left: an annotator adds diseased
 * lung the mask missed or takes out liver or diaphragm dome) and their one undo journal: strokes from the renderer, edits the
 * engine computes (islands, holes, interpolation), undo and redo. Every change is one journal
 * record handed to the PersistenceService (append-only autosave) and replayable by replay().
 */
export class EditingService {
  constructor(
    private readonly persistence: PersistenceService,
    /** Recomputes the measurements after a change (SegmentationService.remeasure). */
    private readonly remeasure: (v: OpenVolume) => void,
  ) {}

  result(v: OpenVolume, applied: LabelmapDiff, autosaveProblem?: OpalError, target: EditTarget = 'infection'): EditResult {
    return {
      revision: v.revision,
      applied,
      ...(target === 'lungs' ? { target } : {}),
      measurements: v.measurements,
      canUndo: v.journal.canUndo,
      canRedo: v.journal.canRedo,
      edited: isEdited(v),
      unsavedEdits: hasUnsavedEdits(v),
      ...(autosaveProblem ? { autosaveProblem: autosaveProblem.toJSON() } : {}),
    };
  }

  assertEditable(v: OpenVolume): void {
    if (v.running) throw new OpalError('E_BAD_ARGUMENT', 'Wait for the segmentation to finish (or cancel it) before editing.');
  }

  /** Before the first edit of a volume whose base is not saved yet: save it as the labelmap is now. */
  private ensureBase(v: OpenVolume): void {
    if (!v.persist.baseWritten) void this.persistence.writeBase(v, PersistenceService.snapshotOf(v)).catch(() => undefined);
  }

  private markEdited(v: OpenVolume, indices: ArrayLike<number>, target: EditTarget = 'infection'): void {
    const mask = target === 'lungs' ? (v.lungEditedMask ??= new Uint8Array(v.volume.voxels.length)) : (v.editedMask ??= new Uint8Array(v.volume.voxels.length));
    for (let n = 0; n < indices.length; n++) mask[indices[n]] = 1;
  }

  private changed(v: OpenVolume, measure: boolean): void {
    v.revision++;
    if (v.provenance) v.provenance = { ...v.provenance, edited: true };
    if (measure) this.remeasure(v);
  }

  /** The labelmap an edit writes into (made empty when the volume has none yet). */
  private labelmapOf(v: OpenVolume, target: EditTarget): Uint8Array {
    if (target === 'lungs') return (v.lungs ??= new Uint8Array(v.volume.voxels.length));
    return (v.infection ??= new Uint8Array(v.volume.voxels.length));
  }

  /** Applies one journal record in memory (no autosave): the shared step of editing and replay. */
  private apply(v: OpenVolume, record: JournalRecord, measure = true): StrokeDiff | undefined {
    if (record.kind === 'edit') {
      const target = targetOf(record.diff);
      const before = applyDiff(this.labelmapOf(v, target), record.diff.indices, record.diff.after);
      const entry: StrokeDiff = { indices: record.diff.indices, before, after: record.diff.after, ...(target === 'lungs' ? { target } : {}) };
      v.journal.push(entry);
      // The edited-voxel marks guard the labels (infection or lungs) when re-segmenting keeps edits.
      this.markEdited(v, entry.indices, target);
      this.changed(v, measure);
      return entry;
    }
    const d = record.kind === 'undo' ? v.journal.undo() : v.journal.redo();
    if (!d) return undefined;
    applyDiff(this.labelmapOf(v, targetOf(d)), d.indices, record.kind === 'undo' ? d.before : d.after);
    this.changed(v, measure);
    return d;
  }

  private async record(v: OpenVolume, record: JournalRecord): Promise<OpalError | undefined> {
    return this.persistence.append(v, record);
  }

  /** One brush or eraser stroke on the infection (default) or the lung labelmap. */
  async commitStroke(v: OpenVolume, diff: LabelmapDiff, target: EditTarget = 'infection'): Promise<EditResult> {
    this.assertEditable(v);
    this.ensureBase(v);
    const entry = this.apply(v, { kind: 'edit', diff: { indices: Uint32Array.from(diff.indices), before: new Uint8Array(0), after: Uint8Array.from(diff.values), ...(target === 'lungs' ? { target } : {}) } })!;
    return this.result(v, diff, await this.record(v, { kind: 'edit', diff: entry }), target);
  }

  /** The infection labelmap of a volume that may be edited now (not while the model runs). */
  private editableInfection(v: OpenVolume): Uint8Array {
    this.assertEditable(v);
    if (!v.infection) throw new OpalError('E_BAD_ARGUMENT', 'There is no infection labelmap yet: run the segmentation or paint first.');
    return v.infection;
  }

  /** Applies an edit computed by the engine as one undo step (none when it changes nothing); CorrectionService uses it too. */
  async applyComputedEdit(v: OpenVolume, indices: Uint32Array, values: Uint8Array): Promise<EditResult> {
    let problem: OpalError | undefined;
    if (indices.length > 0) {
      this.ensureBase(v);
      const entry = this.apply(v, { kind: 'edit', diff: { indices, before: new Uint8Array(0), after: values } })!;
      problem = await this.record(v, { kind: 'edit', diff: entry });
    }
    return this.result(v, { indices: [...indices], values: [...values] }, problem);
  }

  async removeSmallIslands(v: OpenVolume, minVolumeMl: number): Promise<IslandsResult> {
    const infection = this.editableInfection(v);
    const found = findSmallIslands(infection, v.volume.dims, v.volume.spacingMm, minVolumeMl * 1000);
    const result = await this.applyComputedEdit(v, found.indices, new Uint8Array(found.indices.length));
    return { ...result, removedIslands: found.removedIslands, keptIslands: found.keptIslands };
  }

  async fillHoles(v: OpenVolume): Promise<HolesResult> {
    const found = findHoles(this.editableInfection(v), v.volume.dims);
    return { ...(await this.applyComputedEdit(v, found.indices, found.values)), holes: found.holes };
  }

  async interpolateSlices(v: OpenVolume, maxGapSlices: number, plane: InterpolationPlane = 'axial'): Promise<InterpolationResult> {
    const found = interpolateSlices(this.editableInfection(v), v.volume.dims, v.volume.spacingMm, maxGapSlices, plane);
    return { ...(await this.applyComputedEdit(v, found.indices, found.values)), gaps: found.gaps, skippedGaps: found.skippedGaps };
  }

  async undoRedo(v: OpenVolume, kind: 'undo' | 'redo'): Promise<EditResult | null> {
    this.assertEditable(v);
    if (kind === 'undo' ? !v.journal.canUndo : !v.journal.canRedo) return null;
    const d = this.apply(v, { kind });
    if (!d) return null;
    const problem = await this.record(v, { kind });
    return this.result(v, { indices: [...d.indices], values: [...(kind === 'undo' ? d.before : d.after)] }, problem, targetOf(d));
  }

  /**
   * Replays saved records onto the base labelmap already set on `v`, through the same steps as live
   * editing, so the labelmap and the undo/redo stacks come out exactly as they were.
   */
  replay(v: OpenVolume, records: readonly JournalRecord[]): void {
    for (const r of records) this.apply(v, r, false);
    this.remeasure(v);
  }
}
