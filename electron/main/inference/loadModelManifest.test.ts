import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestModel, type TestModel } from '../../../test/pipeline/fixtures/testModel.ts';
import { testOutputDir } from '../../../test/fixtures/sharedData.ts';
import { loadModelManifest, resolveModel, verifyModelFile } from './loadModelManifest.ts';

const root = testOutputDir('engine-manifest');
let model: TestModel;

beforeAll(() => {
  rmSync(root, { recursive: true, force: true });
  model = makeTestModel(root, { name: 'alpha' });
});

function writeManifest(name: string, edit: (m: Record<string, unknown>) => void): string {
  const m = JSON.parse(readFileSync(model.manifestPath, 'utf8')) as Record<string, unknown>;
  edit(m);
  const p = join(model.modelsDir, 'manifests', `${name}.json`);
  writeFileSync(p, JSON.stringify(m));
  return p;
}

describe('loadModelManifest', () => {
  it('accepts a valid manifest and resolves the ONNX file next to manifests/', async () => {
    const r = await loadModelManifest(model.manifestPath);
    expect(r.onnxPath).toBe(model.onnxPath);
    expect(r.manifest.input.intensity.windowWidthHu).toBe(1500);
    await expect(verifyModelFile(r)).resolves.toBeUndefined();
  });

  it('reports a missing manifest as E_MODEL_MISSING', async () => {
    await expect(loadModelManifest(join(root, 'nope.json'))).rejects.toMatchObject({
      code: 'E_MODEL_MISSING',
    });
  });

  it('reports broken JSON as E_MODEL_MANIFEST', async () => {
    const p = join(root, 'broken.json');
    writeFileSync(p, '{"schemaVersion": 1,');
    await expect(loadModelManifest(p)).rejects.toMatchObject({ code: 'E_MODEL_MANIFEST' });
  });

  it('rejects a wrong input spec (3 channels) with E_MODEL_MANIFEST naming the field', async () => {
    const p = writeManifest('rgb', (m) => ((m.input as Record<string, unknown>).channels = 3));
    await expect(loadModelManifest(p)).rejects.toMatchObject({
      code: 'E_MODEL_MANIFEST',
      message: expect.stringContaining('input.channels'),
    });
  });

  it('rejects an input size that is not a multiple of sizeMultiple', async () => {
    const p = writeManifest('odd', (m) => ((m.input as Record<string, unknown>).height = 100));
    await expect(loadModelManifest(p)).rejects.toMatchObject({
      code: 'E_MODEL_MANIFEST',
      message: expect.stringContaining('multiple of 16'),
    });
  });

  it('rejects a manifest whose classes are not background/GGO/consolidation', async () => {
    const p = writeManifest('binary', (m) => (m.classes = ['background', 'infection']));
    await expect(loadModelManifest(p)).rejects.toMatchObject({ code: 'E_MODEL_MANIFEST' });
  });

  it('reports a hash mismatch as E_MODEL_HASH and a missing file as E_MODEL_MISSING', async () => {
    const wrongHash = writeManifest('wronghash', (m) => (m.sha256 = '0'.repeat(64)));
    await expect(verifyModelFile(await loadModelManifest(wrongHash))).rejects.toMatchObject({
      code: 'E_MODEL_HASH',
    });
    const missing = writeManifest('missingfile', (m) => (m.file = 'gone.onnx'));
    await expect(verifyModelFile(await loadModelManifest(missing))).rejects.toMatchObject({
      code: 'E_MODEL_MISSING',
    });
  });
});

describe('resolveModel', () => {
  it('finds a model by name, by manifest path and by the default pointer', async () => {
    const dir = join(root, 'resolve');
    const a = makeTestModel(dir, { name: 'aaa' });
    makeTestModel(dir, { name: 'bbb' });
    expect((await resolveModel('bbb', a.modelsDir)).manifest.name).toBe('bbb');
    expect((await resolveModel(a.manifestPath)).manifest.name).toBe('aaa');
    // no pointer: the first by name
    expect((await resolveModel(undefined, a.modelsDir)).manifest.name).toBe('aaa');
    writeFileSync(join(a.modelsDir, 'manifests', 'default.json'), JSON.stringify({ default: 'bbb' }));
    expect((await resolveModel(undefined, a.modelsDir)).manifest.name).toBe('bbb');
  });

  it('prefers a manifest marked "default": true when there is no pointer', async () => {
    const dir = join(root, 'flag');
    makeTestModel(dir, { name: 'aaa' });
    const b = makeTestModel(dir, { name: 'zzz', isDefault: true });
    expect((await resolveModel(undefined, b.modelsDir)).manifest.name).toBe('zzz');
  });

  it('says so when there is no model at all, or the name is not a model name', async () => {
    const empty = join(root, 'empty', 'models');
    mkdirSync(join(empty, 'manifests'), { recursive: true });
    await expect(resolveModel(undefined, empty)).rejects.toMatchObject({ code: 'E_MODEL_MISSING' });
    await expect(resolveModel('../etc/passwd', empty)).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    await expect(resolveModel('nosuch', empty)).rejects.toMatchObject({ code: 'E_MODEL_MISSING' });
  });
});
