/**
 * Issue 17's acceptance, at test size: a folder of 1000 files with 10 hostile ones among them scans
 * (`opal info`, the built CLI, as it ships) within 2x the time of the same folder without them.
 * Medians of three runs each, alternating, so that the load of the machine falls on both.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missing } from '../fixtures/requireData.ts';
import { repoRoot } from '../fixtures/sharedData.ts';
import { hostileScanFiles } from './hostileFiles.ts';
import { axialSeries, ctSlice } from './syntheticDicom.ts';

const cli = join(repoRoot, 'out', 'cli', 'opal.mjs');
const built = existsSync(cli) && existsSync(join(repoRoot, 'out', 'workers', 'scanWorker.mjs'));
const root = mkdtempSync(join(tmpdir(), 'opal-scan-stall-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function info(dir: string): { ms: number; json: { series: { dims: number[] }[]; skipped: { path: string; code: string }[] } } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'info', dir, '--json'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`opal info failed: ${r.stderr}`);
  return { ms, json: JSON.parse(r.stdout) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('a folder with hostile files scans within 2x of the same folder without them', () => {
  it.skipIf(missing(built, 'the built app (npm run build: out/cli/opal.mjs and out/workers/scanWorker.mjs)'))('1000 files + 10 hostile vs 1000 files (opal info, built)', () => {
    const clean = join(root, 'clean');
    const dirty = join(root, 'dirty');
    mkdirSync(clean);
    mkdirSync(dirty);
    for (const f of axialSeries(1000)) {
      writeFileSync(join(clean, f.name), f.bytes);
      writeFileSync(join(dirty, f.name), f.bytes);
    }
    const hostile = hostileScanFiles(ctSlice({ sopUid: '8.8.8', rows: 64, columns: 64 }));
    for (const h of hostile) writeFileSync(join(dirty, h.name), h.bytes);
    const times = { clean: [] as number[], dirty: [] as number[] };
    let last: ReturnType<typeof info> | undefined;
    for (let rep = 0; rep < 3; rep++) {
      times.clean.push(info(clean).ms);
      last = info(dirty);
      times.dirty.push(last.ms);
    }
    const json = (last as ReturnType<typeof info>).json;
    expect(json.series.map((s) => s.dims)).toEqual([[4, 4, 1000]]);
    expect(json.skipped.map((s) => s.path.slice(dirty.length + 1)).sort()).toEqual(hostile.map((h) => h.name).sort());
    console.log(`scan of 1000 files: clean ${times.clean.map(Math.round).join('/')} ms, with 10 hostile ${times.dirty.map(Math.round).join('/')} ms`);
    expect(median(times.dirty)).toBeLessThan(2 * median(times.clean));
  }, 600_000);
});
