import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedData, skipNote } from '../fixtures/sharedData.ts';
import { segmentStudy } from '../../electron/main/segmentation/segmentStudy.ts';
import { closeInferenceService } from '../../electron/main/inference/InferenceService.ts';
import { writePhantomSeries } from '../../electron/main/phantom/index.ts';

/**
 * The engine's clinical output with the shipped default model (issue: numbers a radiologist can
 * trust): no infection and severity 0 on chests without COVID-19, and the lungs' volume unchanged by
 * the diseased-lung step where there is no disease.
 */
const lidc = sharedData('dicom', 'lidc-idri-0001');
let root = '';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'opal-clinical-'));
});
afterAll(async () => {
  await closeInferenceService();
  rmSync(root, { recursive: true, force: true });
});

describe('clinical output with the shipped model', () => {
  it.skipIf(!lidc)(
    lidc
      ? 'lidc-idri-0001 (lung nodules, no COVID-19): at most 5 mL infection, severity 0, lungs within 3 % of 3835.6 mL'
      : skipNote('lidc-idri-0001'),
    async () => {
      const r = await segmentStudy(lidc!, { threads: 2 });
      const m = r.measurements;
      expect(m.infection.totalMl).toBeLessThanOrEqual(5);
      expect(m.severity.total).toBe(0);
      expect(Math.abs(m.lungs.totalVolumeMl / 3835.6 - 1)).toBeLessThan(0.03);
      // Both lungs, each of a plausible size.
      expect(m.lungs.right.volumeMl).toBeGreaterThan(1500);
      expect(m.lungs.left.volumeMl).toBeGreaterThan(1500);
    },
  );

  it('a lesion-free phantom chest: at most 1 mL infection, severity 0', async () => {
    const dir = join(root, 'normal');
    await writePhantomSeries(dir, { seed: 2, size: 256, slices: 48, profile: 'normal' });
    const r = await segmentStudy(dir, { threads: 2 });
    expect(r.measurements.infection.totalMl).toBeLessThanOrEqual(1);
    expect(r.measurements.severity.total).toBe(0);
    expect(r.measurements.lungs.totalVolumeMl).toBeGreaterThan(3000);
  });
});
