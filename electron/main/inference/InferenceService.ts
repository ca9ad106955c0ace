import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { OpalError } from '../../common/errors/index.ts';
import {
  fullSliceCrop,
  lungBoundingBox,
  planSliceOrder,
  previewStep,
  type LungCrop,
} from '../../common/inference/index.ts';
import type { Volume } from '../../common/volume/index.ts';
import { spawnWorker } from '../workers/spawnWorker.ts';
import { workerModuleUrl } from '../workers/workerModuleUrl.ts';
import { forcedExecutionProviders } from './executionProviders.ts';
import { describeProviderChecks, executionProvidersFor, type ProviderCheck, type ProviderCheckCache } from './providerCheck.ts';
import { readVerifiedModel, type ResolvedModel } from './loadModelManifest.ts';
import type { RunRequest, WorkerReply, WorkerRequest } from './protocol.ts';

export interface InferenceProgress {
  phase: 'preview' | 'full';
  slicesDone: number;
  slicesTotal: number;
}

export interface InfectionPreview {
  /** Slice indices (k) that the preview labelled; other slices are 0 in `infection`. */
  slices: number[];
  infection: Uint8Array;
  /** Milliseconds from the start of segmentInfection to this preview. */
  latencyMs: number;
}

export interface InfectionResult {
  /** 0 background, 1 GGO, 2 consolidation; 0 outside the lung mask. Same layout as the volume. */
  infection: Uint8Array;
  /** Probability of the chosen class, 0-255 (0 outside the lungs), for the review queue. */
  confidence: Uint8Array;
  executionProvider: string;
  slicesInferred: number;
  previewLatencyMs?: number;
}

export interface SegmentInfectionOptions {
  onProgress?: (p: InferenceProgress) => void;
  onPreview?: (p: InfectionPreview) => void;
  signal?: AbortSignal;
  /**
   * 'both' (default): the preview slices (every 4th, or sparser: previewStep) first, then the rest. 'preview': only the
   * preview slices (the others stay 0). 'full': every slice in one pass, no preview.
   */
  passes?: 'both' | 'preview' | 'full';
}

const workerUrl = workerModuleUrl('inferenceWorker');

/**
 * One model, one worker thread, one onnxruntime InferenceSession, reused for every volume
 * (DESIGN.md §3.5). Jobs run one at a time. The model file's SHA-256 is checked against the
 * manifest before the session is created.
 */
export class InferenceService {
  readonly model: ResolvedModel;
  readonly executionProvider: string;
  readonly providerNote?: string;
  /** The CPU-parity verdicts that chose the provider (empty when forced or when only the CPU was offered). */
  readonly providerChecks: ProviderCheck[];
  readonly threads: number;
  private readonly worker: Worker;
  private queue: Promise<unknown> = Promise.resolve();
  /** Settles when the worker has answered the last job (a cancelled job finishes its batch first). */
  private workerIdle: Promise<void> = Promise.resolve();
  private nextJob = 1;
  private disposed = false;

  private constructor(
    model: ResolvedModel,
    worker: Worker,
    provider: string,
    threads: number,
    note?: string,
    checks: ProviderCheck[] = [],
  ) {
    this.providerChecks = checks;
    this.model = model;
    this.worker = worker;
    this.executionProvider = provider;
    this.threads = threads;
    this.providerNote = note;
  }

