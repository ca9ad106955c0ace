import { describe, expect, it } from 'vitest';
import { StrokeRecorder, paintDisc, applyDiff, UndoJournal, encodeJournal, decodeJournal, diffBytes, findSmallIslands, findHoles } from './index.ts';
import { OpalError } from '../errors/index.ts';

const dims: [number, number, number] = [32, 24, 8];
function randomLabels(seed: number): Uint8Array {
  const a = new Uint8Array(dims[0] * dims[1] * dims[2]);
  let s = seed;
  for (let i = 0; i < a.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s >>> 16) % 3;
  }
  return a;
}

describe('paintDisc', () => {
  it('paints a disc that is round in millimetres on anisotropic pixels', () => {
    const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
    const rec = new StrokeRecorder(labels);
    // 1 mm along x, 2 mm along y: a 4 mm radius spans ±4 columns but only ±2 rows.
    paintDisc(rec, labels, dims, [1, 2, 5], { plane: 'axial', center: [16, 12, 3], radiusMm: 4, value: 1 });
    const at = (x: number, y: number, z: number) => labels[x + dims[0] * (y + dims[1] * z)];
    expect(at(20, 12, 3)).toBe(1);
    expect(at(21, 12, 3)).toBe(0);
    expect(at(16, 14, 3)).toBe(1);
    expect(at(16, 15, 3)).toBe(0);
    expect(at(16, 12, 2)).toBe(0);
    expect(at(16, 12, 4)).toBe(0);
  });

  it('writes only within the chosen sagittal slice', () => {
    const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
    const rec = new StrokeRecorder(labels);
    paintDisc(rec, labels, dims, [1, 1, 1], { plane: 'sagittal', center: [5, 10, 4], radiusMm: 2, value: 2 });
    for (let i = 0; i < labels.length; i++) if (labels[i]) expect(i % dims[0]).toBe(5);
    expect(rec.touchedCount).toBe(13);
  });

  it('erases only the chosen label and never touches locked labels', () => {
    const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
    labels[10 + 32 * 10] = 1;
    labels[11 + 32 * 10] = 2;
    const rec = new StrokeRecorder(labels);
    paintDisc(rec, labels, dims, [1, 1, 1], { plane: 'axial', center: [10, 10, 0], radiusMm: 3, value: 0, eraseOnly: 1 });
    expect(labels[10 + 32 * 10]).toBe(0);
    expect(labels[11 + 32 * 10]).toBe(2);
    const rec2 = new StrokeRecorder(labels);
    paintDisc(rec2, labels, dims, [1, 1, 1], { plane: 'axial', center: [10, 10, 0], radiusMm: 3, value: 1, locked: new Set([2]) });
    expect(labels[11 + 32 * 10]).toBe(2);
    expect(labels[10 + 32 * 10]).toBe(1);
  });

  it('HU-threshold brush: paints and erases only the voxels whose HU is inside the window', () => {
    const n = dims[0] * dims[1] * dims[2];
    // A HU ramp along x: -1000 at x=0 up to +550 at x=31.
    const hu = new Int16Array(n);
    for (let i = 0; i < n; i++) hu[i] = -1000 + 50 * (i % dims[0]);
    const labels = new Uint8Array(n);
    const rec = new StrokeRecorder(labels);
    const disc = { plane: 'axial' as const, center: [16, 12, 2] as [number, number, number], radiusMm: 10 };
    const inDisc = paintDisc(rec, labels, dims, [1, 1, 1], { ...disc, value: 1, huWindow: { hu, minHu: -300, maxHu: 0 } });
    let painted = 0;
    for (let i = 0; i < n; i++) {
      if (!labels[i]) continue;
      painted++;
      expect(hu[i]).toBeGreaterThanOrEqual(-300);
      expect(hu[i]).toBeLessThanOrEqual(0);
    }
    // x = 14..20 (HU -300..0) inside the disc, none of the disc's other columns.
    expect(painted).toBeGreaterThan(0);
    expect(painted).toBeLessThan(inDisc);
    for (let x = 14; x <= 20; x++) expect(labels[x + dims[0] * (12 + dims[1] * 2)]).toBe(1);
    expect(labels[13 + dims[0] * (12 + dims[1] * 2)]).toBe(0);
    expect(labels[21 + dims[0] * (12 + dims[1] * 2)]).toBe(0);
    // Without a window the same disc paints every voxel in it.
    const all = new Uint8Array(n);
    paintDisc(new StrokeRecorder(all), all, dims, [1, 1, 1], { ...disc, value: 1 });
    expect(all.reduce((a, v) => a + v, 0)).toBe(inDisc);
    // The eraser with a window clears only the in-window voxels.
    const discMask = all.slice();
    paintDisc(new StrokeRecorder(all), all, dims, [1, 1, 1], { ...disc, value: 0, huWindow: { hu, minHu: -1000, maxHu: -301 } });
    for (let i = 0; i < n; i++) if (discMask[i]) expect(all[i], `voxel ${i} at ${hu[i]} HU`).toBe(hu[i] >= -300 ? 1 : 0);
    expect(() => paintDisc(rec, labels, dims, [1, 1, 1], { ...disc, value: 1, huWindow: { hu: new Int16Array(3), minHu: 0, maxHu: 1 } })).toThrow(RangeError);
  });

  it('ignores a dab outside the volume or with a non-positive radius', () => {
    const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
    const rec = new StrokeRecorder(labels);
    expect(paintDisc(rec, labels, dims, [1, 1, 1], { plane: 'axial', center: [5, 5, 99], radiusMm: 3, value: 1 })).toBe(0);
    expect(paintDisc(rec, labels, dims, [1, 1, 1], { plane: 'axial', center: [5, 5, 1], radiusMm: 0, value: 1 })).toBe(0);
    expect(labels.every((v) => v === 0)).toBe(true);
  });
});

