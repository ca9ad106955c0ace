import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeNifti } from '../../electron/common/nifti/index.ts';
import { sharedData, skipNote, testOutputDir } from '../fixtures/sharedData.ts';
import { writePhantomSeries } from '../../electron/main/phantom/index.ts';
import type { PhantomTruth } from '../../electron/common/phantom/index.ts';
import { DONE_MARKER, studyFolderName, type SegmentSummary } from '../../electron/cli/commands/segment.ts';
import { makeTestModel, type TestModel } from './fixtures/testModel.ts';
import { runOpal } from './cli.ts';

const root = testOutputDir('engine-segment-cli');
const EXPORT_FILES = [
  'infection-confidence.nii.gz',
  'infection.nii.gz',
  'lesions.csv',
  'lungs.nii.gz',
  'measurements.csv',
  'measurements.json',
  'report.pdf',
  'seg.dcm',
];
let model: TestModel;
let phantomDir: string;
let truth: PhantomTruth;
let env: Record<string, string>;

/** Every file under a folder, relative paths (hidden ones included). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  model = makeTestModel(root, { size: 64 });
  env = { OPAL_MODELS_DIR: model.modelsDir };
  phantomDir = join(root, 'phantom');
  const series = await writePhantomSeries(phantomDir, { seed: 3, size: 128, slices: 32 });
  truth = series.truth;
});

afterAll(() => {
  // leave test-output/ for inspection; nothing to release
});

describe('opal segment', () => {
  it('segments the phantom and writes every export, a done-marker and one JSON summary', async () => {
    const out = join(root, 'single');
    const r = await runOpal(['segment', phantomDir, '--out', out, '--json', '--threads', '1'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as SegmentSummary;
    expect(filesUnder(out)).toEqual([DONE_MARKER, ...EXPORT_FILES].sort());
    expect(summary.files.map((f) => f.format).sort()).toEqual([
      'csv',
      'csv',
      'json',
      'nifti',
      'nifti',
      'nifti',
      'pdf',
      'seg',
    ]);
    expect(summary.model).toMatchObject({
      name: 'test-band',
      sha256: model.manifest.sha256,
      executionProvider: 'cpu',
      edited: false,
    });
    // Lungs agree with the phantom truth (Dice >= 0.97 of the HU mask is tested in common/lung).
    // Dense tissue next to the lung joins it where the model calls it infection (diseased lung,
    // common/lung/diseasedLung.ts); this band model calls every voxel above -250 HU consolidation,
    // the phantom's chest wall inside its ribs included, so up to 25 % may join here. With the
    // shipped model the lungs stay within 3 % on lidc-idri-0001 (test below) and the phantom (demo).
    const m = summary.measurements;
    expect(m.lungs.right.volumeMl / truth.lungs.right.volumeMl).toBeGreaterThan(0.95);
    expect(m.lungs.right.volumeMl / truth.lungs.right.volumeMl).toBeLessThan(1.25);
    expect(m.lungs.left.volumeMl / truth.lungs.left.volumeMl).toBeGreaterThan(0.95);
    expect(m.lungs.left.volumeMl / truth.lungs.left.volumeMl).toBeLessThan(1.25);
    // the band model marks HU -700..-250 as GGO: the phantom's GGO (-650..-300) is found
    expect(m.infection.groundGlassMl).toBeGreaterThan(0.5 * truth.infection.groundGlassOpacity.volumeMl);
    expect(m.severity.total).toBeGreaterThan(0);
    expect(m.severity.method).toMatch(/approximation/);
    const json = readFileSync(join(out, 'measurements.json'), 'utf8');
    expect(json).toContain(String(m.infection.lesionCount));
    expect(readFileSync(join(out, 'seg.dcm')).subarray(128, 132).toString('latin1')).toBe('DICM');
    expect(readFileSync(join(out, 'report.pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const marker = JSON.parse(readFileSync(join(out, DONE_MARKER), 'utf8')) as {
      modelSha256: string;
      files: string[];
    };
    expect(marker.modelSha256).toBe(model.manifest.sha256);
    expect(marker.files.sort()).toEqual(EXPORT_FILES);
    // The confidence map: on the CT's grid, 0 outside the lungs, the winning class's probability
    // (at least 1/3 of 255 with three classes) inside them.
    const lungs = decodeNifti(gunzipSync(readFileSync(join(out, 'lungs.nii.gz'))));
    const conf = decodeNifti(gunzipSync(readFileSync(join(out, 'infection-confidence.nii.gz'))));
    expect(conf.dims).toEqual(lungs.dims);
    let inside = 0;
    for (let v = 0; v < lungs.voxels.length; v++) {
      if (lungs.voxels[v] === 0) expect(conf.voxels[v]).toBe(0);
      else {
        inside++;
        expect(conf.voxels[v]).toBeGreaterThanOrEqual(85);
      }
    }
    expect(inside).toBeGreaterThan(1000);
  });

  it('writes only the formats asked for and prints a readable summary without --json', async () => {
    const out = join(root, 'csv-only');
    const r = await runOpal(
      ['segment', phantomDir, '--out', out, '--format', 'csv,json', '--threads', '1'],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/infection [\d.]+ mL .*severity \d+\/30/);
    expect(filesUnder(out)).toEqual([DONE_MARKER, 'lesions.csv', 'measurements.csv', 'measurements.json'].sort());
  });

  it('refuses a model whose file does not match its manifest, before touching the output folder', async () => {
    // a models folder of its own, so the default model of the other tests stays the good one
    const other = makeTestModel(join(root, 'tampered-models'), { name: 'tampered' });
    const bad = JSON.parse(readFileSync(other.manifestPath, 'utf8')) as Record<string, unknown>;
    bad.sha256 = 'a'.repeat(64);
    writeFileSync(other.manifestPath, JSON.stringify(bad));
    const out = join(root, 'tampered');
    const r = await runOpal(['segment', phantomDir, '--out', out], { OPAL_MODELS_DIR: other.modelsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_MODEL_HASH');
    expect(existsSync(out)).toBe(false);
  });

  it('reports a missing model as E_MODEL_MISSING', async () => {
    const r = await runOpal(
      ['segment', phantomDir, '--out', join(root, 'nomodel'), '--model', 'no-such-model'],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_MODEL_MISSING');
  });

  it('fails with E_WRITE_FAILED when the output folder cannot be created, leaving nothing behind', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const r = await runOpal(
      ['segment', phantomDir, '--out', join(file, 'out'), '--format', 'json', '--threads', '1'],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_WRITE_FAILED');
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('rejects an unknown export format with E_BAD_ARGUMENT', async () => {
    const r = await runOpal(
      ['segment', phantomDir, '--out', join(root, 'badfmt'), '--format', 'seg,tiff'],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_BAD_ARGUMENT');
  });
});

describe('opal segment --batch', () => {
  it('segments every study, logs one line per study, continues past a bad one and skips finished ones on the next run', async () => {
    const second = join(root, 'phantom-link');
    if (!existsSync(second)) symlinkSync(phantomDir, second);
    const list = join(root, 'list.txt');
    writeFileSync(list, `# cohort\n${phantomDir}\n\n${second}\n${join(root, 'does-not-exist')}\n`);
    const out = join(root, 'batch');
    const args = ['segment', '--batch', list, '--out', out, '--format', 'json,csv', '--threads', '1'];
    const first = await runOpal(args, env);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/\[1\/3\] .*infection [\d.]+ mL/);
    expect(first.stderr).toMatch(/\[3\/3\] .*FAILED E_NOT_FOUND/);
    for (const s of [phantomDir, second])
      expect(existsSync(join(out, studyFolderName(s), DONE_MARKER))).toBe(true);
    const again = await runOpal(args, env);
    expect(again.stderr).toMatch(/\[1\/3\] .*already done, skipped/);
    expect(again.stderr).toMatch(/\[2\/3\] .*already done, skipped/);
  });

  it('stops cleanly on Ctrl-C: finished studies stay, no half-written file, and the next run resumes', async () => {
    const links = [1, 2, 3].map((i) => join(root, `int-${i}`));
    for (const l of links) if (!existsSync(l)) symlinkSync(phantomDir, l);
    const list = join(root, 'int-list.txt');
    writeFileSync(list, links.join('\n'));
    const out = join(root, 'interrupted');
    const args = ['segment', '--batch', list, '--out', out, '--format', 'json,csv,nifti', '--threads', '1'];
    let sent = false;
    const r = await runOpal(args, env, {
      onStderr: (chunk, kill) => {
        if (!sent && chunk.includes('[1/3]')) {
          sent = true;
          kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('run the same command again to resume');
    const all = filesUnder(out);
    expect(all.filter((f) => f.endsWith('.tmp') || f.includes('.staging'))).toEqual([]);
    expect(existsSync(join(out, studyFolderName(links[0]), DONE_MARKER))).toBe(true);
    // any study folder without a marker holds no export at all (exports are all or nothing)
    for (const l of links.slice(1)) {
      const dir = join(out, studyFolderName(l));
      const files = filesUnder(dir);
      if (!files.includes(DONE_MARKER)) expect(files).toEqual([]);
    }
    const resumed = await runOpal(args, env);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/\[1\/3\] .*already done, skipped/);
    for (const l of links) expect(existsSync(join(out, studyFolderName(l), DONE_MARKER))).toBe(true);
  });
});

describe('opal segment on shared data', () => {
  const headCt = sharedData('dicom', 'gantry-tilt');
  it.skipIf(!headCt)(
    headCt
      ? 'refuses the gantry-tilted head CT with the loader’s coded reason, writing nothing'
      : skipNote('gantry-tilt'),
    async () => {
      const out = join(root, 'head');
      const r = await runOpal(['segment', headCt!, '--out', out, '--threads', '1'], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('E_GANTRY_TILT');
      expect(filesUnder(out)).toEqual([]);
    },
  );

  const mr = sharedData('dicom', 'malformed', 'MR_small_padded.dcm');
  it.skipIf(!mr)(
    mr ? 'refuses an MR image with E_NOT_CT' : skipNote('malformed/MR_small_padded.dcm'),
    async () => {
      const r = await runOpal(['segment', mr!, '--out', join(root, 'mr'), '--threads', '1'], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('E_NOT_CT');
    },
  );

  const lidc = sharedData('dicom', 'lidc-idri-0001');
  it.skipIf(!lidc)(
    lidc ? 'segments lidc-idri-0001: two lungs of 3-8 L and every export' : skipNote('lidc-idri-0001'),
    async () => {
      const out = join(root, 'lidc');
      const r = await runOpal(['segment', lidc!, '--out', out, '--json', '--threads', '2'], env);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as SegmentSummary;
      expect(s.measurements.lungs.totalVolumeMl).toBeGreaterThan(3000);
      expect(s.measurements.lungs.totalVolumeMl).toBeLessThan(8000);
      expect(s.measurements.lungs.right.volumeMl).toBeGreaterThan(1000);
      expect(s.measurements.lungs.left.volumeMl).toBeGreaterThan(1000);
      expect(filesUnder(out)).toEqual([DONE_MARKER, ...EXPORT_FILES].sort());
    },
  );
});
