/**
 * Fault injection for the export commit (issue 17, point 6): every step of writing a set of
 * exports is failed in turn (a torn write with ENOSPC, an EIO on a rename), cancelled in turn, and
 * killed in turn (a child process paused before the step by OPAL_TEST_EXPORT_PAUSE_AT, then
 * SIGKILL), into an empty folder and into one that holds an earlier complete set. After each, the
 * folder holds either the complete new set with its done-marker or exactly what it held before,
 * and no staging folder (for a killed run: once the next run has checked the folder, as every
 * `opal segment`, `--batch` study and app export does before its work).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOpalError } from '../../electron/common/errors/index.ts';
import { checkOutputFolder } from '../../electron/main/exports/checkOutputFolder.ts';
import { STAGING_PREFIX } from '../../electron/main/exports/commitExportSet.ts';
import { DONE_MARKER, doneMarkerSchema } from '../../electron/main/exports/doneMarker.ts';
import type { ExportStep } from '../../electron/main/exports/exportFileSystem.ts';
import { injectFault } from '../../electron/main/exports/exportTestHooks.ts';
import { encodeExports, writeEncodedExports, writeExports, type EncodedFile, type ExportRequest } from '../../electron/main/exports/writeExports.ts';
import { missing } from '../fixtures/requireData.ts';
import { repoRoot } from '../fixtures/sharedData.ts';
import { sampleMeasurements, sampleModel } from './sampleMeasurements.ts';
import { syntheticStudy } from './syntheticStudy.ts';

const scratch = mkdtempSync(join(tmpdir(), 'opal-export-faults-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(scratch, `out-${++n}`);

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** Every entry under a folder (hidden ones and staging folders included): path -> content hash or "folder". */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) {
        out[r] = 'folder';
        walk(p, r);
      } else out[r] = sha(readFileSync(p));
    }
  };
  walk(dir, '');
  return out;
}

/** The folder holds exactly `files` plus their done-marker, which lists them with the right hashes. */
function expectCompleteSet(dir: string, files: EncodedFile[]): void {
  const marker = doneMarkerSchema.parse(JSON.parse(readFileSync(join(dir, DONE_MARKER), 'utf8')));
  expect(marker.files).toEqual(files.map((f) => f.name));
  const snap = snapshot(dir);
  expect(Object.keys(snap).sort()).toEqual([DONE_MARKER, ...files.map((f) => f.name)].sort());
  for (const f of files) {
    expect(snap[f.name]).toBe(sha(f.data));
    expect(marker.sha256[f.name]).toBe(sha(f.data));
  }
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isOpalError(e) ? e.code : `not an OpalError: ${String(e)}`;
  }
  return undefined;
}

let oldFiles: EncodedFile[];
let newFiles: EncodedFile[];
let filesDir: string;

beforeAll(async () => {
  const s = syntheticStudy();
  const request = (generatedAt: string): ExportRequest => ({
    volume: s.volume,
    lungs: s.lungs,
    infection: s.infection,
    measurements: sampleMeasurements(s),
    model: sampleModel,
    formats: ['nifti', 'json', 'csv'],
    generatedAt: new Date(generatedAt),
  });
  // Two runs of the same study: the JSON and CSV differ (time stamp), the NIfTI masks are the same
  // bytes (a file replaced by an identical one must be rolled back as carefully as any other).
  oldFiles = await encodeExports(request('2026-01-01T00:00:00Z'));
  newFiles = await encodeExports(request('2026-02-02T00:00:00Z'));
  expect(newFiles.map((f) => f.name)).toEqual(['infection.nii.gz', 'lungs.nii.gz', 'measurements.json', 'measurements.csv', 'lesions.csv']);
  expect(sha(newFiles[2].data)).not.toBe(sha(oldFiles[2].data));
  filesDir = join(scratch, 'encoded');
  mkdirSync(filesDir);
  // The child sorts the names; write them so that its set is newFiles in name order.
  for (const f of newFiles) writeFileSync(join(filesDir, f.name), f.data);
});

const byName = (files: EncodedFile[]): EncodedFile[] => [...files].sort((a, b) => (a.name < b.name ? -1 : 1));

const SCENARIOS = [
  // mkdir, 5 staged files, journal, 5 renames into place, marker write, marker rename, remove staging
  { name: 'into an empty folder', previous: false, steps: 15 },
  // ... and the earlier marker and 5 earlier files set aside first
  { name: 'over an earlier complete set', previous: true, steps: 21 },
];

