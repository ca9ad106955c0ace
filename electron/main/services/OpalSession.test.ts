import { decodeLabelRuns } from '../../common/volume/labelRuns.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpalSession } from './OpalSession.ts';
import { createEngineServices } from './createEngineServices.ts';
import { decodeJournalLog } from '../../common/edit/index.ts';
import { writeE2eStudy } from '../../../test/e2e/e2eStudy.ts';

describe('OpalSession over the real engine', () => {
  let work: string;
  let session: OpalSession;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'opal-session-'));
    await writeE2eStudy(join(work, 'study'), 32, 6);
    session = new OpalSession({ engine: createEngineServices(), appDataDir: join(work, 'appdata'), appVersion: 'test', journalBytes: 4096 });
    await session.grantFolder(join(work, 'study'), 'open'); // as the main process's folder dialog does
  });
  afterAll(async () => {
    session.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('scans a folder, remembers it as recent and loads its series as a handle with geometry', async () => {
    const scan = await session.scanFolder({ path: join(work, 'study') });
    expect(scan.series).toHaveLength(1);
    expect(scan.series[0]).toMatchObject({ columns: 32, rows: 32, slices: 6, loadable: true });
    expect(await session.listRecentFolders()).toEqual([scan.folder]);
    const info = await session.loadSeries({ path: join(work, 'study') });
    expect(info.handle).toMatch(/^v[0-9a-f]{12}$/);
    expect(info.dims).toEqual([32, 32, 6]);
    expect(info.voxelType).toBe('int16');
    const ct = new Int16Array(session.binary({ kind: 'ct', volumeHandle: info.handle }).slice().buffer);
    expect(ct.length).toBe(32 * 32 * 6);
    expect(ct[0]).toBe(-1000);
  });

  it('commits a stroke, autosaves the journal atomically, and undo/redo restore the labelmap exactly', async () => {
    const { handle } = await session.loadSeries({ path: join(work, 'study') });
    expect(() => session.binary({ kind: 'infection', volumeHandle: handle })).toThrow(/no infection labelmap/);
    const r = await session.commitStroke({ volumeHandle: handle, diff: { indices: [5, 6, 700], values: [1, 2, 1] } });
    expect(r).toMatchObject({ canUndo: true, canRedo: false });
    const painted = session.binary({ kind: 'infection', volumeHandle: handle }).slice();
    expect([painted[5], painted[6], painted[700], painted[7]]).toEqual([1, 2, 1, 0]);
    // The renderer's form: label runs of the same labelmap (5 runs, not one byte per voxel).
    const runs = session.binary({ kind: 'infection', volumeHandle: handle, encoding: 'runs' });
    expect(decodeLabelRuns(runs)).toEqual(painted);
    expect(runs.byteLength).toBe(8 + 6 * 5);
    await session.flushAutosave(handle);
    const saved = decodeJournalLog(new Uint8Array(await readFile(join(session.autosaveFolder(handle), 'journal-1.opaljournal'))));
    expect(saved.records).toHaveLength(1);
    expect(saved.records[0].kind === 'edit' && [...saved.records[0].diff.indices]).toEqual([5, 6, 700]);

    const u = await session.undo({ volumeHandle: handle });
    expect(u?.applied).toEqual({ indices: [5, 6, 700], values: [0, 0, 0] });
    expect(session.binary({ kind: 'infection', volumeHandle: handle }).every((v) => v === 0)).toBe(true);
    const again = await session.redo({ volumeHandle: handle });
    expect(again?.canRedo).toBe(false);
    expect(session.binary({ kind: 'infection', volumeHandle: handle })).toEqual(painted);
    expect(await session.redo({ volumeHandle: handle })).toBeNull();
  });

  it('removes small infection islands as one undoable edit', async () => {
    const { handle, info } = await session.loadSeries({ path: join(work, 'study') }).then((i) => ({ handle: i.handle, info: i }));
    const [nx, ny] = info.dims;
    const idx = (x: number, y: number, z: number) => x + nx * (y + ny * z);
    // A 3x3x2 block (18 voxels) and a lone voxel far from it.
    const block: number[] = [];
    for (let z = 2; z < 4; z++) for (let y = 5; y < 8; y++) for (let x = 5; x < 8; x++) block.push(idx(x, y, z));
    const lone = idx(25, 25, 1);
    await expect(session.removeSmallIslands({ volumeHandle: handle, minVolumeMl: 1 })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    await session.commitStroke({ volumeHandle: handle, diff: { indices: [...block, lone], values: [...block.map(() => 1), 2] } });
    const voxelMl = info.spacingMm.reduce((a, b) => a * b, 1) / 1000;
    const r = await session.removeSmallIslands({ volumeHandle: handle, minVolumeMl: voxelMl * 5 });
    expect(r).toMatchObject({ removedIslands: 1, keptIslands: 1, canUndo: true });
    expect(r.applied).toEqual({ indices: [lone], values: [0] });
    const after = session.binary({ kind: 'infection', volumeHandle: handle });
    expect(after[lone]).toBe(0);
    expect(block.every((i) => after[i] === 1)).toBe(true);
    const u = await session.undo({ volumeHandle: handle });
    expect(u?.applied).toEqual({ indices: [lone], values: [2] });
    expect(session.binary({ kind: 'infection', volumeHandle: handle })[lone]).toBe(2);
    // Nothing below the size: no edit, no new undo step.
    const none = await session.removeSmallIslands({ volumeHandle: handle, minVolumeMl: voxelMl / 2 });
    expect(none).toMatchObject({ removedIslands: 0, keptIslands: 2 });
    expect(none.applied.indices).toEqual([]);
  });

  it('fills an enclosed hole with its rim label as one undoable edit', async () => {
    const { handle, dims } = await session.loadSeries({ path: join(work, 'study') }).then((i) => ({ handle: i.handle, dims: i.dims }));
    const idx = (x: number, y: number, z: number) => x + dims[0] * (y + dims[1] * z);
    await expect(session.fillHoles({ volumeHandle: handle })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    const ring: number[] = [];
    for (let y = 10; y <= 14; y++) for (let x = 10; x <= 14; x++) if (x === 10 || x === 14 || y === 10 || y === 14) ring.push(idx(x, y, 3));
    await session.commitStroke({ volumeHandle: handle, diff: { indices: ring, values: ring.map(() => 2) } });
    const r = await session.fillHoles({ volumeHandle: handle });
    expect(r.holes).toBe(1);
    expect(r.applied.indices).toHaveLength(9);
    expect(new Set(r.applied.values)).toEqual(new Set([2]));
    expect(session.binary({ kind: 'infection', volumeHandle: handle })[idx(12, 12, 3)]).toBe(2);
    await session.undo({ volumeHandle: handle });
    expect(session.binary({ kind: 'infection', volumeHandle: handle })[idx(12, 12, 3)]).toBe(0);
    expect((await session.fillHoles({ volumeHandle: handle })).holes).toBe(1);
  });

  it('interpolates between two painted slices as one undoable edit', async () => {
    const { handle, dims } = await session.loadSeries({ path: join(work, 'study') }).then((i) => ({ handle: i.handle, dims: i.dims }));
    const idx = (x: number, y: number, z: number) => x + dims[0] * (y + dims[1] * z);
    const square = (z: number) => Array.from({ length: 16 }, (_, n) => idx(8 + (n % 4), 8 + Math.floor(n / 4), z));
    await session.commitStroke({ volumeHandle: handle, diff: { indices: [...square(1), ...square(4)], values: new Array(32).fill(1) } });
    const r = await session.interpolateSlices({ volumeHandle: handle, maxGapSlices: 3 });
    expect(r).toMatchObject({ gaps: 1, skippedGaps: 0, canUndo: true });
    const after = session.binary({ kind: 'infection', volumeHandle: handle });
    expect(square(2).every((i) => after[i] === 1) && square(3).every((i) => after[i] === 1)).toBe(true);
    await session.undo({ volumeHandle: handle });
    expect(square(2).some((i) => session.binary({ kind: 'infection', volumeHandle: handle })[i] === 1)).toBe(false);
    expect(await session.interpolateSlices({ volumeHandle: handle, maxGapSlices: 1 })).toMatchObject({ gaps: 0, skippedGaps: 1 });
  });

  it('refuses an out-of-volume edit, export before segmentation, and unknown handles with coded errors', async () => {
    const { handle } = await session.loadSeries({ path: join(work, 'study') });
    await expect(session.commitStroke({ volumeHandle: handle, diff: { indices: [32 * 32 * 6], values: [1] } })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    await expect(session.exportResults({ volumeHandle: handle, outDir: join(work, 'out'), formats: ['seg'] })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    await expect(session.undo({ volumeHandle: 'v000000000000' })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(await session.cancelSegmentation({ volumeHandle: handle })).toEqual({ cancelled: false });
    expect(await session.closeVolume({ volumeHandle: handle })).toEqual({ closed: true });
  });
});
