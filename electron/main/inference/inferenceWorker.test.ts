import { createHash } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';
import { spawnWorker } from '../workers/spawnWorker.ts';
import { workerModuleUrl } from '../workers/workerModuleUrl.ts';
import { readVerifiedModel, resolveModel } from './loadModelManifest.ts';
import type { LoadRequest, WorkerReply } from './protocol.ts';

const tempDir = useTempDirs();

describe('the model file is read once, hashed, and those bytes are what runs', () => {
  it('returns exactly the bytes whose SHA-256 is the manifest’s', async () => {
    const model = await resolveModel();
    const bytes = await readVerifiedModel(model);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(model.manifest.sha256);
  });

  it('refuses a file that differs from its manifest with E_MODEL_HASH', async () => {
    const model = await resolveModel();
    const copy = join(tempDir('opal-model-'), 'model.onnx');
    copyFileSync(model.onnxPath, copy);
    writeFileSync(copy, Buffer.from('tampered'), { flag: 'a' });
    await expect(readVerifiedModel({ ...model, onnxPath: copy })).rejects.toMatchObject({ code: 'E_MODEL_HASH' });
  });

  it('builds the worker’s session from the verified bytes, never re-opening the path (the path named here does not exist)', async () => {
    const model = await resolveModel();
    const modelBytes = await readVerifiedModel(model);
    const worker = spawnWorker(workerModuleUrl('inferenceWorker'));
    try {
      const request: LoadRequest = {
        type: 'load',
        onnxPath: join(tempDir('opal-model-'), 'swapped-away.onnx'),
        modelBytes,
        providers: ['cpu'],
        threads: 1,
        inputName: model.manifest.input.name,
        outputName: model.manifest.output.name,
        inputHeight: model.manifest.input.height,
        inputWidth: model.manifest.input.width,
      };
      const reply = await new Promise<WorkerReply>((ok, fail) => {
        worker.once('message', ok);
        worker.once('error', fail);
        worker.postMessage(request);
      });
      expect(reply).toMatchObject({ type: 'loaded', executionProvider: 'cpu' });
    } finally {
      await worker.terminate();
    }
  });
});