describe('strokes and the undo journal', () => {
  it('a stroke of overlapping dabs becomes one diff whose before/after undo and redo it exactly', () => {
    const labels = randomLabels(7);
    const original = labels.slice();
    const rec = new StrokeRecorder(labels);
    for (let x = 4; x < 28; x += 2) paintDisc(rec, labels, dims, [0.8, 0.8, 2], { plane: 'axial', center: [x, 12, 5], radiusMm: 3, value: 1 });
    const painted = labels.slice();
    const diff = rec.finish();
    expect(diff.indices.length).toBeGreaterThan(0);
    expect([...diff.after].every((v) => v === 1)).toBe(true);
    // Every changed voxel is in the diff, nothing else is.
    const changed = [...labels.keys()].filter((i) => original[i] !== painted[i]);
    expect([...diff.indices]).toEqual(changed);

    const journal = new UndoJournal(1 << 20);
    journal.push(diff);
    const u = journal.undo();
    expect(u).toBe(diff);
    applyDiff(labels, u!.indices, u!.before);
    expect(labels).toEqual(original);
    const r = journal.redo();
    applyDiff(labels, r!.indices, r!.after);
    expect(labels).toEqual(painted);
  });

  it('undoing many strokes in reverse order restores the labelmap exactly', () => {
    const labels = randomLabels(3);
    const original = labels.slice();
    const journal = new UndoJournal(1 << 20);
    for (let s = 0; s < 6; s++) {
      const rec = new StrokeRecorder(labels);
      paintDisc(rec, labels, dims, [1, 1, 1], { plane: s % 2 ? 'coronal' : 'axial', center: [3 + s * 4, 5 + s, s], radiusMm: 4, value: s % 3 });
      journal.push(rec.finish());
    }
    while (journal.canUndo) {
      const d = journal.undo()!;
      applyDiff(labels, d.indices, d.before);
    }
    expect(labels).toEqual(original);
  });

  it('drops the oldest strokes when the journal exceeds its byte budget but keeps the newest', () => {
    const mk = (n: number) => ({ indices: new Uint32Array(n).map((_, i) => i), before: new Uint8Array(n), after: new Uint8Array(n).fill(1) });
    const journal = new UndoJournal(6 * 250);
    journal.push(mk(100));
    journal.push(mk(100));
    expect(journal.undoDepth).toBe(2);
    journal.push(mk(100));
    expect(journal.undoDepth).toBe(2);
    expect(journal.usedBytes).toBe(1200);
    const huge = mk(1000);
    journal.push(huge);
    expect(journal.undoDepth).toBe(1);
    expect(journal.usedBytes).toBe(diffBytes(huge));
  });

  it('a new stroke after an undo clears the redo branch', () => {
    const journal = new UndoJournal(1000);
    const d = { indices: Uint32Array.of(1), before: Uint8Array.of(0), after: Uint8Array.of(1) };
    journal.push(d);
    journal.undo();
    expect(journal.canRedo).toBe(true);
    journal.push({ indices: Uint32Array.of(2), before: Uint8Array.of(0), after: Uint8Array.of(2) });
    expect(journal.canRedo).toBe(false);
    expect(journal.redo()).toBeUndefined();
  });
});

describe('applyDiff', () => {
  it('rejects an index outside the labelmap without changing anything', () => {
    const labels = new Uint8Array(10);
    expect(() => applyDiff(labels, [1, 10], [1, 1])).toThrow(OpalError);
    expect(labels.every((v) => v === 0)).toBe(true);
    expect(() => applyDiff(labels, [1], [256])).toThrow(/label/);
    expect(() => applyDiff(labels, [1, 2], [1])).toThrow(/values/);
  });
});

