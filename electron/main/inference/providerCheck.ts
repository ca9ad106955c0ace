import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { softmaxChannels, windowToModelInput } from '../../common/inference/index.ts';
import type { ModelManifest } from '../../common/models/ModelManifest.ts';
import { makeFolder } from '../fs/makeFolder.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { chooseExecutionProviders, cudaLibraryPresent, forcedExecutionProviders } from './executionProviders.ts';

/**
 * A GPU execution provider is used only after it reproduced the CPU result (DESIGN.md §5): the
 * model's validation metrics were measured on CPU, and a GPU kernel (reduced precision, a different
 * convolution algorithm, an unsupported operator silently replaced) can change the masks. The first
 * time a model meets a provider on this machine, one reference slice runs on the CPU and on that
 * provider; the largest absolute difference of any class probability must stay within
 * PROVIDER_CHECK_TOLERANCE. The verdict is cached per model (SHA-256) and device, so the check costs
 * two runs of one slice once.
 */
export const PROVIDER_CHECK_TOLERANCE = 0.02;

export interface ProviderCheck {
  provider: string;
  modelSha256: string;
  /** Platform, architecture, provider and onnxruntime version the verdict holds for. */
  device: string;
  maxAbsProbabilityDiff: number;
  tolerance: number;
  passed: boolean;
  checkedAt: string;
}

/** Runs the model on one `(1, 1, H, W)` input with one provider and returns its logits `(1, C, H, W)`. */
export type RunLogits = (provider: string, input: Float32Array) => Promise<Float32Array>;

/**
 * A synthetic axial chest slice in HU (`H × W`, row-major): soft tissue body, two aerated lungs with
 * vessels, a ground-glass and a consolidated lesion. Deterministic, so every machine checks the same
 * input; shaped like what the model sees, so the check exercises the activations that matter.
 */
export function referenceSliceHu(height: number, width: number): Float32Array {
  const hu = new Float32Array(height * width).fill(-1000);
  const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const x = c / width;
      const y = r / height;
      let v = -1000;
      if (inEllipse(x, y, 0.5, 0.5, 0.46, 0.36)) v = 40;
      if (inEllipse(x, y, 0.31, 0.5, 0.15, 0.27) || inEllipse(x, y, 0.69, 0.5, 0.15, 0.27)) v = -850 + 30 * Math.sin(40 * x) * Math.cos(33 * y);
      if (inEllipse(x, y, 0.3, 0.42, 0.012, 0.012) || inEllipse(x, y, 0.7, 0.58, 0.01, 0.01)) v = 30; // vessels
      if (inEllipse(x, y, 0.26, 0.6, 0.06, 0.07)) v = -450; // ground glass
      if (inEllipse(x, y, 0.72, 0.4, 0.045, 0.05)) v = -20; // consolidation
      hu[r * width + c] = v;
    }
  }
  return hu;
}

/** The reference slice as the network's input `(1, 1, H, W)`, windowed and normalised as the manifest states. */
export function referenceInput(manifest: ModelManifest): Float32Array {
  const { height, width, intensity } = manifest.input;
  const input = new Float32Array(height * width);
  windowToModelInput(referenceSliceHu(height, width), intensity, input);
  return input;
}

/** Largest |p_a − p_b| over every class and pixel after softmax of two logit tensors `(1, C, H, W)`. */
export function maxAbsProbabilityDifference(logitsA: Float32Array, logitsB: Float32Array, classes: number): number {
  if (logitsA.length !== logitsB.length) return Infinity;
  const pixels = logitsA.length / classes;
  const a = Float32Array.from(logitsA);
  const b = Float32Array.from(logitsB);
  softmaxChannels(a, classes, pixels);
  softmaxChannels(b, classes, pixels);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity; // a NaN probability is a failure, never a match
    if (d > max) max = d;
  }
  return max;
}

/** The device a verdict holds for: this platform, the provider and the onnxruntime build. */
export function deviceKey(provider: string): string {
  return `${process.platform}-${process.arch}|${provider}|onnxruntime ${ort.env.versions?.common ?? '?'}`;
}

/** Runs the reference slice on the CPU and on `provider` and compares the probabilities. */
export async function checkProviderAgainstCpu(
  provider: string,
  manifest: ModelManifest,
  run: RunLogits,
  tolerance = PROVIDER_CHECK_TOLERANCE,
): Promise<ProviderCheck> {
  const input = referenceInput(manifest);
  const cpu = await run('cpu', input);
  let diff: number;
  try {
    diff = maxAbsProbabilityDifference(cpu, await run(provider, input), manifest.classes.length);
  } catch {
    diff = Infinity; // the provider could not run the model at all
  }
  return {
    provider,
    modelSha256: manifest.sha256,
    device: deviceKey(provider),
    maxAbsProbabilityDiff: diff,
    tolerance,
    passed: diff <= tolerance,
    checkedAt: new Date().toISOString(),
  };
}

/** Where verdicts are kept: OPAL_PROVIDER_CHECK_CACHE, else ~/.opal/provider-checks.json. */
export function defaultProviderCheckCachePath(): string {
  return process.env.OPAL_PROVIDER_CHECK_CACHE ?? join(homedir(), '.opal', 'provider-checks.json');
}

