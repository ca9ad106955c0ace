import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpalSession } from './OpalSession.ts';
import { createEngineServices } from './createEngineServices.ts';
import type { EngineServices, SegmentationOutput } from './EngineServices.ts';
import { decodeNifti } from '../../common/nifti/index.ts';
import { decodeDicomSeg } from '../../common/export/decodeDicomSeg.ts';
import { LungLabel } from '../../common/volume/index.ts';
import { writeE2eStudy } from '../../../test/e2e/e2eStudy.ts';

/**
 * Editable lung masks (issue 15 point 5): a brush stroke on the right or left lung labelmap goes
 * through the same journal, undo and autosave as infection strokes, the per-lung numbers follow it,
 * and the exports carry the edited lungs.
 */
const [NX, NY, NZ] = [32, 32, 6];
const at = (x: number, y: number, z: number) => x + NX * (y + NY * z);

/** The real engine, except that the model answers fixed labelmaps: right lung x < 16, left x >= 16, infection in both. */
function engineWithFixedModel(): EngineServices {
  const real = createEngineServices();
  return {
    ...real,
    async segment(volume): Promise<SegmentationOutput> {
      const n = volume.voxels.length;
      const lungs = new Uint8Array(n);
      const infection = new Uint8Array(n);
      for (let z = 0; z < NZ; z++) {
        for (let y = 4; y < 28; y++) {
          for (let x = 2; x < 30; x++) {
            lungs[at(x, y, z)] = x < 16 ? LungLabel.RightLung : LungLabel.LeftLung;
            if (y >= 10 && y < 14 && (x < 6 || x >= 26)) infection[at(x, y, z)] = 1;
          }
        }
      }
      return { infection, lungs, confidence: new Uint8Array(n).fill(200), executionProvider: 'cpu', provenance: { name: 'fixed', version: '0', sha256: '0'.repeat(64), executionProvider: 'cpu', edited: false } };
    },
  };
}

