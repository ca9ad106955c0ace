import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeE2eStudy } from '../../../test/e2e/e2eStudy.ts';
import { missing } from '../../../test/fixtures/requireData.ts';
import { repoRoot } from '../../../test/fixtures/sharedData.ts';
import { closeInferenceService } from '../inference/InferenceService.ts';
import { segmentStudy } from './segmentStudy.ts';
import { segmentRegion } from './segmentRegion.ts';

const shipped = join(repoRoot, 'models', 'opal-infection-cmunext-s.onnx');
const skip = missing(existsSync(shipped), `the shipped model (${shipped})`);

/**
 * The model on a few slices only (assisted correction) labels the same ground-glass lesion as the
 * whole-study run on those slices: the e2e study's -450 HU ball (slices 8..16 of 24).
 */
describe.skipIf(skip)('segmentRegion with the shipped model', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await closeInferenceService();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('labels the lesion on slices k0..k1 as the full run does (Dice ≥ 0.9), nothing outside the eligible mask', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opal-region-'));
    dirs.push(dir);
    await writeE2eStudy(dir, 96, 24);
    const full = await segmentStudy(dir, { threads: 1 });
    const [nx, ny] = full.volume.dims;
    const slice = nx * ny;
    const k0 = 6;
    const k1 = 18;
    const eligible = full.lungs.slice(k0 * slice, (k1 + 1) * slice);
    const region = await segmentRegion(full.volume, eligible, { k0, k1 });
    expect(region.slicesInferred).toBe(k1 - k0 + 1);
    expect(region.infection.length).toBe(eligible.length);
    let both = 0;
    let a = 0;
    let b = 0;
    for (let v = 0; v < eligible.length; v++) {
      const r = region.infection[v] !== 0;
      const f = full.infection[k0 * slice + v] !== 0;
      if (r && eligible[v] === 0) throw new Error(`labelled outside the eligible mask at ${v}`);
      if (r) a++;
      if (f) b++;
      if (r && f) both++;
    }
    expect(b).toBeGreaterThan(200);
    expect((2 * both) / (a + b)).toBeGreaterThanOrEqual(0.9);
    await expect(segmentRegion(full.volume, eligible, { k0: 20, k1: 30 })).rejects.toThrow(RangeError);
  }, 120_000);
});
