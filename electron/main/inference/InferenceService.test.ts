import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestModel, TEST_BAND_HU, type TestModel } from '../../../test/pipeline/fixtures/testModel.ts';
import { testOutputDir } from '../../../test/fixtures/sharedData.ts';
import { lungMaskFromHu } from '../../common/lung/lungMaskFromHu.ts';
import { syntheticChest } from '../../common/lung/syntheticChest.testutil.ts';
import { closeInferenceService, getInferenceService, InferenceService } from './InferenceService.ts';
import { loadModelManifest, type ResolvedModel } from './loadModelManifest.ts';

const root = testOutputDir('engine-inference');
let band: TestModel;
let slow: TestModel;
let fixed: TestModel;

beforeAll(() => {
  rmSync(root, { recursive: true, force: true });
  band = makeTestModel(root, { kind: 'band', size: 64 });
  slow = makeTestModel(root, { kind: 'slow', size: 256, depth: 6 });
  fixed = makeTestModel(root, { kind: 'fixed' });
});
afterAll(() => closeInferenceService());

const chest = syntheticChest({ nx: 64, nz: 24 });
const lungs = lungMaskFromHu(chest.volume).lungs;

describe('InferenceService', () => {
  const bandLabel = (hu: number): number =>
    hu < TEST_BAND_HU.ggoFrom ? 0 : hu < TEST_BAND_HU.consolidationFrom ? 1 : 2;

  it('gives exactly the model labels inside the lungs when no resizing is needed, and nothing outside them', async () => {
    // full-slice crop of a 64x64 image into a 64x64 model: window, softmax and argmax only
    const full = makeTestModel(root, { name: 'band-full', crop: 'full-slice', size: 64 });
    const svc = await InferenceService.open(await loadModelManifest(full.manifestPath), { threads: 1 });
    try {
      expect(svc.executionProvider).toBe('cpu');
      const r = await svc.segmentInfection(chest.volume, lungs);
      const hu = chest.volume.voxels;
      let mismatches = 0;
      let outside = 0;
      let zeroConfidence = 0;
      for (let v = 0; v < hu.length; v++) {
        if (lungs[v] === 0) {
          if (r.infection[v] !== 0 || r.confidence[v] !== 0) outside++;
          continue;
        }
        if (r.infection[v] !== bandLabel(hu[v])) mismatches++;
        if (r.confidence[v] === 0) zeroConfidence++;
      }
      expect({ mismatches, outside, zeroConfidence }).toEqual({
        mismatches: 0,
        outside: 0,
        zeroConfidence: 0,
      });
      expect(r.infection.some((l) => l === 2)).toBe(true);
    } finally {
      await svc.dispose();
    }
  });

  it('crops to the lung box and resizes to the model size and back with few boundary differences', async () => {
    const svc = await InferenceService.open(await loadModelManifest(band.manifestPath), { threads: 1 });
    try {
      const r = await svc.segmentInfection(chest.volume, lungs);
      const hu = chest.volume.voxels;
      let agree = 0;
      let inLung = 0;
      let outside = 0;
      for (let v = 0; v < hu.length; v++) {
        if (lungs[v] === 0) {
          if (r.infection[v] !== 0) outside++;
          continue;
        }
        inLung++;
        if (r.infection[v] === bandLabel(hu[v])) agree++;
      }
      expect(outside).toBe(0);
      // thin vessels (2-3 voxels here) blur when the crop is resized to 64x64 and back
      expect(agree / inLung).toBeGreaterThan(0.9);
    } finally {
      await svc.dispose();
    }
  });

  it('delivers a preview of every fourth lung slice before the full result', async () => {
    const svc = await getInferenceService(await loadModelManifest(band.manifestPath), { threads: 1 });
    const events: string[] = [];
    let previewSlices: number[] = [];
    const r = await svc.segmentInfection(chest.volume, lungs, {
      onPreview: (p) => {
        events.push('preview-ready');
        previewSlices = p.slices;
        const [nx, ny] = chest.volume.dims;
        // only preview slices carry labels
        for (let k = 0; k < chest.volume.dims[2]; k++) {
          if (previewSlices.includes(k)) continue;
          expect(p.infection.subarray(k * nx * ny, (k + 1) * nx * ny).every((l) => l === 0)).toBe(true);
        }
      },
      onProgress: (p) => events.push(p.phase),
    });
    expect(events.indexOf('preview-ready')).toBeGreaterThan(events.lastIndexOf('preview'));
    expect(events.indexOf('full')).toBeGreaterThan(events.indexOf('preview-ready'));
    const lungSlices = r.slicesInferred;
    expect(previewSlices.length).toBe(Math.ceil(lungSlices / 4));
    expect(previewSlices[1] - previewSlices[0]).toBe(4);
  });

  it("runs only the preview slices ('preview') or every slice without a preview ('full'), with the labels of the two-pass run", async () => {
    const svc = await getInferenceService(await loadModelManifest(band.manifestPath), { threads: 1 });
    const both = await svc.segmentInfection(chest.volume, lungs);
    let previewSlices: number[] = [];
    const previewOnly = await svc.segmentInfection(chest.volume, lungs, {
      passes: 'preview',
      onPreview: (p) => (previewSlices = p.slices),
    });
    expect(previewSlices.length).toBe(Math.ceil(both.slicesInferred / 4));
    expect(previewOnly.slicesInferred).toBe(previewSlices.length);
    const [nx, ny, nz] = chest.volume.dims;
    const size = nx * ny;
    for (let k = 0; k < nz; k++) {
      const got = previewOnly.infection.subarray(k * size, (k + 1) * size);
      const want = previewSlices.includes(k) ? both.infection.subarray(k * size, (k + 1) * size) : new Uint8Array(size);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(want)), `slice ${k}`).toBe(0);
    }
    const phases = new Set<string>();
    let previews = 0;
    const full = await svc.segmentInfection(chest.volume, lungs, {
      passes: 'full',
      onPreview: () => previews++,
      onProgress: (p) => phases.add(p.phase),
    });
    expect(previews).toBe(0);
    expect([...phases]).toEqual(['full']);
    expect(full.slicesInferred).toBe(both.slicesInferred);
    expect(Buffer.compare(Buffer.from(full.infection), Buffer.from(both.infection))).toBe(0);
  });

  it('reuses one session for the same model and replaces it on model change', async () => {
    const a = await getInferenceService(await loadModelManifest(band.manifestPath), { threads: 1 });
    const b = await getInferenceService(await loadModelManifest(band.manifestPath), { threads: 1 });
    expect(b).toBe(a);
    const c = await getInferenceService(await loadModelManifest(fixed.manifestPath), { threads: 1 });
    expect(c).not.toBe(a);
    await expect(a.segmentInfection(chest.volume, lungs)).rejects.toMatchObject({ code: 'E_INTERNAL' });
    const r = await c.segmentInfection(chest.volume, lungs); // fixed 1x1x64x64 input: batch of one
    expect(r.slicesInferred).toBeGreaterThan(0);
  });

  it('stops within one second of cancellation and stays usable', async () => {
    const svc = await InferenceService.open(await loadModelManifest(slow.manifestPath), { threads: 1 });
    try {
      const big = syntheticChest({ nx: 96, nz: 48 });
      const bigLungs = lungMaskFromHu(big.volume).lungs;
      const controller = new AbortController();
      let cancelledAt = 0;
      const job = svc.segmentInfection(big.volume, bigLungs, {
        signal: controller.signal,
        onPreview: () => {
          cancelledAt = performance.now();
          controller.abort();
        },
      });
      await expect(job).rejects.toMatchObject({ code: 'E_CANCELLED' });
      expect(performance.now() - cancelledAt).toBeLessThan(1000);
      // the worker finishes at most one batch, then takes the next job
      const t0 = performance.now();
      const again = await svc.segmentInfection(chest.volume, lungs);
      expect(again.slicesInferred).toBeGreaterThan(0);
      expect(performance.now() - t0).toBeLessThan(30_000);
    } finally {
      await svc.dispose();
    }
  });

  it('keeps memory flat over 20 consecutive volumes with one session', async () => {
    const svc = await InferenceService.open(await loadModelManifest(band.manifestPath), { threads: 1 });
    try {
      const rss: number[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await svc.segmentInfection(chest.volume, lungs);
        expect(r.slicesInferred).toBeGreaterThan(0);
        globalThis.gc?.();
        rss.push(process.memoryUsage().rss);
      }
      // after a warm-up of 5 volumes, RSS grows by less than 40 MB over the next 15
      // (each volume allocates ~0.5 MB of masks; a leaked session or tensor per volume would show)
      const growthMb = (Math.max(...rss.slice(5)) - rss[4]) / 2 ** 20;
      expect(growthMb).toBeLessThan(40);
    } finally {
      await svc.dispose();
    }
  });
});