describe.each(SCENARIOS)('an export $name', ({ previous, steps }) => {
  async function prepared(): Promise<{ dir: string; before: Record<string, string> }> {
    const dir = freshDir();
    if (previous) await writeEncodedExports(dir, oldFiles);
    else mkdirSync(dir);
    return { dir, before: snapshot(dir) };
  }

  it('that fails at any step (torn write with ENOSPC, EIO on a rename) leaves the folder exactly as it was, and the marker step makes it complete', async () => {
    const seen: string[] = [];
    for (let k = 1; k <= steps; k++) {
      const { dir, before } = await prepared();
      let failed: ExportStep | undefined;
      const code = await codeOf(
        writeEncodedExports(dir, newFiles, {
          hooks: {
            beforeStep: (s) => {
              if (s.index !== k) return;
              failed = s;
              return injectFault(s);
            },
          },
        }),
      );
      expect(failed?.index).toBe(k);
      seen.push(`${k} ${failed!.kind} ${failed!.label}`);
      if (failed!.kind === 'remove') {
        // After the commit point: the set is complete; only the cleanup failed.
        expect(code).toBeUndefined();
        const { recovered } = await checkOutputFolder(dir);
        expect(recovered.map((r) => r.outcome)).toEqual(['committed']);
        expectCompleteSet(dir, newFiles);
      } else {
        expect(code).toBe('E_WRITE_FAILED');
        expect(snapshot(dir)).toEqual(before);
      }
    }
    expect(seen[steps - 2]).toMatch(/put the done-marker in place/);
    expect(seen).toHaveLength(steps);
    // With no fault, the whole set and its marker.
    const { dir } = await prepared();
    await writeEncodedExports(dir, newFiles);
    expectCompleteSet(dir, newFiles);
  });

  it('that is cancelled (Ctrl-C) before any step rolls back to the folder as it was, with E_CANCELLED', async () => {
    for (let k = 1; k < steps; k++) {
      const { dir, before } = await prepared();
      const controller = new AbortController();
      const code = await codeOf(
        writeEncodedExports(dir, newFiles, {
          signal: controller.signal,
          hooks: { beforeStep: (s) => void (s.index === k && controller.abort()) },
        }),
      );
      expect(code).toBe('E_CANCELLED');
      expect(snapshot(dir)).toEqual(before);
    }
  });

  it('that is killed (SIGKILL) before any step leaves a marker only beside the files it lists, and the next run restores the folder or keeps the complete set', async () => {
    for (let k = 1; k <= steps + 1; k++) {
      const { dir, before } = await prepared();
      const run = await runChild(dir, { OPAL_TEST_EXPORT_PAUSE_AT: String(k) }, `paused before step ${k}:`);
      if (k > steps) {
        // No step k: the child ran to the end.
        expect(run.killed).toBe(false);
        expect(run.stdout).toMatch(/^committed /m);
        expectCompleteSet(dir, byName(newFiles));
        break;
      }
      expect(run.killed, `step ${k}: ${run.stderr}`).toBe(true);
      // Right after the kill: whatever marker is there describes exactly the files beside it.
      const placed = snapshot(dir);
      if (placed[DONE_MARKER]) {
        const marker = doneMarkerSchema.parse(JSON.parse(readFileSync(join(dir, DONE_MARKER), 'utf8')));
        for (const name of marker.files) expect(placed[name], `step ${k}: ${name}`).toBe(marker.sha256[name]);
      }
      // The next run checks the folder first: the killed commit is rolled back or, when its
      // marker was in place, kept; its staging folder is gone either way.
      const { recovered } = await checkOutputFolder(dir);
      expect(recovered.length, `step ${k}`).toBe(k === 1 ? 0 : 1);
      expect(Object.keys(snapshot(dir)).filter((p) => p.startsWith(STAGING_PREFIX))).toEqual([]);
      if (recovered[0]?.outcome === 'committed') {
        expect(k).toBe(steps); // killed before removing the staging folder, after the commit
        expectCompleteSet(dir, byName(newFiles));
      } else expect(snapshot(dir), `step ${k}`).toEqual(before);
      // ... and then writes its own set.
      await writeEncodedExports(dir, newFiles);
      expectCompleteSet(dir, newFiles);
    }
  });
});

/** Root on Linux may mount a small tmpfs: a real disk that fills up. */
function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'opal-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