describe('journal codec', () => {
  it('round-trips entries exactly and refuses truncated input', () => {
    const entries = [
      { indices: Uint32Array.of(0, 5, 4_000_000_000), before: Uint8Array.of(0, 1, 2), after: Uint8Array.of(2, 2, 0) },
      { indices: new Uint32Array(0), before: new Uint8Array(0), after: new Uint8Array(0) },
    ];
    const bytes = encodeJournal(entries);
    expect(decodeJournal(bytes)).toEqual(entries);
    expect(() => decodeJournal(bytes.subarray(0, bytes.length - 2))).toThrow(/truncated/);
    expect(() => decodeJournal(new Uint8Array(20))).toThrow(/not an OPAL/);
  });
});

describe('findSmallIslands', () => {
  const d: [number, number, number] = [20, 20, 10];
  const at = (x: number, y: number, z: number) => x + d[0] * (y + d[1] * z);
  function scene(): Uint8Array {
    const m = new Uint8Array(d[0] * d[1] * d[2]);
    // A 4x4x4 lesion of mixed labels (64 voxels), one voxel touching it only at a corner,
    // a 2-voxel speck and a 1-voxel speck far away.
    for (let z = 2; z < 6; z++) for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) m[at(x, y, z)] = x < 4 ? 1 : 2;
    m[at(6, 6, 6)] = 1;
    m[at(15, 15, 2)] = 2;
    m[at(16, 15, 2)] = 2;
    m[at(10, 18, 8)] = 1;
    return m;
  }

  it('clears islands below the volume, counting corner-touching voxels as part of their island', () => {
    const m = scene();
    // 1 x 1 x 2 mm voxels: the speck is 4 mm³, the single voxel 2 mm³, the lesion (+corner) 130 mm³.
    const r = findSmallIslands(m, d, [1, 1, 2], 5);
    expect(r.removedIslands).toBe(2);
    expect(r.keptIslands).toBe(1);
    expect([...r.indices]).toEqual([at(15, 15, 2), at(16, 15, 2), at(10, 18, 8)].sort((a, b) => a - b));
    // Corner neighbour stays: it belongs to the lesion's island.
    expect(r.indices.includes(at(6, 6, 6))).toBe(false);
  });

  it('removes nothing below the smallest island and everything above the largest', () => {
    const m = scene();
    expect(findSmallIslands(m, d, [1, 1, 1], 1).indices.length).toBe(0);
    const all = findSmallIslands(m, d, [1, 1, 1], 1e6);
    expect(all.indices.length).toBe(m.reduce((a, v) => a + (v ? 1 : 0), 0));
    expect(all.keptIslands).toBe(0);
    expect(() => findSmallIslands(m, d, [1, 1, 1], 0)).toThrow(RangeError);
    expect(() => findSmallIslands(m, d, [1, 1, 1], Number.NaN)).toThrow(RangeError);
  });
});

describe('findHoles', () => {
  const d: [number, number, number] = [12, 10, 3];
  const at = (x: number, y: number, z: number) => x + d[0] * (y + d[1] * z);

  it('fills enclosed gaps per axial slice with the rim label, and nothing open to the border', () => {
    const m = new Uint8Array(d[0] * d[1] * d[2]);
    // Slice 1: a consolidation ring (label 2) around a 2x2 hole, with one GGO pixel on its rim;
    // a GGO "C" open to the right whose inside must stay empty.
    for (let y = 1; y <= 4; y++) for (let x = 1; x <= 4; x++) if (x === 1 || x === 4 || y === 1 || y === 4) m[at(x, y, 1)] = 2;
    m[at(1, 2, 1)] = 1;
    for (let y = 6; y <= 8; y++) for (let x = 6; x <= 9; x++) if (y !== 7 || x === 6) m[at(x, y, 1)] = 1;
    // Slice 0: a label-1 pixel in the corner touching nothing (no hole).
    m[at(0, 0, 0)] = 1;
    const r = findHoles(m, d);
    expect(r.holes).toBe(1);
    expect([...r.indices]).toEqual([at(2, 2, 1), at(3, 2, 1), at(2, 3, 1), at(3, 3, 1)]);
    expect([...r.values]).toEqual([2, 2, 2, 2]);
    expect(r.indices.includes(at(7, 7, 1))).toBe(false);
  });

  it('finds nothing in an empty or hole-free labelmap and checks the size', () => {
    expect(findHoles(new Uint8Array(d[0] * d[1] * d[2]), d).indices.length).toBe(0);
    const solid = new Uint8Array(d[0] * d[1] * d[2]);
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) solid[at(x, y, 2)] = 1;
    expect(findHoles(solid, d).holes).toBe(0);
    expect(() => findHoles(new Uint8Array(5), d)).toThrow(RangeError);
  });
});
