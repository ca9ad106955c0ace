import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { makeFolder } from '../../main/fs/makeFolder.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OpalError } from '../../common/errors/index.ts';
import type { BenchContext, BenchResult, BenchSection } from './BenchSection.ts';

const run = promisify(execFile);
const childScript = fileURLToPath(new URL('./loadingBenchChild.ts', import.meta.url));
const opalEntry = fileURLToPath(new URL('../opal.mjs', import.meta.url));
const MB = 1024 * 1024;

type WritePhantomSeries = (outDir: string, opts: { seed?: number; slices?: number; size?: number }) => Promise<{ files: string[] }>;

/** The phantom writer (electron/main/phantom, nifti's work); imported by path until it is in main. */
async function phantomWriter(): Promise<WritePhantomSeries> {
  const modulePath = '../../main/phantom/index.ts';
  try {
    return ((await import(modulePath)) as { writePhantomSeries: WritePhantomSeries }).writePhantomSeries;
  } catch {
    throw new OpalError('E_INTERNAL', 'The loading bench needs the phantom writer (electron/main/phantom), which is not in this build.');
  }
}

async function timed(cmd: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const { stdout } = await run(cmd, args, { maxBuffer: 64 * MB });
  return { ms: performance.now() - t0, stdout };
}

async function rawRead(files: string[]): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  let bytes = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < files.length) {
        const b = await readFile(files[next++]);
        bytes += b.byteLength;
      }
    }),
  );
  return { ms: performance.now() - t0, bytes };
}

async function hasDcm2niix(): Promise<boolean> {
  try {
    await run('dcm2niix', ['-v']);
    return true;
  } catch (e) {
    // dcm2niix -v exits non-zero on some versions but prints its version: it exists unless ENOENT.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Loading a 300-slice 512x512 uncompressed CT (the phantom) against a raw read of the same files
 * (warm cache), peak RSS of a process that only loads it against the volume's size, and `opal
 * convert` against dcm2niix on the same series, all in one run.
 */
export const loadingBench: BenchSection = {
  name: 'loading',
  description: 'DICOM series load vs raw file read; peak RSS vs volume size; opal convert vs dcm2niix',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const slices = ctx.quick ? 60 : 300;
    const size = ctx.quick ? 256 : 512;
    const dir = join(ctx.workDir, 'loading-phantom');
    ctx.log(`writing a ${slices}-slice ${size}x${size} phantom series`);
    const writePhantomSeries = await phantomWriter();
    const { files } = await writePhantomSeries(dir, { seed: 7, slices, size });

    // Warm the page cache, then time a plain read of all bytes.
    await rawRead(files);
    const raw = await rawRead(files);
    ctx.log(`raw read ${raw.bytes} bytes in ${raw.ms.toFixed(0)} ms`);

    const node = process.execPath;
    const childArgs = (mode: string): string[] => ['--import', 'tsx', childScript, mode, dir];
    const base = JSON.parse((await timed(node, childArgs('baseline'))).stdout) as { maxRssBytes: number };
    const load = JSON.parse((await timed(node, childArgs('load'))).stdout) as { loadMs: number; volumeBytes: number; maxRssBytes: number };
    const raw2 = await rawRead(files);
    const rawMs = Math.min(raw.ms, raw2.ms);
    ctx.log(`load ${load.loadMs.toFixed(0)} ms, peak RSS ${(load.maxRssBytes / MB).toFixed(0)} MiB`);

    const rows: BenchResult['rows'] = [
      { measure: 'raw read of the files (warm cache)', value: rawMs, unit: 'ms', ratio: 1 },
      { measure: 'loadVolumeFromPath (scan + parse + HU volume)', value: load.loadMs, unit: 'ms', ratio: load.loadMs / rawMs },
      { measure: 'volume size in memory', value: load.volumeBytes / MB, unit: 'MiB', ratio: 1 },
      { measure: 'peak RSS of a process that loads it', value: load.maxRssBytes / MB, unit: 'MiB', ratio: load.maxRssBytes / load.volumeBytes },
      { measure: 'peak RSS minus Node+modules baseline', value: (load.maxRssBytes - base.maxRssBytes) / MB, unit: 'MiB', ratio: (load.maxRssBytes - base.maxRssBytes) / load.volumeBytes },
    ];

    const notes = [
      `${slices} slices of ${size}x${size} int16, ${(raw.bytes / MB).toFixed(0)} MiB of files; ratios: load time / raw read time, RSS / volume bytes (targets: <= 3x and <= 2.5x).`,
    ];
    if (await hasDcm2niix()) {
      const out = join(ctx.workDir, 'loading-out');
      await makeFolder(out);
      for (const gz of [true, false]) {
        const ext = gz ? '.nii.gz' : '.nii';
        const opal = await timed(node, [opalEntry, 'convert', dir, '--out', join(out, `opal${ext}`)]);
        const dcm = await timed('dcm2niix', ['-z', gz ? 'y' : 'n', '-o', out, '-f', `dcm2niix${gz ? 'gz' : ''}`, dir]);
        rows.push({ measure: `dcm2niix ${gz ? '-z y (.nii.gz, pigz)' : '-z n (.nii)'}`, value: dcm.ms, unit: 'ms', ratio: 1 });
        rows.push({ measure: `opal convert --out ${ext} (whole CLI run)`, value: opal.ms, unit: 'ms', ratio: opal.ms / dcm.ms });
      }
    } else {
      notes.push('dcm2niix not found: the convert comparison was skipped.');
    }
    return { title: `Loading a ${slices}-slice ${size}x${size} uncompressed CT series`, rows, notes };
  },
};