  static async open(
    model: ResolvedModel,
    options: { threads?: number; providers?: string[]; providerCheckCache?: ProviderCheckCache } = {},
  ): Promise<InferenceService> {
    // Read once and hashed: these bytes, not the path, go to every session (security: no re-open).
    const modelBytes = await readVerifiedModel(model);
    const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    // Given by the caller, or forced (`--ep`, OPAL_EXECUTION_PROVIDERS): used as given. Otherwise the
    // platform's GPU provider only once it reproduced the CPU output on the reference slice.
    const { providers, checks } = options.providers
      ? { providers: options.providers, checks: [] }
      : await executionProvidersFor({ modelBytes, manifest: model.manifest }, options.providerCheckCache);
    const worker = spawnWorker(workerUrl);
    worker.unref();
    const { manifest } = model;
    const request: WorkerRequest = {
      type: 'load',
      onnxPath: model.onnxPath,
      modelBytes,
      providers,
      threads,
      inputName: manifest.input.name,
      outputName: manifest.output.name,
      inputHeight: manifest.input.height,
      inputWidth: manifest.input.width,
    };
    try {
      const loaded = await new Promise<Extract<WorkerReply, { type: 'loaded' }>>((ok, fail) => {
        const onMessage = (msg: WorkerReply): void => {
          if (msg.type === 'loaded') ok(msg);
          else if (msg.type === 'error')
            fail(new OpalError(msg.error.code, msg.error.message, msg.error.detail));
          else return;
          worker.off('message', onMessage);
          worker.off('error', fail);
        };
        worker.on('message', onMessage);
        worker.once('error', fail);
        worker.postMessage(request, [modelBytes.buffer as ArrayBuffer]);
      });
      const note = [describeProviderChecks(checks), loaded.providerNote].filter((s) => s).join('; ') || undefined;
      return new InferenceService(model, worker, loaded.executionProvider, threads, note, checks);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
  }

  /**
   * Infection labels for a CT volume inside a lung mask: crop to the lung bounding box (or the
   * whole slice, per manifest), window, resize, batch ≤ 4, softmax, resize back, argmax inside the
   * lungs. The preview (every 4th lung slice, or sparser: previewStep) is delivered before the full pass. Aborting the signal
   * rejects with E_CANCELLED at once; the worker stops before its next batch.
   */
  segmentInfection(
    volume: Volume,
    lungs: Uint8Array,
    options: SegmentInfectionOptions = {},
  ): Promise<InfectionResult> {
    const job = this.queue.then(() => this.runJob(volume, lungs, options));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private async runJob(
    volume: Volume,
    lungs: Uint8Array,
    options: SegmentInfectionOptions,
  ): Promise<InfectionResult> {
    if (this.disposed) throw new OpalError('E_INTERNAL', 'The inference service was closed.');
    const t0 = performance.now();
    const { signal } = options;
    if (signal?.aborted) throw new OpalError('E_CANCELLED', 'Segmentation was cancelled.');
    const [nx, ny, nz] = volume.dims;
    const n = nx * ny * nz;
    const infection = new Uint8Array(n);
    const confidence = new Uint8Array(n);
    const input = this.model.manifest.input;
    const crop: LungCrop | undefined =
      input.crop === 'lung-bbox'
        ? lungBoundingBox(lungs, volume.dims, volume.spacingMm, input.cropMarginMm)
        : fullSliceCrop(lungs, volume.dims);
    if (!crop) return { infection, confidence, executionProvider: this.executionProvider, slicesInferred: 0 };

    const slices: number[] = [];
    for (let k = 0; k < nz; k++) if (crop.sliceHasLung[k]) slices.push(k);
    if (slices.length === 0)
      return { infection, confidence, executionProvider: this.executionProvider, slicesInferred: 0 };
    const { width, height, x0, y0 } = crop;
    const cropPixels = width * height;
    const compactHas = new Uint8Array(slices.length).fill(1);
    const planned = planSliceOrder(compactHas, previewStep(slices.length));
    const passes = options.passes ?? 'both';
    // Positions into `slices`.
    const preview = passes === 'full' ? [] : planned.preview;
    const rest = passes === 'preview' ? [] : passes === 'full' ? [...planned.preview, ...planned.rest].sort((a, b) => a - b) : planned.rest;
    const total = preview.length + rest.length;
    const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    const voxels = volume.voxels;

    // One worker run per pass, each with the crops of its own slices only: the preview's run starts
    // after copying its 40-odd slices, not the whole study (a 512×512×300 study: 0.4 s less).
    const runPass = async (positions: number[], phase: 'preview' | 'full', doneBefore: number): Promise<void> => {
      const hu = voxels instanceof Float32Array ? new Float32Array(positions.length * cropPixels) : new Int16Array(positions.length * cropPixels);
      const lungCrop = new Uint8Array(positions.length * cropPixels);
      // Row copies (memcpy), not voxel by voxel. The worker reads the lung crop as "non-zero =
      // inside", so lung labels are copied as they are.
      for (let s = 0; s < positions.length; s++) {
        const k = slices[positions[s]];
        for (let y = 0; y < height; y++) {
          const src = x0 + nx * (y0 + y + ny * k);
          const dst = s * cropPixels + y * width;
          hu.set(voxels.subarray(src, src + width), dst);
          lungCrop.set(lungs.subarray(src, src + width), dst);
        }
        // The full pass's copy (0.3 s for 260 slices) yields now and then, so that the app answers
        // the renderer's request for the preview meanwhile.
        if (phase === 'full' && s % 32 === 31) await new Promise<void>((ok) => setImmediate(ok));
      }
      const all = positions.map((_, s) => s);
      const request: RunRequest = {
        type: 'run',
        jobId: this.nextJob++,
        width,
        height,
        sliceCount: positions.length,
        hu,
        lungs: lungCrop,
        previewOrder: phase === 'preview' ? all : [],
        restOrder: phase === 'full' ? all : [],
        intensity: input.intensity,
        classes: this.model.manifest.classes.length,
        maxBatch: 4,
        cancelFlag,
      };
      const out = await this.runOnWorker(request, signal, (p) =>
        options.onProgress?.({ phase, slicesDone: doneBefore + p.slicesDone, slicesTotal: total }),
      );
      // Paste the run's crops back into the volume-sized labelmaps.
      positions.forEach((pos, s) => {
        const k = slices[pos];
        for (let y = 0; y < height; y++) {
          const dst = x0 + nx * (y0 + y + ny * k);
          const src = s * cropPixels + y * width;
          infection.set(out.labels.subarray(src, src + width), dst);
          confidence.set(out.confidence.subarray(src, src + width), dst);
        }
      });
    };

    let previewLatencyMs: number | undefined;
    if (preview.length > 0) {
      await runPass(preview, 'preview', 0);
      previewLatencyMs = performance.now() - t0;
      if (options.onPreview) {
        // A copy of the preview's slices only (the full labelmap keeps filling): a new zeroed
        // labelmap costs only the pages written, where copying all of it costs 0.5 s on a 300-slice study.
        const previewMask = new Uint8Array(n);
        for (const pos of preview) {
          const from = nx * (y0 + ny * slices[pos]);
          const to = from + nx * height;
          previewMask.set(infection.subarray(from, to), from);
        }
        options.onPreview({ slices: preview.map((s) => slices[s]), infection: previewMask, latencyMs: previewLatencyMs });
      }
    }
    if (rest.length > 0) await runPass(rest, 'full', preview.length);
    return {
      infection,
      confidence,
      executionProvider: this.executionProvider,
      slicesInferred: total,
      previewLatencyMs,
    };
  }

  /**
   * Runs one request on the worker (after the job before it has ended) and resolves with its
   * labels and confidence, in the request's compact crop layout. Aborting `signal` rejects with
   * E_CANCELLED at once; the worker stops before its next batch and answers 'cancelled', which
   * frees it for the next job.
   */
  private async runOnWorker(
    request: RunRequest,
    signal: AbortSignal | undefined,
    onProgress: (p: { slicesDone: number }) => void,
  ): Promise<{ labels: Uint8Array; confidence: Uint8Array }> {
    if (signal?.aborted) throw new OpalError('E_CANCELLED', 'Segmentation was cancelled.');
    const worker = this.worker;
    await this.workerIdle;
    let settleIdle = (): void => undefined;
    this.workerIdle = new Promise<void>((ok) => (settleIdle = ok));
    worker.ref();
    try {
      return await new Promise<{ labels: Uint8Array; confidence: Uint8Array }>((ok, fail) => {
        let settled = false;
        const cleanup = (): void => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          signal?.removeEventListener('abort', onAbort);
          settleIdle();
        };
        const onAbort = (): void => {
          Atomics.store(request.cancelFlag, 0, 1);
          settled = true;
          fail(new OpalError('E_CANCELLED', 'Segmentation was cancelled.'));
        };
        const onError = (e: Error): void => {
          cleanup();
          settled = true;
          fail(new OpalError('E_INTERNAL', `The inference worker failed: ${e.message}`));
        };
        const onMessage = (msg: WorkerReply): void => {
          if ('jobId' in msg && msg.jobId !== request.jobId) return;
          if (settled) {
            if (msg.type === 'done' || msg.type === 'cancelled' || msg.type === 'error') cleanup();
            return;
          }
          // The worker's own 'preview' message is not needed: each pass is its own run.
          if (msg.type === 'progress') onProgress({ slicesDone: msg.slicesDone });
          else if (msg.type === 'done') {
            cleanup();
            settled = true;
            ok({ labels: msg.labels, confidence: msg.confidence });
          } else if (msg.type === 'cancelled') {
            cleanup();
            settled = true;
            fail(new OpalError('E_CANCELLED', 'Segmentation was cancelled.'));
          } else if (msg.type === 'error') {
            cleanup();
            settled = true;
            fail(new OpalError(msg.error.code, msg.error.message, msg.error.detail));
          }
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        signal?.addEventListener('abort', onAbort, { once: true });
        worker.postMessage(request, [request.hu.buffer as ArrayBuffer, request.lungs.buffer as ArrayBuffer]);
      });
    } finally {
      worker.unref();
    }
  }

  /** Releases the session and ends the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    await new Promise<void>((ok) => {
      const onMessage = (msg: WorkerReply): void => {
        if (msg.type === 'disposed') {
          this.worker.off('message', onMessage);
          ok();
        }
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ type: 'dispose' } satisfies WorkerRequest);
      setTimeout(ok, 2000).unref();
    });
    await this.worker.terminate();
  }
}

let current: { key: string; service: Promise<InferenceService> } | undefined;

/**
 * The process-wide service for a model: created on first use, reused while the same model (by
 * manifest path, hash and thread count) is asked for, released when another model is asked for.
 */
export async function getInferenceService(
  model: ResolvedModel,
  /** `providers`: forced for this session (the app's setting), instead of `--ep`/OPAL_EXECUTION_PROVIDERS/the checked choice. */
  options: { threads?: number; providers?: string[] } = {},
): Promise<InferenceService> {
  const key = `${model.manifestPath}|${model.manifest.sha256}|${options.threads ?? ''}|${(options.providers ?? forcedExecutionProviders())?.join(',') ?? ''}`;
  if (current?.key === key) {
    try {
      return await current.service;
    } catch {
      current = undefined;
    }
  }
  const previous = current;
  current = undefined;
  if (previous) await (await previous.service.catch(() => undefined))?.dispose();
  const service = InferenceService.open(model, { threads: options.threads, ...(options.providers ? { providers: options.providers } : {}) });
  current = { key, service };
  service.catch(() => {
    if (current?.service === service) current = undefined;
  });
  return service;
}

/** Releases the process-wide service (CLI exit, tests). */
export async function closeInferenceService(): Promise<void> {
  const previous = current;
  current = undefined;
  if (previous) await (await previous.service.catch(() => undefined))?.dispose();
}