describe('editing the lung masks', () => {
  let work: string;
  let study: string;
  const sessions: OpalSession[] = [];

  async function newSession(appData: string, compactAfterRecords?: number): Promise<OpalSession> {
    const s = new OpalSession({ engine: engineWithFixedModel(), appDataDir: join(work, appData), appVersion: 'test', ...(compactAfterRecords ? { compactAfterRecords } : {}) });
    await s.grantFolder(study, 'open');
    await s.grantFolder(work, 'export');
    sessions.push(s);
    return s;
  }
  /** The loaded volume's grid (the SEG is read back onto it). */
  const host = (s: OpalSession, h: string) => s.volumes.get(h).volume;
  const lungs = (s: OpalSession, h: string) => s.binary({ kind: 'lungs', volumeHandle: h }).slice();
  /** The right lung's voxels of rows y 20..23 (no infection there): 12 x 4 x 6 = 288 voxels. */
  const rightRows = (): number[] => {
    const out: number[] = [];
    for (let z = 0; z < NZ; z++) for (let y = 20; y < 24; y++) for (let x = 4; x < 16; x++) out.push(at(x, y, z));
    return out;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'opal-lungedit-'));
    study = join(work, 'study');
    await writeE2eStudy(study, NX, NZ);
  });
  afterAll(async () => {
    for (const s of sessions) s.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('erasing part of the right lung changes the right lung\'s numbers only; undo and redo restore them', async () => {
    const s = await newSession('numbers');
    const h = (await s.loadSeries({ path: study })).handle;
    const seg = await s.segment({ volumeHandle: h });
    const before = seg.measurements!.lungs;
    const cut = rightRows();
    const r = await s.commitStroke({ volumeHandle: h, diff: { indices: cut, values: cut.map(() => 0) }, target: 'lungs' });
    expect(r.target).toBe('lungs');
    expect(r.canUndo).toBe(true);
    const after = r.measurements!.lungs;
    expect(after.right.volumeMl).toBeCloseTo(before.right.volumeMl * (1 - cut.length / (14 * 24 * 6)), 6);
    expect(after.right.involvementPercent).toBeGreaterThan(before.right.involvementPercent);
    expect(after.left).toEqual(before.left);
    // The infection labelmap is untouched.
    expect(s.binary({ kind: 'infection', volumeHandle: h }).reduce((a, v) => a + (v ? 1 : 0), 0)).toBe(2 * 4 * 4 * 6);

    const undone = await s.undo({ volumeHandle: h });
    expect(undone!.target).toBe('lungs');
    expect(undone!.applied.values.every((v) => v === LungLabel.RightLung)).toBe(true);
    expect(undone!.measurements!.lungs).toEqual(before);
    const redone = await s.redo({ volumeHandle: h });
    expect(redone!.measurements!.lungs.right.volumeMl).toBeCloseTo(after.right.volumeMl, 9);
  });

  it('adding missed lung to the left lung counts the infection there per lung', async () => {
    const s = await newSession('add');
    const h = (await s.loadSeries({ path: study })).handle;
    // Infection painted where the lung mask has nothing (x 30, 31 lie outside both lungs).
    const outside = [at(30, 12, 2), at(31, 12, 2), at(30, 13, 2), at(31, 13, 2)];
    await s.segment({ volumeHandle: h });
    const painted = await s.commitStroke({ volumeHandle: h, diff: { indices: outside, values: [1, 1, 1, 1] } });
    const leftBefore = painted.measurements!.lungs.left;
    const r = await s.commitStroke({ volumeHandle: h, diff: { indices: outside, values: outside.map(() => LungLabel.LeftLung) }, target: 'lungs' });
    const leftAfter = r.measurements!.lungs.left;
    const voxelMl = painted.measurements!.lungs.left.volumeMl / (14 * 24 * 6);
    expect(leftAfter.volumeMl - leftBefore.volumeMl).toBeCloseTo(4 * voxelMl, 9);
    expect(leftAfter.groundGlassMl - leftBefore.groundGlassMl).toBeCloseTo(4 * voxelMl, 9);
    expect(r.measurements!.lungs.right).toEqual(painted.measurements!.lungs.right);
  });

  it('lung strokes are autosaved and replayed with the infection strokes, compaction included', async () => {
    for (const [name, compact] of [['replay', undefined], ['compacted', 3]] as const) {
      const a = await newSession(name, compact);
      const h = (await a.loadSeries({ path: study })).handle;
      await a.segment({ volumeHandle: h });
      const cut = rightRows();
      await a.commitStroke({ volumeHandle: h, diff: { indices: cut.slice(0, 100), values: cut.slice(0, 100).map(() => 0) }, target: 'lungs' });
      await a.commitStroke({ volumeHandle: h, diff: { indices: [at(20, 20, 3)], values: [2] } });
      await a.commitStroke({ volumeHandle: h, diff: { indices: cut.slice(100), values: cut.slice(100).map(() => LungLabel.LeftLung) }, target: 'lungs' });
      await a.commitStroke({ volumeHandle: h, diff: { indices: [at(21, 20, 3)], values: [1] } });
      await a.undo({ volumeHandle: h }); // the last infection stroke, redoable
      await a.undo({ volumeHandle: h }); // the second lung stroke, redoable
      await a.flushAutosave(h);
      const wantLungs = lungs(a, h);
      const wantInfection = a.binary({ kind: 'infection', volumeHandle: h }).slice();
      const wantNumbers = (await a.getMeasurements({ volumeHandle: h }))!.lungs;

      const b = await newSession(name, compact);
      const info = await b.loadSeries({ path: study });
      const r = await b.restoreAutosave({ volumeHandle: info.handle });
      expect(r.canRedo, name).toBe(true);
      expect(Buffer.compare(lungs(b, info.handle), wantLungs), name).toBe(0);
      expect(Buffer.compare(b.binary({ kind: 'infection', volumeHandle: info.handle }), wantInfection), name).toBe(0);
      expect(r.measurements!.lungs, name).toEqual(wantNumbers);
      // Redo brings the second lung stroke back onto the lungs, then the infection stroke.
      const redo = await b.redo({ volumeHandle: info.handle });
      expect(redo!.target, name).toBe('lungs');
      expect(lungs(b, info.handle)[cut[150]], name).toBe(LungLabel.LeftLung);
      const redo2 = await b.redo({ volumeHandle: info.handle });
      expect(redo2!.target, name).toBeUndefined();
      // Undo all the way back: the model's lungs.
      while (await b.undo({ volumeHandle: info.handle }));
      expect(lungs(b, info.handle)[cut[0]], name).toBe(LungLabel.RightLung);
      expect(lungs(b, info.handle)[cut[150]], name).toBe(LungLabel.RightLung);
    }
  });

  it('re-segmenting with "keep my edits" keeps the lung strokes (the run\'s lungs elsewhere); "replace" drops them', async () => {
    const s = await newSession('keep');
    const h = (await s.loadSeries({ path: study })).handle;
    await s.segment({ volumeHandle: h });
    const model = lungs(s, h);
    const cut = rightRows();
    const stroked = await s.commitStroke({ volumeHandle: h, diff: { indices: cut, values: cut.map(() => 0) }, target: 'lungs' });
    await expect(s.segment({ volumeHandle: h })).rejects.toMatchObject({ code: 'E_UNSAVED_EDITS' });
    const kept = await s.segment({ volumeHandle: h, edits: 'keep' });
    const after = lungs(s, h);
    expect(cut.every((i) => after[i] === 0)).toBe(true);
    const cutSet = new Set(cut);
    expect(after.every((x, i) => cutSet.has(i) || x === model[i])).toBe(true);
    // The numbers are those of the kept lungs (the fixed model answers the same labels each run).
    expect(kept.measurements!.lungs.right.volumeMl).toBeCloseTo(stroked.measurements!.lungs.right.volumeMl, 9);
    expect((await s.getLabelmapRevision({ volumeHandle: h })).edited).toBe(true);
    // The marks survive a restore: a new session on the same autosave keeps them on the next run too.
    await s.flushAutosave(h);
    const b = await newSession('keep');
    const info = await b.loadSeries({ path: study });
    await b.restoreAutosave({ volumeHandle: info.handle });
    await b.segment({ volumeHandle: info.handle, edits: 'keep' });
    expect(cut.every((i) => lungs(b, info.handle)[i] === 0)).toBe(true);
    await b.segment({ volumeHandle: info.handle, edits: 'replace' });
    expect(Buffer.compare(lungs(b, info.handle), model)).toBe(0);
  });

  it('the NIfTI lungs export, the SEG\'s lung segments and the measurements carry the edited lungs', async () => {
    const s = await newSession('export');
    const h = (await s.loadSeries({ path: study })).handle;
    await s.segment({ volumeHandle: h });
    const cut = rightRows();
    await s.commitStroke({ volumeHandle: h, diff: { indices: cut, values: cut.map(() => LungLabel.LeftLung) }, target: 'lungs' });
    const out = join(work, 'export-out');
    const r = await s.exportResults({ volumeHandle: h, outDir: out, formats: ['nifti', 'json', 'seg'] });
    expect(r.files.some((f) => f.endsWith('lungs.nii.gz'))).toBe(true);
    const nifti = decodeNifti(new Uint8Array(await readFile(join(r.outDir, 'lungs.nii.gz'))));
    const engineLungs = lungs(s, h);
    expect(engineLungs[cut[0]]).toBe(LungLabel.LeftLung);
    // The NIfTI holds the same labels (its voxel order is the engine's: same count of each label).
    const count = (a: ArrayLike<number>, v: number) => Array.prototype.filter.call(a, (x: number) => x === v).length;
    expect(count(nifti.voxels, LungLabel.LeftLung)).toBe(count(engineLungs, LungLabel.LeftLung));
    expect(count(nifti.voxels, LungLabel.RightLung)).toBe(count(engineLungs, LungLabel.RightLung));
    // The SEG's right and left lung segments are the edited lung labelmap, voxel for voxel.
    const segFile = r.files.find((f) => f.endsWith('.dcm'))!;
    const v = host(s, h);
    const seg = decodeDicomSeg(new Uint8Array(await readFile(join(r.outDir, segFile.split('/').pop()!))), { volume: v });
    for (const [trackingId, label] of [['RIGHT_LUNG', LungLabel.RightLung], ['LEFT_LUNG', LungLabel.LeftLung]] as const) {
      const segment = seg.segments.find((x) => x.trackingId === trackingId)!;
      expect(segment, trackingId).toBeDefined();
      expect(segment.mask.every((m, i) => (m === 1) === (engineLungs[i] === label)), trackingId).toBe(true);
    }
    expect(seg.segments.find((x) => x.trackingId === 'LEFT_LUNG')!.mask[cut[0]]).toBe(1);
    const json = JSON.parse(await readFile(join(r.outDir, 'measurements.json'), 'utf8')) as { measurements: { lungs: { left: { volumeMl: number } } } };
    expect(json.measurements.lungs.left.volumeMl).toBeCloseTo((await s.getMeasurements({ volumeHandle: h }))!.lungs.left.volumeMl, 6);
  });
});
