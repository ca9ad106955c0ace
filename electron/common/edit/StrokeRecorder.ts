/**
 * Collects the voxels one whole stroke touches (press → drag → release), remembering each voxel's
 * value before the stroke's first touch, so that the stroke becomes one exact sparse diff: undo
 * writes `before`, redo writes `after`, whatever order the dabs overlapped in.
 */
/** The labelmap an edit changes: the infection (ground-glass, consolidation) or the lungs (right, left). */
export type EditTarget = 'infection' | 'lungs';

export interface StrokeDiff {
  /** Voxel indices (x + nx * (y + ny * z)), ascending. */
  indices: Uint32Array;
  before: Uint8Array;
  after: Uint8Array;
  /** The labelmap edited; absent: the infection (every journal written before lung edits existed). */
  target?: EditTarget;
}

/** The labelmap a diff edits (absent target: the infection). */
export function targetOf(d: { target?: EditTarget }): EditTarget {
  return d.target ?? 'infection';
}

export class StrokeRecorder {
  private readonly firstBefore = new Map<number, number>();

  constructor(private readonly labels: Uint8Array) {}

  /** Writes `value` at `index`, recording the pre-stroke value on first touch. */
  set(index: number, value: number): void {
    const old = this.labels[index];
    if (!this.firstBefore.has(index)) {
      if (old === value) return;
      this.firstBefore.set(index, old);
    }
    this.labels[index] = value;
  }

  get touchedCount(): number {
    return this.firstBefore.size;
  }

  /** The stroke as a diff of the voxels whose value actually changed. */
  finish(): StrokeDiff {
    const changed = [...this.firstBefore.entries()].filter(([i, b]) => this.labels[i] !== b).sort((a, b) => a[0] - b[0]);
    const indices = new Uint32Array(changed.length);
    const before = new Uint8Array(changed.length);
    const after = new Uint8Array(changed.length);
    changed.forEach(([i, b], n) => {
      indices[n] = i;
      before[n] = b;
      after[n] = this.labels[i];
    });
    return { indices, before, after };
  }
}
