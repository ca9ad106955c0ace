/**
 * Ctrl-C and kill -9 against the real `opal segment` (issue 17, point 4): interrupted at each stage
 * of the work (OPAL_TEST_TRACE=1 prints the stage) and in the middle of putting the exports in
 * place (OPAL_TEST_EXPORT_PAUSE_AT pauses before one step), it always exits 130 with a message that
 * matches what is on disk: "nothing was written" and no new file, or "after the exports were
 * complete" with the whole set and its done-marker. An earlier complete set survives an interrupted
 * run byte for byte. The output folder is refused before any work.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { studyFolderName } from '../../electron/cli/commands/segment.ts';
import { STAGING_PREFIX } from '../../electron/main/exports/commitExportSet.ts';
import { DONE_MARKER, doneMarkerSchema } from '../../electron/main/exports/doneMarker.ts';
import { writePhantomSeries } from '../../electron/main/phantom/index.ts';
import { repoRoot, testOutputDir } from '../fixtures/sharedData.ts';
import { makeTestModel } from './fixtures/testModel.ts';
import { runOpal, type CliRun } from './cli.ts';

const root = testOutputDir('engine-segment-interrupt');
let env: Record<string, string>;
let phantomDir: string;
const FORMATS = 'json,csv,nifti';

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const model = makeTestModel(root, { size: 64 });
  env = { OPAL_MODELS_DIR: model.modelsDir, OPAL_TEST_TRACE: '1' };
  phantomDir = join(root, 'phantom');
  await writePhantomSeries(phantomDir, { seed: 5, size: 96, slices: 24 });
});

/** Every entry under a folder (hidden ones included): relative path -> content hash or "folder". */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) {
        out[r] = 'folder';
        walk(p, r);
      } else out[r] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** The folder holds a done-marker and exactly the files it lists, with its hashes, and no staging folder. */
function expectCompleteSet(dir: string): void {
  const snap = snapshot(dir);
  const marker = doneMarkerSchema.parse(JSON.parse(readFileSync(join(dir, DONE_MARKER), 'utf8')));
  expect(marker.files.length).toBeGreaterThanOrEqual(5);
  for (const name of marker.files) expect(snap[name]).toBe(marker.sha256[name]);
  expect(Object.keys(snap).sort()).toEqual([DONE_MARKER, ...marker.files].sort());
}

/** Runs segment and sends SIGINT once `trigger` appears on stderr. */
async function interruptAt(out: string, trigger: string, extraEnv: Record<string, string> = {}): Promise<CliRun & { sent: boolean }> {
  let sent = false;
  let seen = '';
  const r = await runOpal(['segment', phantomDir, '--out', out, '--format', FORMATS, '--threads', '1'], { ...env, ...extraEnv }, {
    onStderr: (chunk, kill) => {
      seen += chunk;
      if (!sent && seen.includes(trigger)) {
        sent = true;
        kill('SIGINT');
      }
    },
  });
  return { ...r, sent };
}

