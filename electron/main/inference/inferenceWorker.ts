/**
 * Worker thread that owns one onnxruntime-node InferenceSession for the life of a model
 * (DESIGN.md §3.5, §5: ORT's run() must never block the main thread). It receives cropped HU slices
 * and lung masks, runs the preview slices first, then the rest, in batches of at most `maxBatch`,
 * and returns labels and per-pixel confidence on the crop grid.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { OpalError, toOpalError } from '../../common/errors/index.ts';
import {
  argmaxWithConfidence,
  resizeBilinear,
  softmaxChannels,
  windowToModelInput,
} from '../../common/inference/index.ts';
import type { LoadRequest, RunRequest, WorkerReply, WorkerRequest } from './protocol.ts';

if (!parentPort) throw new Error('inferenceWorker must run in a worker thread');
const port = parentPort;

interface Loaded {
  session: ort.InferenceSession;
  request: LoadRequest;
  batchSize: number;
}
let loaded: Loaded | undefined;

function reply(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

async function load(req: LoadRequest): Promise<void> {
  if (loaded) {
    await loaded.session.release();
    loaded = undefined;
  }
  let session: ort.InferenceSession | undefined;
  let provider = 'cpu';
  let providerNote: string | undefined;
  const failures: string[] = [];
  for (let i = 0; i < req.providers.length && !session; i++) {
    const providers = req.providers.slice(i);
    try {
      session = await ort.InferenceSession.create(req.modelBytes, {
        executionProviders: providers,
        intraOpNumThreads: req.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      provider = providers[0];
    } catch (e) {
      failures.push(`${providers[0]}: ${e instanceof Error ? e.message : String(e)}`);
      // A broken file fails on every provider: do not hide it behind a fallback.
      if (providers.length === 1) {
        throw new OpalError(
          'E_MODEL_LOAD',
          `The model file could not be loaded by onnxruntime (${failures.join('; ')}).`,
          req.onnxPath,
        );
      }
    }
  }
  if (!session)
    throw new OpalError('E_MODEL_LOAD', 'No execution provider could load the model.', req.onnxPath);
  if (failures.length > 0) providerNote = `fell back from ${failures.map((f) => f.split(':')[0]).join(', ')}`;

  // The manifest's input spec must match the graph (catches a manifest written for another model).
  if (!session.inputNames.includes(req.inputName) || !session.outputNames.includes(req.outputName)) {
    await session.release();
    throw new OpalError(
      'E_MODEL_MANIFEST',
      `The manifest names input "${req.inputName}" and output "${req.outputName}", but the model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}].`,
    );
  }
  let batchSize = 4;
  const meta = session.inputMetadata.find((m) => m.name === req.inputName);
  if (meta && meta.isTensor) {
    const shape = meta.shape;
    const mismatch = (axis: number, want: number): boolean =>
      typeof shape[axis] === 'number' && shape[axis] !== want;
    if (shape.length !== 4 || mismatch(1, 1) || mismatch(2, req.inputHeight) || mismatch(3, req.inputWidth)) {
      await session.release();
      throw new OpalError(
        'E_MODEL_MANIFEST',
        `The manifest says the model takes 1x${req.inputHeight}x${req.inputWidth} images, but its input "${req.inputName}" has shape [${shape.join(', ')}].`,
      );
    }
    if (typeof shape[0] === 'number') batchSize = Math.max(1, Math.min(4, shape[0]));
  }
  loaded = { session, request: req, batchSize };
  reply({ type: 'loaded', executionProvider: provider, batchSize, providerNote });
}

async function run(req: RunRequest): Promise<void> {
  if (!loaded) throw new OpalError('E_INTERNAL', 'No model is loaded in the inference worker.');
  const { session, request: model } = loaded;
  const batchSize = Math.max(1, Math.min(req.maxBatch, loaded.batchSize));
  const { width, height, classes } = req;
  const mh = model.inputHeight;
  const mw = model.inputWidth;
  const cropPixels = width * height;
  const modelPixels = mh * mw;
  const labels = new Uint8Array(req.sliceCount * cropPixels);
  const confidence = new Uint8Array(req.sliceCount * cropPixels);
  const windowed = new Float32Array(cropPixels);
  const probsCrop = new Float32Array(classes * cropPixels);
  const total = req.previewOrder.length + req.restOrder.length;
  let done = 0;

  const runSlices = async (order: number[], phase: 'preview' | 'full'): Promise<boolean> => {
    for (let b = 0; b < order.length; b += batchSize) {
      if (Atomics.load(req.cancelFlag, 0) !== 0) return false;
      const batch = order.slice(b, b + batchSize);
      const input = new Float32Array(batch.length * modelPixels);
      batch.forEach((s, bi) => {
        windowToModelInput(req.hu.subarray(s * cropPixels, (s + 1) * cropPixels), req.intensity, windowed);
        resizeBilinear(windowed, width, height, input, mw, mh, 0, bi * modelPixels);
      });
      const feeds = { [model.inputName]: new ort.Tensor('float32', input, [batch.length, 1, mh, mw]) };
      const out = await session.run(feeds);
      const logits = out[model.outputName];
      const dims = logits.dims;
      if (dims.length !== 4 || dims[0] !== batch.length || dims[1] !== classes) {
        throw new OpalError(
          'E_MODEL_MANIFEST',
          `The manifest lists ${classes} classes, but the model's output has shape [${dims.join(', ')}].`,
        );
      }
      const oh = dims[2];
      const ow = dims[3];
      const data = logits.data as Float32Array;
      const outPixels = oh * ow;
      batch.forEach((s, bi) => {
        const offset = bi * classes * outPixels;
        softmaxChannels(data, classes, outPixels, offset);
        for (let c = 0; c < classes; c++) {
          resizeBilinear(data, ow, oh, probsCrop, width, height, offset + c * outPixels, c * cropPixels);
        }
        argmaxWithConfidence(probsCrop, classes, cropPixels, labels, confidence, req.lungs, s * cropPixels);
      });
      for (const t of Object.values(out)) t.dispose?.();
      done += batch.length;
      reply({ type: 'progress', jobId: req.jobId, phase, slicesDone: done, slicesTotal: total });
    }
    return true;
  };

  if (!(await runSlices(req.previewOrder, 'preview'))) return reply({ type: 'cancelled', jobId: req.jobId });
  if (req.previewOrder.length > 0) {
    // The preview carries copies: the full arrays keep filling.
    const previewLabels = labels.slice();
    const previewConfidence = confidence.slice();
    reply(
      {
        type: 'preview',
        jobId: req.jobId,
        slices: req.previewOrder,
        labels: previewLabels,
        confidence: previewConfidence,
      },
      [previewLabels.buffer, previewConfidence.buffer],
    );
  }
  if (!(await runSlices(req.restOrder, 'full'))) return reply({ type: 'cancelled', jobId: req.jobId });
  reply({ type: 'done', jobId: req.jobId, labels, confidence }, [labels.buffer, confidence.buffer]);
}

port.on('message', (msg: WorkerRequest) => {
  const handle = async (): Promise<void> => {
    if (msg.type === 'load') await load(msg);
    else if (msg.type === 'run') await run(msg);
    else if (msg.type === 'dispose') {
      if (loaded) await loaded.session.release();
      loaded = undefined;
      reply({ type: 'disposed' });
    }
  };
  handle().catch((e: unknown) => {
    const jobId = msg.type === 'run' ? msg.jobId : undefined;
    reply({ type: 'error', jobId, error: toOpalError(e).toJSON() });
  });
});
