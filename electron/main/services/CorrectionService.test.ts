import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpalSession } from './OpalSession.ts';
import { createEngineServices } from './createEngineServices.ts';
import type { EngineServices } from './EngineServices.ts';
import { writeE2eStudy } from '../../../test/e2e/e2eStudy.ts';

/**
 * The click tools of issue 15 point 5 through the session (CorrectionService over EditingService):
 * each is one undo step, checked against the labelmap the engine serves. The model path of the
 * assisted correction runs in test/e2e/correctionTools.e2e.test.ts; here an engine without a model
 * takes the HU-guided path.
 */
describe('correction tools over the real engine', () => {
  let work: string;
  let session: OpalSession;
  // writeE2eStudy(64, 24): a -450 HU ground-glass ball at (~20, ~31) on slices 8..16 in the right lung (-860 HU).
  const size = 64;
  const idx = (i: number, j: number, k: number) => i + size * (j + size * k);
  const labels = (h: string) => session.binary({ kind: 'infection', volumeHandle: h });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'opal-corrections-'));
    await writeE2eStudy(join(work, 'study'), size, 24);
    const real = createEngineServices();
    // An engine without a model: the assisted correction must fall back to the HU-guided grow.
    const { segmentRegion: _unused, ...withoutModel } = real;
    session = new OpalSession({ engine: withoutModel as EngineServices, appDataDir: join(work, 'appdata'), appVersion: 'test' });
    await session.grantFolder(join(work, 'study'), 'open');
  });
  afterAll(async () => {
    session.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('deletes the whole 3-D lesion under a click in one undo step, and nothing else', async () => {
    const { handle } = await session.loadSeries({ path: join(work, 'study') });
    // Lesion A: a 3x3 column over slices 4..9 with a diagonal step at slice 7; lesion B apart from it.
    const a: number[] = [];
    for (let k = 4; k <= 9; k++) for (let j = 10; j < 13; j++) for (let i = 10; i < 13; i++) a.push(idx(i + (k >= 7 ? 3 : 0), j, k));
    const b = [idx(40, 40, 5), idx(41, 40, 5)];
    await session.commitStroke({ volumeHandle: handle, diff: { indices: [...a, ...b], values: [...a.map((_, n) => (n % 2 ? 1 : 2)), 1, 1] } });
    const r = await session.deleteLesion({ volumeHandle: handle, voxel: [11, 11, 5] });
    expect(r.removedVoxels).toBe(a.length);
    expect(r.slices).toEqual([4, 9]);
    expect(r.canUndo).toBe(true);
    const voxelMl = r.removedGroundGlassMl / a.filter((_, n) => n % 2).length;
    expect(r.removedConsolidationMl).toBeCloseTo(a.filter((_, n) => n % 2 === 0).length * voxelMl, 9);
    const after = labels(handle);
    expect(a.every((v) => after[v] === 0)).toBe(true);
    expect(b.every((v) => after[v] === 1)).toBe(true);
    await session.undo({ volumeHandle: handle });
    expect(a.every((v, n) => labels(handle)[v] === (n % 2 ? 1 : 2))).toBe(true);
    // A click on background changes nothing and adds no undo step; a voxel outside the image is refused.
    const none = await session.deleteLesion({ volumeHandle: handle, voxel: [30, 5, 5] });
    expect(none.removedVoxels).toBe(0);
    expect(none.applied.indices).toEqual([]);
    await expect(session.deleteLesion({ volumeHandle: handle, voxel: [64, 0, 0] })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT', message: /outside this image/ });
  });

  it('autosaves each click edit like a stroke: a new session restores the labelmap exactly', async () => {
    const { handle } = await session.loadSeries({ path: join(work, 'study') });
    await session.growRegion({ volumeHandle: handle, voxel: [20, 31, 12], label: 2, hu: { min: -750, max: -300 }, radiusMm: 8, lungsOnly: false });
    await session.deleteLesion({ volumeHandle: handle, voxel: [20, 31, 12] });
    await session.growRegion({ volumeHandle: handle, voxel: [20, 31, 12], label: 1, hu: { min: -750, max: -300 }, radiusMm: 6, lungsOnly: false });
    const want = labels(handle).slice();
    expect(want.some((x) => x === 1)).toBe(true);
    await session.flushAutosave(handle);
    const { segmentRegion: _unused, ...engine } = createEngineServices();
    const again = new OpalSession({ engine, appDataDir: join(work, 'appdata'), appVersion: 'test' });
    try {
      await again.grantFolder(join(work, 'study'), 'open');
      const info = await again.loadSeries({ path: join(work, 'study') });
      expect(info.autosave?.edits).toBeGreaterThanOrEqual(3);
      const r = await again.restoreAutosave({ volumeHandle: info.handle });
      expect(r.canUndo).toBe(true);
      expect(Buffer.compare(Buffer.from(again.binary({ kind: 'infection', volumeHandle: info.handle })), Buffer.from(want))).toBe(0);
    } finally {
      again.dispose();
    }
    await session.closeVolume({ volumeHandle: handle, discardAutosave: true });
  });

  it('grows a region from a click inside the HU range and radius, labelled with the chosen label', async () => {
    const { handle } = await session.loadSeries({ path: join(work, 'study') });
    const ct = new Int16Array(session.binary({ kind: 'ct', volumeHandle: handle }).slice().buffer);
    const seed = [20, 31, 12] as [number, number, number];
    expect(ct[idx(...seed)]).toBe(-450);
    const spacing = session.volumes.get(handle).volume.spacingMm;
    const r = await session.growRegion({ volumeHandle: handle, voxel: seed, label: 1, hu: { min: -750, max: -300 }, radiusMm: 12, lungsOnly: false });
    expect(r.refused).toBeUndefined();
    expect(r.changedVoxels).toBeGreaterThan(20);
    const lab = labels(handle);
    let labelled = 0;
    for (let v = 0; v < lab.length; v++) {
      if (lab[v] === 0) continue;
      labelled++;
      expect(lab[v]).toBe(1);
      expect(ct[v]).toBeGreaterThanOrEqual(-750);
      expect(ct[v]).toBeLessThanOrEqual(-300);
      const i = v % size;
      const j = Math.floor(v / size) % size;
      const k = Math.floor(v / (size * size));
      expect(Math.hypot((i - seed[0]) * spacing[0], (j - seed[1]) * spacing[1], (k - seed[2]) * spacing[2])).toBeLessThanOrEqual(12);
    }
    expect(labelled).toBe(r.changedVoxels);
    // A click on aerated lung (-860 HU) is outside the range: nothing grows, no undo step.
    const refused = await session.growRegion({ volumeHandle: handle, voxel: [20, 20, 12], label: 1, hu: { min: -750, max: -300 }, radiusMm: 12, lungsOnly: false });
    expect(refused).toMatchObject({ refused: 'seed-outside-range', seedHu: -860, changedVoxels: 0 });
    // "Lungs only" before any lung mask exists is refused with a message.
    await expect(session.growRegion({ volumeHandle: handle, voxel: seed, label: 1, hu: { min: -750, max: -300 }, radiusMm: 12, lungsOnly: true })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    await session.undo({ volumeHandle: handle });
    expect(labels(handle).every((x) => x === 0)).toBe(true);
  });

  it('assisted correction without a model grows by HU inside the box only, as one undo step', async () => {
    const { handle } = await session.loadSeries({ path: join(work, 'study') });
    const box = { from: [14, 25, 9] as [number, number, number], to: [24, 36, 11] as [number, number, number] };
    const r = await session.assistedCorrection({ volumeHandle: handle, box, label: 1, hu: { min: -750, max: -300 }, lungsOnly: false });
    expect(r.method).toBe('hu-grow');
    expect(r.modelProblem?.code).toBe('E_MODEL_MISSING');
    expect(r.addedVoxels).toBeGreaterThan(10);
    const lab = labels(handle);
    for (let v = 0; v < lab.length; v++) {
      if (lab[v] === 0) continue;
      const i = v % size;
      const j = Math.floor(v / size) % size;
      const k = Math.floor(v / (size * size));
      expect(i >= 14 && i <= 24 && j >= 25 && j <= 36 && k >= 9 && k <= 11).toBe(true);
    }
    const u = await session.undo({ volumeHandle: handle });
    expect(u?.canUndo).toBe(false);
    expect(labels(handle).every((x) => x === 0)).toBe(true);
    await expect(session.assistedCorrection({ volumeHandle: handle, box: { from: [70, 70, 30], to: [80, 80, 30] }, label: 1, hu: { min: -750, max: -300 }, lungsOnly: false })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });
});

describe('contract validation of the click tools', () => {
  it('refuses malformed voxels, labels, HU ranges and radii with E_BAD_ARGUMENT naming the field', async () => {
    const { parseArgs } = await import('../../common/ipc/contract.ts');
    const h = 'v0123456789ab';
    const bad: [Parameters<typeof parseArgs>[0], unknown, RegExp][] = [
      ['deleteLesion', { volumeHandle: h, voxel: [1, 2] }, /voxel/],
      ['deleteLesion', { volumeHandle: h, voxel: [1, 2, -3] }, /voxel/],
      ['deleteLesion', { volumeHandle: h, voxel: [1.5, 2, 3] }, /voxel/],
      ['growRegion', { volumeHandle: h, voxel: [1, 2, 3], label: 3, hu: { min: -750, max: -300 }, radiusMm: 20, lungsOnly: true }, /label/],
      ['growRegion', { volumeHandle: h, voxel: [1, 2, 3], label: 1, hu: { min: -300, max: -750 }, radiusMm: 20, lungsOnly: true }, /hu/],
      ['growRegion', { volumeHandle: h, voxel: [1, 2, 3], label: 1, hu: { min: -750, max: -300 }, radiusMm: 0, lungsOnly: true }, /radiusMm/],
      ['growRegion', { volumeHandle: h, voxel: [1, 2, 3], label: 1, hu: { min: -750, max: -300 }, radiusMm: 20, lungsOnly: true, maxVoxels: 0 }, /maxVoxels/],
      ['assistedCorrection', { volumeHandle: h, box: { from: [1, 2, 3] }, label: 1, hu: { min: -750, max: -300 }, lungsOnly: false }, /box/],
    ];
    for (const [method, args, field] of bad) {
      const r = parseArgs(method, args);
      expect(r.ok, `${method} ${JSON.stringify(args)}`).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(field);
    }
    expect(parseArgs('growRegion', { volumeHandle: h, voxel: [1, 2, 3], label: 2, hu: { min: -300, max: 150 }, radiusMm: 20, lungsOnly: true }).ok).toBe(true);
  });
});