describe('an export onto a disk that is really full (a small tmpfs)', () => {
  it.skipIf(missing(canMountTmpfs(), 'root permission to mount a tmpfs'))(
    'fails with E_WRITE_FAILED (no space left) at whichever write the space runs out, leaving the earlier set byte for byte, until there is room for the whole set',
    async () => {
      const mnt = join(scratch, 'tmpfs');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]);
      try {
        const dir = join(mnt, 'out');
        await writeEncodedExports(dir, oldFiles);
        const before = snapshot(dir);
        const filler = join(mnt, 'filler');
        const outcomes: string[] = [];
        for (let freeBlocks = 0; freeBlocks <= 16; freeBlocks++) {
          rmSync(filler, { force: true });
          const fsStat = statfsSync(mnt);
          writeFileSync(filler, Buffer.alloc(Math.max(0, (fsStat.bavail - freeBlocks) * fsStat.bsize)));
          let message = '';
          const code = await codeOf(
            writeEncodedExports(dir, newFiles).catch((e: unknown) => {
              message = e instanceof Error ? e.message : '';
              throw e;
            }),
          );
          if (code === undefined) {
            outcomes.push(`complete with ${freeBlocks} blocks free`);
            break;
          }
          expect(code).toBe('E_WRITE_FAILED');
          expect(message).toMatch(/no space left on device/i);
          expect(snapshot(dir)).toEqual(before);
          outcomes.push(`ENOSPC with ${freeBlocks} blocks free`);
        }
        // The set needs 8 blocks (5 files, the json 2, the journal, the marker): several writes failed for real.
        expect(outcomes.filter((o) => o.startsWith('ENOSPC')).length).toBeGreaterThanOrEqual(4);
        expect(outcomes.at(-1)).toMatch(/^complete/);
        rmSync(filler, { force: true });
        expectCompleteSet(dir, newFiles);
      } finally {
        execFileSync('umount', [mnt]);
      }
    },
  );
});

describe('writeExports', () => {
  it('refuses an output folder it cannot write (inside /proc) before encoding anything', async () => {
    // Masks of the wrong size would fail encoding with E_BAD_ARGUMENT: the folder is refused first.
    const s = syntheticStudy();
    const req: ExportRequest = { volume: s.volume, lungs: s.lungs.subarray(1), infection: s.infection, measurements: sampleMeasurements(s), model: sampleModel, formats: ['json'] };
    expect(await codeOf(writeExports('/proc/opal-out', req))).toBe('E_WRITE_FAILED');
    expect(await codeOf(writeExports(join(scratch, 'fine'), req))).toBe('E_BAD_ARGUMENT');
  });
});

describe('the next run after a killed one', () => {
  it('removes the staging folder an older OPAL left (.opal-export-*), and leaves the staging folder of a run still going', async () => {
    const dir = freshDir();
    await writeEncodedExports(dir, oldFiles);
    const before = snapshot(dir);
    mkdirSync(join(dir, '.opal-export-Ab12Cd'));
    writeFileSync(join(dir, '.opal-export-Ab12Cd', 'seg.dcm'), 'half a file');
    // A live process of this machine: its staging folder is in use.
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);
    const live = `${STAGING_PREFIX}${host}-${sleeper.pid}-0123abcd`;
    mkdirSync(join(dir, live));
    try {
      const { recovered } = await checkOutputFolder(dir);
      expect(recovered.map((r) => r.outcome)).toEqual(['discarded']);
      expect(Object.keys(snapshot(dir)).filter((p) => !p.startsWith(live))).toEqual(Object.keys(before));
      expect(statSync(join(dir, live)).isDirectory()).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('finishes the roll-back itself when run as a child after the kill (the staging folder of a dead process is taken as abandoned)', async () => {
    const dir = freshDir();
    await writeEncodedExports(dir, oldFiles);
    const before = snapshot(dir);
    // Paused (and killed) after two of the new files are in place (steps 1-7 stage, 8 sets the marker aside).
    const run = await runChild(dir, { OPAL_TEST_EXPORT_PAUSE_AT: '13' }, 'paused before step 13:');
    expect(run.killed).toBe(true);
    const partial = snapshot(dir);
    expect(partial[DONE_MARKER]).toBeUndefined();
    expect(Object.keys(partial).some((p) => p.startsWith(STAGING_PREFIX))).toBe(true);
    const next = await runChild(dir, {}, undefined);
    expect(next.stdout).toMatch(/^recovered rolled-back\ncommitted /);
    expectCompleteSet(dir, byName(newFiles));
    expect(before[DONE_MARKER]).toBeDefined();
  });
});

interface ChildRun {
  killed: boolean;
  stdout: string;
  stderr: string;
}

/** Runs commitChild.ts; when `pauseLine` shows on stderr, kills it with SIGKILL. */
function runChild(outDir: string, env: Record<string, string>, pauseLine: string | undefined): Promise<ChildRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'exports', 'fixtures', 'commitChild.ts'), outDir, filesDir], {
      cwd: repoRoot,
      env: { ...process.env, OPAL_TEST_EXPORT_PAUSE_AT: '', OPAL_TEST_EXPORT_FAIL_AT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (pauseLine && !killed && stderr.includes(pauseLine)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', fail);
    child.on('close', () => done({ killed, stdout, stderr }));
  });
}
