import type { StrokeDiff } from './StrokeRecorder.ts';

/** Bytes one journal entry holds: 4 per index plus 1 each for the before and after values. */
export function diffBytes(d: StrokeDiff): number {
  return d.indices.byteLength + d.before.byteLength + d.after.byteLength;
}

/**
 * Undo/redo of whole strokes, bounded by memory rather than by count (DESIGN.md §3.6): when the
 * entries exceed `maxBytes`, the oldest are dropped (they can no longer be undone). A stroke larger
 * than the whole budget is still kept alone, so the latest edit is always undoable.
 */
export class UndoJournal {
  private done: StrokeDiff[] = [];
  private undone: StrokeDiff[] = [];
  private bytes = 0;

  constructor(readonly maxBytes: number) {
    if (!(maxBytes > 0)) throw new RangeError('maxBytes must be positive');
  }

  /** Records a new edit; clears the redo branch. */
  push(d: StrokeDiff): void {
    if (d.indices.length === 0) return;
    for (const r of this.undone) this.bytes -= diffBytes(r);
    this.undone = [];
    this.done.push(d);
    this.bytes += diffBytes(d);
    while (this.bytes > this.maxBytes && this.done.length > 1) {
      const dropped = this.done.shift() as StrokeDiff;
      this.bytes -= diffBytes(dropped);
    }
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get undoDepth(): number {
    return this.done.length;
  }

  /** The edit to revert (write its `before`), or undefined when there is none. */
  undo(): StrokeDiff | undefined {
    const d = this.done.pop();
    if (d) this.undone.push(d);
    return d;
  }

  /** The edit to re-apply (write its `after`), or undefined when there is none. */
  redo(): StrokeDiff | undefined {
    const d = this.undone.pop();
    if (d) this.done.push(d);
    return d;
  }

  /** The undoable edits, oldest first (for autosave). */
  entries(): readonly StrokeDiff[] {
    return this.done;
  }

  /** The undone edits that redo can bring back; the next redo is the last. */
  redoEntries(): readonly StrokeDiff[] {
    return this.undone;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
    this.bytes = 0;
  }
}