/** Verdicts by model SHA-256 and device, in one JSON file (a damaged file counts as empty). */
export class ProviderCheckCache {
  constructor(readonly path: string = defaultProviderCheckCachePath()) {}

  static key(modelSha256: string, provider: string): string {
    return `${modelSha256}|${deviceKey(provider)}`;
  }

  async read(): Promise<Record<string, ProviderCheck>> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, ProviderCheck>) : {};
    } catch {
      return {};
    }
  }

  async get(modelSha256: string, provider: string): Promise<ProviderCheck | undefined> {
    return (await this.read())[ProviderCheckCache.key(modelSha256, provider)];
  }

  async put(check: ProviderCheck): Promise<void> {
    const all = await this.read();
    all[ProviderCheckCache.key(check.modelSha256, check.provider)] = check;
    await makeFolder(dirname(this.path));
    // JSON cannot hold Infinity: a provider that failed to run is stored as a difference of 1 (the maximum possible).
    await writeFileAtomic(this.path, `${JSON.stringify(all, (_k, v: unknown) => (v === Infinity ? 1 : v), 2)}\n`);
  }
}

export interface CheckedProviders {
  /** What the inference session is given: the first provider that passed (cached or now), then CPU. */
  providers: string[];
  /** The verdict that decided, for each GPU provider considered (from the cache or measured now). */
  checks: ProviderCheck[];
}

/**
 * Keeps, of the platform's candidates (best first, CPU last), the first GPU provider whose output
 * matches the CPU's on the reference slice; CPU when none does. Cached verdicts are reused; new ones
 * are measured with `run` and cached.
 */
export async function selectCheckedProviders(
  candidates: string[],
  manifest: ModelManifest,
  run: () => RunLogits,
  cache: ProviderCheckCache,
  tolerance = PROVIDER_CHECK_TOLERANCE,
): Promise<CheckedProviders> {
  const checks: ProviderCheck[] = [];
  let runner: RunLogits | undefined;
  for (const provider of candidates) {
    if (provider === 'cpu') break;
    let check = await cache.get(manifest.sha256, provider);
    if (!check || check.tolerance !== tolerance) {
      runner ??= run();
      check = await checkProviderAgainstCpu(provider, manifest, runner, tolerance);
      await cache.put(check);
    }
    checks.push(check);
    if (check.passed) return { providers: [provider, 'cpu'], checks };
  }
  return { providers: ['cpu'], checks };
}

/**
 * A RunLogits over real onnxruntime sessions of one model file, one session per provider, created on
 * first use; close() releases them. Used once per model and device, outside the inference worker.
 */
export function ortRunner(model: { modelBytes: Uint8Array; manifest: ModelManifest }): RunLogits & { close(): Promise<void> } {
  const sessions = new Map<string, Promise<ort.InferenceSession>>();
  const { manifest } = model;
  const run = async (provider: string, input: Float32Array): Promise<Float32Array> => {
    let session = sessions.get(provider);
    if (!session) {
      session = ort.InferenceSession.create(model.modelBytes, { executionProviders: [provider], intraOpNumThreads: 1, interOpNumThreads: 1 });
      sessions.set(provider, session);
    }
    const s = await session;
    const feeds = { [manifest.input.name]: new ort.Tensor('float32', input, [1, 1, manifest.input.height, manifest.input.width]) };
    const out = await s.run(feeds);
    return Float32Array.from(out[manifest.output.name].data as Float32Array);
  };
  return Object.assign(run, {
    async close() {
      for (const s of sessions.values()) await (await s.catch(() => undefined))?.release();
      sessions.clear();
    },
  });
}

/**
 * The providers an inference session gets for a model: the ones the user forced (`--ep`,
 * OPAL_EXECUTION_PROVIDERS) as given; otherwise the platform's candidates, where a GPU provider is
 * kept only once it matched the CPU on the reference slice (selectCheckedProviders), else CPU.
 */
export async function executionProvidersFor(
  model: { modelBytes: Uint8Array; manifest: ModelManifest },
  cache: ProviderCheckCache = new ProviderCheckCache(),
): Promise<CheckedProviders> {
  const forced = forcedExecutionProviders();
  if (forced) return { providers: forced, checks: [] };
  const candidates = chooseExecutionProviders({
    platform: process.platform,
    arch: process.arch,
    supported: ort.listSupportedBackends(),
    cudaLibraryPresent: cudaLibraryPresent(),
  });
  let runner: ReturnType<typeof ortRunner> | undefined;
  try {
    return await selectCheckedProviders(candidates, model.manifest, () => (runner = ortRunner(model)), cache);
  } finally {
    await runner?.close();
  }
}

/** How the provider was chosen, for the service's note: each check's verdict and difference. */
export function describeProviderChecks(checks: ProviderCheck[]): string {
  return checks
    .map((c) => `${c.provider} ${c.passed ? 'matched' : 'did not match'} the CPU on the reference slice (max |Δp| ${c.maxAbsProbabilityDiff.toPrecision(2)}, bound ${c.tolerance})`)
    .join('; ');
}
