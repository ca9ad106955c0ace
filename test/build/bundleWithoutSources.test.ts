import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sharedData, skipNote } from '../fixtures/sharedData.ts';
import { useTempDirs } from '../fixtures/tempDirs.ts';
import { ensureAppBuilt, outDir } from '../host/builtApp.ts';

const tempDir = useTempDirs();
const ALL_FILES = ['seg.dcm', 'infection.nii.gz', 'lungs.nii.gz', 'infection-confidence.nii.gz', 'measurements.json', 'measurements.csv', 'lesions.csv', 'report.pdf'];

/**
 * `npm run build`, then the app without its TypeScript: out/, models/, package.json and the
 * installed node_modules (a symlink) in a fresh folder, as in a checkout whose electron/ and
 * renderer/src/ were deleted after building. What ships must run from there.
 */
let app: string;
beforeAll(async () => {
  await ensureAppBuilt();
  app = tempDir('opal-built-app-');
  cpSync(outDir, join(app, 'out'), { recursive: true });
  cpSync(join(repoRoot, 'models', 'manifests'), join(app, 'models', 'manifests'), { recursive: true });
  for (const f of readdirSync(join(repoRoot, 'models'))) if (f.endsWith('.onnx')) cpSync(join(repoRoot, 'models', f), join(app, 'models', f));
  cpSync(join(repoRoot, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(app, 'node_modules'), 'dir');
}, 300_000);

function opal(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((ok, fail) => {
    const env = { ...process.env };
    delete env.OPAL_MODELS_DIR; // the models must come from the app itself
    delete env.NODE_OPTIONS; // no loader of the test runner
    const child = spawn(process.execPath, [join(app, 'out', 'cli', 'opal.mjs'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) => ok({ code, out }));
  });
}

interface SegmentJson {
  files: { path: string; format: string }[];
  model: { name: string; executionProvider: string };
}

describe('the built app without its sources', () => {
  it('has no TypeScript sources to fall back on', () => {
    expect(existsSync(join(app, 'electron'))).toBe(false);
    expect(existsSync(join(app, 'renderer'))).toBe(false);
    expect(readdirSync(join(app, 'out', 'workers')).sort()).toEqual(['decodeWorker.mjs', 'decodeWorker.mjs.map', 'inferenceWorker.mjs', 'inferenceWorker.mjs.map', 'lungMaskWorker.mjs', 'lungMaskWorker.mjs.map', 'scanWorker.mjs', 'scanWorker.mjs.map']);
  });

  it('segments the phantom with node out/cli/opal.mjs and writes every format, with the model from the app folder', async () => {
    const work = tempDir('opal-built-phantom-');
    const phantom = await opal(['phantom', '--out', join(work, 'ct'), '--size', '96', '--slices', '16'], work);
    expect(phantom.code, phantom.out).toBe(0);
    const r = await opal(['segment', join(work, 'ct'), '--out', join(work, 'out'), '--threads', '1', '--json'], work);
    expect(r.code, r.out).toBe(0);
    const result = JSON.parse(r.out) as SegmentJson;
    expect(result.files.map((f) => f.path.split(/[\\/]/).pop())).toEqual(expect.arrayContaining(ALL_FILES));
    expect(result.model.executionProvider).toBe('cpu');
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'models', 'manifests', readdirSync(join(repoRoot, 'models', 'manifests')).find((f) => f !== 'default.json')!), 'utf8')) as { name: string };
    expect(result.model.name).toBe(manifest.name);
    for (const f of ALL_FILES) expect(existsSync(join(work, 'out', f)), f).toBe(true);
  });

  const jpegLs = sharedData('dicom', 'transfer-syntaxes', 'CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm');
  it.skipIf(!jpegLs)(jpegLs ? 'segments a JPEG-LS image, decoded by the bundled decode worker with the CharLS WASM codec' : skipNote('the JPEG-LS check'), async () => {
    const work = tempDir('opal-built-jpegls-');
    const r = await opal(['segment', jpegLs!, '--out', join(work, 'out'), '--threads', '1', '--json'], work);
    expect(r.code, r.out).toBe(0);
    const result = JSON.parse(r.out) as SegmentJson;
    expect(result.files.map((f) => f.path.split(/[\\/]/).pop())).toEqual(expect.arrayContaining(ALL_FILES));
  });
});
