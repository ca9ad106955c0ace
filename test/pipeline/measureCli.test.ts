/**
 * `opal measure` (issue 15): masks made by OPAL (seg.dcm, infection.nii.gz) reproduce `opal
 * segment`'s numbers; masks made by other writers (nibabel, a pydicom SEG built from the
 * standard's attributes, FRACTIONAL, segments in another order, frames placed by position only)
 * are measured to their known volumes; a mask of another series exits 2 with E_GEOMETRY_MISMATCH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MeasureSummary } from '../../electron/cli/commands/measure.ts';
import type { SegmentSummary } from '../../electron/cli/commands/segment.ts';
import { writePhantomSeries } from '../../electron/main/phantom/index.ts';
import { PYTHON, pythonHas } from '../exports/externalTools.ts';
import { missing } from '../fixtures/requireData.ts';
import { repoRoot, sharedData, skipNote, testOutputDir } from '../fixtures/sharedData.ts';
import { runOpal } from './cli.ts';
import { makeTestModel } from './fixtures/testModel.ts';

const root = testOutputDir('engine-measure-cli');
const phantomDir = join(root, 'phantom');
/** Another series: same phantom, 40 slices instead of 32 (its own frame of reference and grid). */
const otherDir = join(root, 'phantom-40');
const segOut = join(root, 'segment');
const FOREIGN = join(repoRoot, 'test', 'pipeline', 'fixtures', 'foreign_masks.py');
let env: Record<string, string>;
let segmented: SegmentSummary;

interface ForeignTruth {
  voxelMl: number;
  boxes: Record<'ground-glass' | 'consolidation' | 'extra', { voxels: number; ml: number; centroidLps: [number, number, number] }>;
}

