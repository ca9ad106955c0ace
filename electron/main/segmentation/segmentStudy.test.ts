import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { makeTestModel, type TestModel } from '../../../test/pipeline/fixtures/testModel.ts';
import { testOutputDir } from '../../../test/fixtures/sharedData.ts';
import { syntheticChest } from '../../common/lung/syntheticChest.testutil.ts';
import { IDENTITY_DIRECTION, type Volume } from '../../common/volume/index.ts';
import { closeInferenceService } from '../inference/InferenceService.ts';
import { loadModelManifest } from '../inference/loadModelManifest.ts';
import { segmentStudy } from './segmentStudy.ts';
import { startLungMaskAhead } from './lungMaskAhead.ts';
import { lungMaskFromHu } from '../../common/lung/index.ts';

const root = testOutputDir('engine-segment-study');
let model: TestModel;

beforeAll(() => {
  rmSync(root, { recursive: true, force: true });
  model = makeTestModel(root, { size: 64 });
});
afterAll(() => closeInferenceService());

describe('segmentStudy', () => {
  it('returns lungs, infection inside them, measurements that match the masks, and the provenance', async () => {
    // 40 slices: the chest's lesion lies mid-lung (with 24 it sits on the lung's top slice, where
    // false-positive suppression rightly takes it for the partial-volume rim).
    const { volume } = syntheticChest({ nx: 64, nz: 40 });
    const stages: string[] = [];
    const r = await segmentStudy(volume, {
      model: await loadModelManifest(model.manifestPath),
      threads: 1,
      onProgress: (p) => stages.push(p.stage),
    });
    expect(r.provenance).toEqual({
      name: 'test-band',
      version: '0.0.1-test',
      sha256: model.manifest.sha256,
      executionProvider: 'cpu',
      edited: false,
    });
    let lungVox = 0;
    let infVox = 0;
    for (let v = 0; v < r.lungs.length; v++) {
      if (r.lungs[v] !== 0) lungVox++;
      if (r.infection[v] !== 0) {
        infVox++;
        expect(r.lungs[v]).not.toBe(0);
      }
    }
    const ml = r.measurements.voxelVolumeMl;
    expect(r.measurements.lungs.totalVolumeMl).toBeCloseTo(lungVox * ml, 6);
    expect(r.measurements.infection.totalMl).toBeCloseTo(infVox * ml, 6);
    expect(infVox).toBeGreaterThan(0);
    expect(stages[0]).toBe('model');
    expect(stages).toContain('lungs');
    expect(stages).toContain('preview');
    expect(stages.at(-1)).toBe('quantification');
    expect(r.previewLatencyMs).toBeGreaterThan(0);
    for (const k of ['model', 'load', 'lungs', 'inference', 'quantification'])
      expect(r.timingsMs[k]).toBeGreaterThanOrEqual(0);
  });

  it('hands a preview on (from the aerated lung) before the candidate search ends, and the same result as without one', async () => {
    const { volume } = syntheticChest({ nx: 64, nz: 40 });
    const manifest = await loadModelManifest(model.manifestPath);
    const plain = await segmentStudy(volume, { model: manifest, threads: 1 });
    const order: string[] = [];
    let previewSlices: number[] = [];
    const withPreview = await segmentStudy(volume, {
      model: manifest,
      threads: 1,
      onPreview: (p) => {
        order.push('preview');
        previewSlices = p.slices;
      },
      onProgress: (p) => {
        if (p.stage === 'inference' && order.at(-1) !== 'inference') order.push('inference');
      },
    });
    // One preview, before any progress of the full pass, on every fourth slice of lung.
    expect(order).toEqual(['preview', 'inference']);
    expect(previewSlices.length).toBeGreaterThan(1);
    expect(previewSlices[1] - previewSlices[0]).toBe(4);
    expect(withPreview.previewLatencyMs).toBeGreaterThan(0);
    // The full pass runs on the same eligible mask either way: the preview changes nothing.
    expect(Buffer.compare(Buffer.from(withPreview.infection), Buffer.from(plain.infection))).toBe(0);
    expect(Buffer.compare(Buffer.from(withPreview.lungs), Buffer.from(plain.lungs))).toBe(0);
    expect(withPreview.measurements.infection.totalMl).toBe(plain.measurements.infection.totalMl);
  });

  it('with the lung mask computed ahead in a worker (the app): the same lungs and infection, whether the candidates are ready, late or failed', async () => {
    const { volume } = syntheticChest({ nx: 64, nz: 40 });
    const manifest = await loadModelManifest(model.manifestPath);
    const plain = await segmentStudy(volume, { model: manifest, threads: 1 });
    const same = (r: { infection: Uint8Array; lungs: Uint8Array }, what: string) => {
      expect(Buffer.compare(Buffer.from(r.infection), Buffer.from(plain.infection)), what).toBe(0);
      expect(Buffer.compare(Buffer.from(r.lungs), Buffer.from(plain.lungs)), what).toBe(0);
    };
    const ahead = startLungMaskAhead(volume);
    const mask = await ahead.mask;
    const candidates = await ahead.candidates;
    expect(Buffer.compare(Buffer.from(mask.lungs), Buffer.from(lungMaskFromHu(volume).lungs))).toBe(0);
    expect(mask.airMap).toBeUndefined();
    expect(candidates?.length).toBe(mask.lungs.length);
    const noCancel = () => {
      throw new Error('a ready mask must not be cancelled');
    };
    // Each run writes diseased lung into its mask: every run below gets its own copy.
    const copy = () => ({ ...mask, lungs: mask.lungs.slice() });

    // Ready: one run over lungs + candidates hands its own preview on, once.
    const previews: number[][] = [];
    same(await segmentStudy(volume, { model: manifest, threads: 1, lungMask: { mask: Promise.resolve(copy()), candidates: Promise.resolve(candidates!.slice()), cancel: noCancel }, onPreview: (p) => previews.push(p.slices) }), 'ready');
    expect(previews).toHaveLength(1);
    expect(previews[0][1] - previews[0][0]).toBe(4);
    // Late: the preview comes from the aerated lung while the candidates are awaited.
    const late = new Promise<Uint8Array>((ok) => setTimeout(() => ok(candidates!.slice()), 300));
    let latePreview = 0;
    same(await segmentStudy(volume, { model: manifest, threads: 1, lungMask: { mask: Promise.resolve(copy()), candidates: late, cancel: noCancel }, onPreview: () => latePreview++ }), 'late');
    expect(latePreview).toBe(1);
    // Failed candidates: searched here; a mask that does not fit, or a failed one: computed here.
    same(await segmentStudy(volume, { model: manifest, threads: 1, lungMask: { mask: Promise.resolve(copy()), candidates: Promise.reject(new Error('worker died')), cancel: noCancel } }), 'candidates failed');
    same(await segmentStudy(volume, { model: manifest, threads: 1, lungMask: { mask: Promise.resolve({ ...mask, lungs: new Uint8Array(10) }), candidates: Promise.resolve(null), cancel: noCancel } }), 'misfit');
    // A failed mask, or one not ready when the run starts: the worker is stopped, the mask made here.
    let cancelled = 0;
    const cancel = () => void cancelled++;
    same(await segmentStudy(volume, { model: manifest, threads: 1, lungMask: { mask: Promise.reject(new Error('worker died')), candidates: Promise.reject(new Error('worker died')), cancel } }), 'mask failed');
    const slow = new Promise<typeof mask>((ok) => setTimeout(() => ok(copy()), 2000));
    same(await segmentStudy(volume, { model: manifest, threads: 1, lungMask: { mask: slow, candidates: slow.then(() => candidates!.slice()), cancel } }), 'mask not ready');
    expect(cancelled).toBe(2);
  });

  it('a lung mask computed ahead can be cancelled (the series closed): both parts reject with E_CANCELLED', async () => {
    const { volume } = syntheticChest({ nx: 64, nz: 40 });
    const ahead = startLungMaskAhead(volume);
    ahead.cancel();
    await expect(ahead.mask).rejects.toMatchObject({ code: 'E_CANCELLED' });
    await expect(ahead.candidates).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('refuses a series that is not CT with E_NOT_CT', async () => {
    const { volume } = syntheticChest({ nx: 32, nz: 8 });
    await expect(
      segmentStudy(
        { ...volume, meta: { modality: 'MR' } },
        { model: await loadModelManifest(model.manifestPath), threads: 1 },
      ),
    ).rejects.toMatchObject({ code: 'E_NOT_CT' });
  });

  it('reports zero volumes and an E_NO_LUNGS warning for a CT without lungs', async () => {
    const hu = new Int16Array(40 * 40 * 6).fill(-1000);
    for (let k = 0; k < 6; k++)
      for (let j = 5; j < 35; j++) for (let i = 5; i < 35; i++) hu[i + 40 * (j + 40 * k)] = 35;
    const volume: Volume = {
      dims: [40, 40, 6],
      spacingMm: [1, 1, 2],
      originMm: [0, 0, 0],
      direction: [...IDENTITY_DIRECTION],
      voxels: hu,
      meta: { modality: 'CT' },
    };
    const r = await segmentStudy(volume, { model: await loadModelManifest(model.manifestPath), threads: 1 });
    expect(r.warnings.map((w) => w.code)).toEqual(['E_NO_LUNGS']);
    expect(r.measurements.lungs.totalVolumeMl).toBe(0);
    expect(r.measurements.infection.totalMl).toBe(0);
    expect(r.measurements.severity.total).toBe(0);
    expect(r.measurements.warnings[0]).toMatch(/^E_NO_LUNGS: /);
  });

  it('stops with E_CANCELLED when the signal is already aborted', async () => {
    const { volume } = syntheticChest({ nx: 32, nz: 8 });
    const c = new AbortController();
    c.abort();
    await expect(
      segmentStudy(volume, {
        model: await loadModelManifest(model.manifestPath),
        threads: 1,
        signal: c.signal,
      }),
    ).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });
});