/** Exit 130, and the last word matches the folder: nothing new, or the complete set. */
function expectHonestInterrupt(r: CliRun & { sent: boolean }, out: string, before: Record<string, string>): 'nothing' | 'complete' {
  expect(r.sent, r.stderr).toBe(true);
  expect(r.code, r.stderr).toBe(130);
  expect(r.stderr).toMatch(/opal: interrupted; stopping without writing anything more/);
  if (/opal: interrupted; nothing was written/.test(r.stderr)) {
    expect(snapshot(out)).toEqual(before);
    return 'nothing';
  }
  expect(r.stderr).toMatch(/opal: interrupted after the exports were complete \(\d+ files and the done-marker in /);
  expectCompleteSet(out);
  return 'complete';
}

describe('opal segment interrupted with Ctrl-C', () => {
  // Each stage of the work, then the first export step (staging) and the done-marker's step.
  const moments = [
    'opal-test: stage model',
    'opal-test: stage loading',
    'opal-test: stage lungs',
    'opal-test: stage inference',
    'opal-test: stage quantification',
    'opal-test: export step 1:',
    'put the done-marker in place',
  ];
  it.each(moments)('at "%s" exits 130, and what it says is what is on disk', async (moment) => {
    const out = join(root, `int-${moment.replace(/[^a-z0-9]+/gi, '-')}`);
    const r = await interruptAt(out, moment);
    const outcome = expectHonestInterrupt(r, out, {});
    // Before the exports started nothing can have been written.
    if (moment.includes('stage')) expect(outcome).toBe('nothing');
  });

  it('while the exports are being put in place rolls them back: nothing new, exit 130', async () => {
    const out = join(root, 'int-commit');
    // Steps: 1 staging folder, 2-7 six files staged, 8 journal, 9-14 six files put in place.
    const r = await interruptAt(out, 'paused before step 11:', { OPAL_TEST_EXPORT_PAUSE_AT: '11' });
    expect(r.stderr).toMatch(/opal-test: export step 10: put .* in place/);
    expect(expectHonestInterrupt(r, out, {})).toBe('nothing');
  });

  it('after the done-marker is in place says the exports are complete, exit 130', async () => {
    const out = join(root, 'int-after-commit');
    // 6 files: step 15 writes the marker, 16 puts it in place, 17 removes the staging folder.
    const r = await interruptAt(out, 'paused before step 17:', { OPAL_TEST_EXPORT_PAUSE_AT: '17' });
    expect(r.stderr).toMatch(/opal-test: export step 16: put the done-marker in place/);
    expect(expectHonestInterrupt(r, out, {})).toBe('complete');
  });

  it('over an earlier complete set, mid-commit, leaves the earlier set byte for byte', async () => {
    const out = join(root, 'int-over-earlier');
    const first = await runOpal(['segment', phantomDir, '--out', out, '--format', FORMATS, '--threads', '1'], env);
    expect(first.code, first.stderr).toBe(0);
    expectCompleteSet(out);
    const before = snapshot(out);
    // With an earlier set: 9 sets the old marker aside, then aside/put pairs; pause half-way.
    const r = await interruptAt(out, 'paused before step 14:', { OPAL_TEST_EXPORT_PAUSE_AT: '14' });
    expect(r.stderr).toMatch(/opal-test: export step 13: put .* in place/);
    expect(expectHonestInterrupt(r, out, before)).toBe('nothing');
  });
});

/** Runs `opal ...args` and sends SIGINT `afterMs` after it started. */
function interruptAfter(args: string[], afterMs: number): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repoRoot, 'electron', 'cli', 'opal.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), afterMs);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

// From 1.5 s on (Node runs OPAL's first line after ~0.5 s on an idle machine, later on a loaded one;
// before that the operating system's default applies: the process ends by the signal itself).
describe('Ctrl-C at a moment chosen by the clock', () => {
  it.each([1500, 4000])('segment interrupted %i ms after it started exits 130 with nothing or the complete set', async (ms) => {
    const out = join(root, `int-clock-${ms}`);
    const r = await interruptAfter(['segment', phantomDir, '--out', out, '--format', FORMATS, '--threads', '1'], ms);
    // On a fast machine the run can be over (or exiting) when the signal comes: then it is no
    // interrupt, and the complete set must be there.
    if (r.code === 0 || (r.signal === 'SIGINT' && /remove the staging folder/.test(r.stderr))) {
      expectCompleteSet(out);
      return;
    }
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(130);
    expect(r.stderr).toMatch(/opal: interrupted/);
    if (existsSync(join(out, DONE_MARKER))) expectCompleteSet(out);
    else expect(snapshot(out)).toEqual({});
  });

  it.each([1500, 2500])('convert interrupted %i ms after it started exits 130 with no file or the whole file', async (ms) => {
    const dir = join(root, `convert-clock-${ms}`);
    mkdirSync(dir, { recursive: true });
    const r = await interruptAfter(['convert', phantomDir, '--out', join(dir, 'ct.nii.gz')], ms);
    const left = readdirSync(dir);
    // Finished before the signal came (a fast machine): no interrupt, the whole file.
    if (r.code === 0) {
      expect(left).toEqual(['ct.nii.gz']);
      expect(gunzipSync(readFileSync(join(dir, 'ct.nii.gz'))).byteLength).toBeGreaterThan(348);
      return;
    }
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(130);
    if (left.length > 0) {
      expect(left).toEqual(['ct.nii.gz']);
      expect(r.stderr).toMatch(/interrupted after .*ct\.nii\.gz was written whole/);
      expect(gunzipSync(readFileSync(join(dir, 'ct.nii.gz'))).byteLength).toBeGreaterThan(348);
    } else expect(r.stderr).toMatch(/opal: interrupted/);
  });
});

describe('opal segment killed with SIGKILL while putting the exports in place', () => {
  it('the next run rolls back the half-placed files, says so, and writes the complete set', async () => {
    const out = join(root, 'kill-single');
    let killed = false;
    const r = await runOpal(['segment', phantomDir, '--out', out, '--format', FORMATS, '--threads', '1'], { ...env, OPAL_TEST_EXPORT_PAUSE_AT: '12' }, {
      onStderr: (chunk, kill) => {
        if (!killed && chunk.includes('paused before step 12:')) {
          killed = true;
          kill('SIGKILL');
        }
      },
    });
    expect(r.signal).toBe('SIGKILL');
    const left = snapshot(out);
    expect(left[DONE_MARKER]).toBeUndefined(); // no marker: not a finished set
    expect(Object.keys(left).some((p) => p.startsWith(STAGING_PREFIX))).toBe(true);
    const next = await runOpal(['segment', phantomDir, '--out', out, '--format', FORMATS, '--threads', '1'], env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/opal: note: an earlier export into .* was interrupted: its half-placed files were removed/);
    expectCompleteSet(out);
  });

  it('--batch treats the killed study as unfinished, cleans its folder and redoes it', async () => {
    const links = [1, 2].map((i) => join(root, `kill-batch-study-${i}`));
    for (const l of links) if (!existsSync(l)) symlinkSync(phantomDir, l);
    const list = join(root, 'kill-batch.txt');
    writeFileSync(list, links.join('\n'));
    const out = join(root, 'kill-batch');
    const args = ['segment', '--batch', list, '--out', out, '--format', FORMATS, '--threads', '1'];
    let killed = false;
    const r = await runOpal(args, { ...env, OPAL_TEST_EXPORT_PAUSE_AT: '13' }, {
      onStderr: (chunk, kill) => {
        if (!killed && chunk.includes('paused before step 13:')) {
          killed = true;
          kill('SIGKILL');
        }
      },
    });
    expect(r.signal).toBe('SIGKILL');
    const first = join(out, studyFolderName(links[0]));
    expect(existsSync(join(first, DONE_MARKER))).toBe(false);
    const again = await runOpal(args, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/\[1\/2\] .*: note: an earlier export into .* was interrupted/);
    expect(again.stderr).not.toMatch(/already done/);
    for (const l of links) expectCompleteSet(join(out, studyFolderName(l)));
    // A study whose listed file went missing is not finished either.
    rmSync(join(out, studyFolderName(links[1]), 'lesions.csv'));
    const third = await runOpal(args, env);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/\[1\/2\] .*already done, skipped/);
    expect(third.stderr).not.toMatch(/\[2\/2\] .*already done/);
    for (const l of links) expectCompleteSet(join(out, studyFolderName(l)));
  });
});