function foreign(args: string[]): ForeignTruth {
  const r = spawnSync(PYTHON, [FOREIGN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`foreign_masks.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ForeignTruth;
}

async function measure(args: string[]): Promise<{ code: number | null; stderr: string; summary?: MeasureSummary }> {
  const r = await runOpal(['measure', ...args, '--json'], env);
  return { code: r.code, stderr: r.stderr, summary: r.code === 0 ? (JSON.parse(r.stdout) as MeasureSummary) : undefined };
}

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const model = makeTestModel(root, { size: 64 });
  env = { OPAL_MODELS_DIR: model.modelsDir };
  await writePhantomSeries(phantomDir, { seed: 3, size: 128, slices: 32 });
  await writePhantomSeries(otherDir, { seed: 3, size: 128, slices: 40 });
  const r = await runOpal(['segment', phantomDir, '--out', segOut, '--format', 'seg,nifti,json', '--json', '--threads', '1'], env);
  if (r.code !== 0) throw new Error(`opal segment failed: ${r.stderr}`);
  segmented = JSON.parse(r.stdout) as SegmentSummary;
}, 240_000);

describe('opal measure with OPAL\'s own masks', () => {
  it('reproduces opal segment\'s infection, lung volumes, lesions and severity from seg.dcm', async () => {
    const { code, stderr, summary } = await measure([phantomDir, '--mask', join(segOut, 'seg.dcm')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const m = summary!.measurements;
    const s = segmented.measurements;
    expect(s.infection.totalMl).toBeGreaterThan(1); // the test model found infection to compare
    expect(Math.abs(m.infection.totalMl - s.infection.totalMl)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.infection.groundGlassMl - s.infection.groundGlassMl)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.infection.consolidationMl - s.infection.consolidationMl)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.lungs.right.volumeMl - s.lungs.right.volumeMl)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.lungs.left.volumeMl - s.lungs.left.volumeMl)).toBeLessThanOrEqual(0.1);
    expect(m.lesions.map((l) => l.volumeMl.toFixed(2))).toEqual(s.lesions.map((l) => l.volumeMl.toFixed(2)));
    expect(m.severity.total).toBe(s.severity.total);
    expect(summary!.mask.lungsFrom).toBe('mask');
    expect(summary!.mask.segments.map((x) => [x.number, x.meaning, x.by])).toEqual([
      [1, 'ground-glass', 'code'],
      [2, 'consolidation', 'code'],
      [3, 'right-lung', 'code'],
      [4, 'left-lung', 'code'],
    ]);
  }, 120_000);

  it('reproduces the infection volumes from infection.nii.gz alone, making the lungs from the CT', async () => {
    const { code, summary } = await measure([phantomDir, '--mask', join(segOut, 'infection.nii.gz')]);
    expect(code).toBe(0);
    const m = summary!.measurements;
    const s = segmented.measurements;
    expect(Math.abs(m.infection.groundGlassMl - s.infection.groundGlassMl)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.infection.consolidationMl - s.infection.consolidationMl)).toBeLessThanOrEqual(0.1);
    expect(summary!.mask.lungsFrom).toBe('ct');
    // The lungs are made as opal segment makes them: within 1 % of its lung volume.
    expect(Math.abs(m.lungs.totalVolumeMl - s.lungs.totalVolumeMl) / s.lungs.totalVolumeMl).toBeLessThan(0.01);
  }, 120_000);

  it('writes the same exports as opal segment, and their measurements.json matches', async () => {
    const out = join(root, 'measure-out');
    const { code, summary } = await measure([phantomDir, '--mask', join(segOut, 'infection.nii.gz'), '--mask', join(segOut, 'lungs.nii.gz'), '--out', out, '--format', 'json,nifti,seg']);
    expect(code).toBe(0);
    for (const f of ['measurements.json', 'infection.nii.gz', 'lungs.nii.gz', 'seg.dcm']) expect(existsSync(join(out, f)), f).toBe(true);
    const written = JSON.parse(readFileSync(join(out, 'measurements.json'), 'utf8')) as { measurements?: { infection: { totalMl: number } } };
    expect(written.measurements?.infection.totalMl).toBeCloseTo(summary!.measurements.infection.totalMl, 6);
    expect(Math.abs(summary!.measurements.lungs.totalVolumeMl - segmented.measurements.lungs.totalVolumeMl)).toBeLessThanOrEqual(0.1);
  }, 120_000);
});

describe('opal measure refuses a mask of another series', () => {
  it('exits 2 with E_GEOMETRY_MISMATCH for a SEG of another series, naming the frame of reference', async () => {
    const r = await runOpal(['measure', otherDir, '--mask', join(segOut, 'seg.dcm')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_GEOMETRY_MISMATCH: .*frame of reference/);
  }, 120_000);

  it('exits 2 with E_GEOMETRY_MISMATCH for a NIfTI of another grid, naming both sizes', async () => {
    const r = await runOpal(['measure', otherDir, '--mask', join(segOut, 'infection.nii.gz')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_GEOMETRY_MISMATCH: .*128x128x32 voxels; this CT is 128x128x40/);
  }, 120_000);

  it('exits 2 with E_BAD_ARGUMENT for a --map it does not understand', async () => {
    const r = await runOpal(['measure', phantomDir, '--mask', join(segOut, 'seg.dcm'), '--map', '3=spleen'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_BAD_ARGUMENT: --map "3=spleen"/);
  }, 120_000);
});

describe.skipIf(missing(pythonHas('pydicom') && pythonHas('nibabel'), 'python3 with pydicom and nibabel'))('opal measure with masks written by other tools', () => {
  it('measures a nibabel labelmap stored RAS-canonical to its known volumes and positions, with a user mapping', async () => {
    const path = join(root, 'foreign.nii.gz');
    const truth = foreign(['nifti', phantomDir, path]);
    const { code, summary } = await measure([phantomDir, '--mask', path, '--map', '7=consolidation']);
    expect(code).toBe(0);
    const m = summary!.measurements;
    const b = truth.boxes;
    expect(m.infection.groundGlassMl).toBeCloseTo(b['ground-glass'].ml, 6);
    expect(m.infection.consolidationMl).toBeCloseTo(b.consolidation.ml + b.extra.ml, 6);
    // Each box is one lesion at the place nibabel's affine puts it (voxels not mirrored or shifted).
    for (const box of Object.values(b)) {
      const lesion = m.lesions.find((l) => Math.abs(l.volumeMl - box.ml) < 1e-6);
      expect(lesion).toBeDefined();
      for (let c = 0; c < 3; c++) expect(Math.abs(lesion!.centroidLpsMm[c] - box.centroidLps[c])).toBeLessThan(0.05);
    }
    expect(summary!.mask.segments.find((s) => s.number === 7)).toMatchObject({ meaning: 'consolidation', by: 'user', voxels: 144 });
  }, 120_000);

  it('reads a FRACTIONAL pydicom SEG with segments in another order: codes picked, the halo below one half left out, the unknown segment reported', async () => {
    const path = join(root, 'foreign-fractional.dcm');
    const truth = foreign(['seg', phantomDir, path, 'fractional']);
    const r = await runOpal(['measure', phantomDir, '--mask', path, '--json'], env);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as MeasureSummary;
    const m = summary.measurements;
    expect(m.infection.groundGlassMl).toBeCloseTo(truth.boxes['ground-glass'].ml, 6);
    expect(m.infection.consolidationMl).toBeCloseTo(truth.boxes.consolidation.ml, 6);
    expect(summary.mask.segments.map((s) => [s.number, s.meaning ?? null, s.by ?? null])).toEqual([
      [1, null, null],
      [2, 'consolidation', 'code'],
      [3, 'ground-glass', 'code'],
    ]);
    expect(summary.warnings.map((w) => w.code)).toContain('E_UNKNOWN_SEGMENT');
    const mapped = await measure([phantomDir, '--mask', path, '--map', '1=consolidation']);
    expect(mapped.summary!.measurements.infection.consolidationMl).toBeCloseTo(truth.boxes.consolidation.ml + truth.boxes.extra.ml, 6);
  }, 180_000);

  it('reads a BINARY pydicom SEG whose frames name no source image (placed by ImagePositionPatient)', async () => {
    const path = join(root, 'foreign-binary.dcm');
    const truth = foreign(['seg', phantomDir, path, 'binary']);
    const { code, summary } = await measure([phantomDir, '--mask', path]);
    expect(code).toBe(0);
    expect(summary!.measurements.infection.groundGlassMl).toBeCloseTo(truth.boxes['ground-glass'].ml, 6);
    expect(summary!.measurements.infection.consolidationMl).toBeCloseTo(truth.boxes.consolidation.ml, 6);
    const ggo = summary!.measurements.lesions.find((l) => Math.abs(l.volumeMl - truth.boxes['ground-glass'].ml) < 1e-6);
    for (let c = 0; c < 3; c++) expect(Math.abs(ggo!.centroidLpsMm[c] - truth.boxes['ground-glass'].centroidLps[c])).toBeLessThan(0.05);
  }, 120_000);
});

const p001 = sharedData('dicom', 'covid-ct-md-p001');

describe.skipIf(!p001 || missing(pythonHas('nibabel'), 'python3 with nibabel'))(p001 ? 'opal measure on a real CT (covid-ct-md-p001)' : skipNote('covid-ct-md-p001'), () => {
  it('reproduces opal segment\'s volumes from its seg.dcm, and measures a nibabel labelmap to its known volumes', async () => {
    const out = join(root, 'p001-segment');
    const seg = await runOpal(['segment', p001!, '--out', out, '--format', 'seg,nifti', '--json', '--threads', '1'], env);
    expect(seg.code, seg.stderr).toBe(0);
    const s = (JSON.parse(seg.stdout) as SegmentSummary).measurements;
    const fromSeg = await measure([p001!, '--mask', join(out, 'seg.dcm')]);
    expect(fromSeg.code, fromSeg.stderr).toBe(0);
    const m = fromSeg.summary!.measurements;
    expect(Math.abs(m.infection.totalMl - s.infection.totalMl)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.infection.groundGlassMl - s.infection.groundGlassMl)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.infection.consolidationMl - s.infection.consolidationMl)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.lungs.totalVolumeMl - s.lungs.totalVolumeMl)).toBeLessThanOrEqual(0.1);

    const path = join(root, 'p001-foreign.nii.gz');
    const truth = foreign(['nifti', p001!, path]);
    const fromNifti = await measure([p001!, '--mask', path, '--map', '7=ignore']);
    expect(fromNifti.code, fromNifti.stderr).toBe(0);
    expect(fromNifti.summary!.measurements.infection.groundGlassMl).toBeCloseTo(truth.boxes['ground-glass'].ml, 6);
    expect(fromNifti.summary!.measurements.infection.consolidationMl).toBeCloseTo(truth.boxes.consolidation.ml, 6);
  }, 600_000);
});
