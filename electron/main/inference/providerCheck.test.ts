import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';
import { readVerifiedModel, resolveModel, type ResolvedModel } from './loadModelManifest.ts';
import {
  checkProviderAgainstCpu,
  maxAbsProbabilityDifference,
  ortRunner,
  PROVIDER_CHECK_TOLERANCE,
  ProviderCheckCache,
  referenceInput,
  selectCheckedProviders,
  type RunLogits,
} from './providerCheck.ts';

const tempDir = useTempDirs();

// The shipped model on real onnxruntime sessions. Only the CPU provider exists on our machines, so
// the "GPU" below is a second CPU session (it must match exactly) or that session's output
// perturbed the way a faulty kernel would (it must be refused).
let model: ResolvedModel;
let cpu: ReturnType<typeof ortRunner>;
beforeAll(async () => {
  model = await resolveModel();
  cpu = ortRunner({ modelBytes: await readVerifiedModel(model), manifest: model.manifest });
});
afterAll(async () => cpu.close());

/** A provider that runs on the CPU session, then optionally alters the logits. */
function cpuAs(perturb?: (logits: Float32Array) => void): RunLogits & { calls: string[] } {
  const calls: string[] = [];
  const run = async (provider: string, input: Float32Array) => {
    calls.push(provider);
    const logits = await cpu('cpu', input);
    if (provider !== 'cpu') perturb?.(logits);
    return logits;
  };
  return Object.assign(run, { calls });
}

/** Flips one pixel's decision: +6 on class 2's logit at the centre pixel. */
function flipCentrePixel(logits: Float32Array): void {
  const { height, width } = model.manifest.input;
  const pixels = height * width;
  logits[2 * pixels + Math.floor(height / 2) * width + Math.floor(width / 2)] += 6;
}

describe('maxAbsProbabilityDifference', () => {
  it('is 0 for identical logits and the probability change for a changed pixel', () => {
    const a = new Float32Array([0, 0, 0, 0]); // 2 classes x 2 pixels: p = 0.5 everywhere
    const b = new Float32Array([0, 0, Math.log(3), 0]); // pixel 0: p = (0.25, 0.75)
    expect(maxAbsProbabilityDifference(a, a, 2)).toBe(0);
    expect(maxAbsProbabilityDifference(a, b, 2)).toBeCloseTo(0.25, 6);
  });

  it('treats NaN or a different output size as the largest difference', () => {
    expect(maxAbsProbabilityDifference(new Float32Array([0, 0]), new Float32Array([NaN, 0]), 2)).toBe(Infinity);
    expect(maxAbsProbabilityDifference(new Float32Array(4), new Float32Array(2), 2)).toBe(Infinity);
  });
});

describe('checkProviderAgainstCpu on the shipped model', () => {
  it('passes a provider that reproduces the CPU exactly (CPU on both sides), reporting a difference of 0', async () => {
    const check = await checkProviderAgainstCpu('cuda', model.manifest, cpuAs());
    expect(check).toMatchObject({ provider: 'cuda', modelSha256: model.manifest.sha256, maxAbsProbabilityDiff: 0, tolerance: PROVIDER_CHECK_TOLERANCE, passed: true });
    expect(check.device).toContain('cuda');
  });

  it('refuses a provider whose output differs on the reference slice, reporting by how much', async () => {
    const check = await checkProviderAgainstCpu('dml', model.manifest, cpuAs(flipCentrePixel));
    expect(check.passed).toBe(false);
    expect(check.maxAbsProbabilityDiff).toBeGreaterThan(PROVIDER_CHECK_TOLERANCE);
    expect(check.maxAbsProbabilityDiff).toBeLessThanOrEqual(1);
  });

  it('refuses a provider that cannot run the model at all', async () => {
    const failing: RunLogits = async (provider, input) => {
      if (provider !== 'cpu') throw new Error('CUDA library not found');
      return cpu('cpu', input);
    };
    expect((await checkProviderAgainstCpu('cuda', model.manifest, failing)).passed).toBe(false);
  });

  it('feeds the model a windowed chest slice of its input size, not blank input', () => {
    const x = referenceInput(model.manifest);
    expect(x.length).toBe(model.manifest.input.height * model.manifest.input.width);
    expect(new Set(Array.from(x, (v) => v.toFixed(2))).size).toBeGreaterThan(5);
  });
});

describe('selectCheckedProviders (the gate between the platform candidates and the session)', () => {
  it('uses a GPU provider that matched the CPU, records the verdict, and does not check again', async () => {
    const cache = new ProviderCheckCache(join(tempDir('opal-ep-'), 'provider-checks.json'));
    const run = cpuAs();
    const first = await selectCheckedProviders(['cuda', 'cpu'], model.manifest, () => run, cache);
    expect(first.providers).toEqual(['cuda', 'cpu']);
    expect(first.checks.map((c) => [c.provider, c.passed])).toEqual([['cuda', true]]);
    expect(run.calls).toEqual(['cpu', 'cuda']);
    const stored = JSON.parse(readFileSync(cache.path, 'utf8')) as Record<string, { passed: boolean }>;
    expect(Object.keys(stored)).toEqual([ProviderCheckCache.key(model.manifest.sha256, 'cuda')]);

    const again = await selectCheckedProviders(['cuda', 'cpu'], model.manifest, () => { throw new Error('must not run: the verdict is cached'); }, cache);
    expect(again.providers).toEqual(['cuda', 'cpu']);
  });

  it('falls back to the CPU when the GPU output differs, and keeps that verdict for this model and device', async () => {
    const cache = new ProviderCheckCache(join(tempDir('opal-ep-'), 'provider-checks.json'));
    const result = await selectCheckedProviders(['dml', 'cpu'], model.manifest, () => cpuAs(flipCentrePixel), cache);
    expect(result.providers).toEqual(['cpu']);
    expect(result.checks[0]).toMatchObject({ provider: 'dml', passed: false });
    const again = await selectCheckedProviders(['dml', 'cpu'], model.manifest, () => { throw new Error('must not run: the verdict is cached'); }, cache);
    expect(again.providers).toEqual(['cpu']);
    // Another model (another SHA-256) is checked afresh.
    const other = { ...model.manifest, sha256: 'f'.repeat(64) };
    const fresh = cpuAs();
    expect((await selectCheckedProviders(['dml', 'cpu'], other, () => fresh, cache)).providers).toEqual(['dml', 'cpu']);
    expect(fresh.calls).toEqual(['cpu', 'dml']);
  });

  it('tries the next GPU candidate after a refused one', async () => {
    const cache = new ProviderCheckCache(join(tempDir('opal-ep-'), 'provider-checks.json'));
    const run: RunLogits = async (provider, input) => {
      const logits = await cpu('cpu', input);
      if (provider === 'cuda') flipCentrePixel(logits);
      return logits;
    };
    const result = await selectCheckedProviders(['cuda', 'dml', 'cpu'], model.manifest, () => run, cache);
    expect(result.providers).toEqual(['dml', 'cpu']);
    expect(result.checks.map((c) => [c.provider, c.passed])).toEqual([['cuda', false], ['dml', true]]);
  });

  it('runs nothing when the CPU is the only candidate', async () => {
    const cache = new ProviderCheckCache(join(tempDir('opal-ep-'), 'provider-checks.json'));
    const result = await selectCheckedProviders(['cpu'], model.manifest, () => { throw new Error('must not run'); }, cache);
    expect(result).toEqual({ providers: ['cpu'], checks: [] });
  });
});