describe('the output folder is checked before any work', () => {
  it.each([
    ['a file in its place', () => {
      const f = join(root, 'plain-file');
      writeFileSync(f, 'x');
      return f;
    }],
    ['a folder inside /proc', () => '/proc/opal-out'],
    ['/proc itself', () => '/proc'],
  ])('refuses %s with E_WRITE_FAILED (exit 2) before loading the model or the study', async (_what, target) => {
    const r = await runOpal(['segment', phantomDir, '--out', target(), '--threads', '1'], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/opal: E_WRITE_FAILED: The output folder .* cannot be used/);
    expect(r.stderr).not.toMatch(/opal-test: stage/);
  });

  it('refuses it in --batch before the first study', async () => {
    const list = join(root, 'check-batch.txt');
    writeFileSync(list, phantomDir);
    const r = await runOpal(['segment', '--batch', list, '--out', '/proc/opal-batch', '--threads', '1'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_WRITE_FAILED/);
    expect(r.stderr).not.toMatch(/opal-test: stage/);
  });

  it('opal convert refuses an output it cannot write before loading the series', async () => {
    const r = await runOpal(['convert', phantomDir, '--out', '/proc/opal/ct.nii.gz'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_WRITE_FAILED: The output folder \/proc\/opal cannot be used/);
  });
});