describe('InferenceService bad models', () => {
  const variant = (name: string, edit: (m: Record<string, unknown>) => void): string => {
    const m = JSON.parse(readFileSync(band.manifestPath, 'utf8')) as Record<string, unknown>;
    edit(m);
    const p = join(band.modelsDir, 'manifests', `${name}.json`);
    writeFileSync(p, JSON.stringify(m));
    return p;
  };
  const open = async (p: string): Promise<ResolvedModel> => loadModelManifest(p);

  it('refuses a model whose file does not match the manifest hash', async () => {
    const p = variant('badhash', (m) => (m.sha256 = 'f'.repeat(64)));
    await expect(InferenceService.open(await open(p))).rejects.toMatchObject({ code: 'E_MODEL_HASH' });
  });

  it('reports a corrupt model file (with a matching hash) as E_MODEL_LOAD', async () => {
    const corrupt = join(band.modelsDir, 'corrupt.onnx');
    writeFileSync(corrupt, 'this is not an onnx graph');
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(readFileSync(corrupt)).digest('hex');
    const p = variant('corrupt', (m) => {
      m.file = 'corrupt.onnx';
      m.sha256 = sha;
    });
    await expect(InferenceService.open(await open(p))).rejects.toMatchObject({ code: 'E_MODEL_LOAD' });
  });

  it('refuses a manifest whose input name or size does not match the graph', async () => {
    const wrongName = variant('wrongname', (m) => ((m.input as Record<string, unknown>).name = 'input'));
    await expect(InferenceService.open(await open(wrongName))).rejects.toMatchObject({
      code: 'E_MODEL_MANIFEST',
    });
    const m = JSON.parse(readFileSync(fixed.manifestPath, 'utf8')) as {
      input: { height: number; width: number };
    };
    m.input.height = 128;
    m.input.width = 128;
    const p = join(fixed.modelsDir, 'manifests', 'fixed-wrong-size.json');
    writeFileSync(p, JSON.stringify(m));
    await expect(InferenceService.open(await open(p))).rejects.toMatchObject({
      code: 'E_MODEL_MANIFEST',
      message: expect.stringContaining('1x128x128'),
    });
  });
});
