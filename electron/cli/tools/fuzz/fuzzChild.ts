/**
 * Child process of the fuzz harness (fuzz.ts): runs `opal info --json`, the loader (scan, then load
 * every loadable series, as the app does) and `opal convert` on each input of a batch, one after the
 * other, in this one process, so that Node and tsx start once per batch, not once per input.
 *
 * Protocol: one JSON line per event on file descriptor 3, written synchronously before each stage
 * starts, so that when this process dies or hangs the parent knows which input and stage did it.
 *   {"t":"stage","index":n,"stage":"info"}            a stage starts (peak RSS was reset)
 *   {"t":"done","index":n,"stage":"info","outcome":…} a stage ended
 * Usage: node --import tsx fuzzChild.ts <jobs.json> <scratch dir>
 */
import { readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../main.ts';
import { isOpalError } from '../../../common/errors/index.ts';
import { scanPath } from '../../../main/studies/scan.ts';
import { loadScannedSeries } from '../../../main/studies/loadVolume.ts';
import type { StageName, StageOutcome } from './fuzzTypes.ts';

interface Job {
  index: number;
  path: string;
}

const PROTOCOL_FD = 3;

function send(msg: object): void {
  writeSync(PROTOCOL_FD, JSON.stringify(msg) + '\n');
}

/** Resets the kernel's peak-RSS mark of this process (Linux); false where that is not possible. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: the process-wide maximum below
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Runs the CLI in this process, with its stdout and stderr captured. */
async function cli(args: string[]): Promise<{ exit: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    process.exitCode = undefined;
    const exit = await runCli(['node', 'opal', ...args]);
    return { exit, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
  }
}

function firstInternal(codes: { code: string; message: string }[]): string | undefined {
  const hit = codes.find((c) => c.code === 'E_INTERNAL');
  return hit && `E_INTERNAL: ${hit.message}`;
}

/** A CLI's coded exit: its `opal: CODE:` line (E_INTERNAL there is an internal error all the same). */
function coded(stderr: string, exit: number): StageOutcome {
  const code = /opal: (E_[A-Z_]+)/.exec(stderr)?.[1];
  if (code === 'E_INTERNAL') return { kind: 'internal', message: stderr.trim().split('\n')[0] };
  return { kind: 'coded', code: code ?? `exit ${exit}` };
}

async function info(path: string): Promise<StageOutcome> {
  const r = await cli(['info', path, '--json']);
  if (r.exit === 70) return { kind: 'internal', message: r.stderr.trim().split('\n')[0] };
  if (r.exit !== 0) return coded(r.stderr, r.exit);
  const json = JSON.parse(r.stdout) as { series: { warnings: { code: string; message: string }[]; loadable: boolean }[]; skipped: { code: string; message: string }[] };
  const internal = firstInternal([...json.skipped, ...json.series.flatMap((s) => s.warnings)]);
  if (internal) return { kind: 'internal', message: internal };
  if (json.series.some((s) => s.loadable)) return { kind: 'ok' };
  return { kind: 'coded', code: json.skipped[0]?.code ?? json.series[0]?.warnings[0]?.code ?? 'no series' };
}

async function loader(path: string): Promise<StageOutcome> {
  try {
    const scan = await scanPath(path);
    const internal = firstInternal(scan.skipped);
    if (internal) return { kind: 'internal', message: internal };
    const loadable = scan.series.filter((s) => s.summary.loadable);
    if (loadable.length === 0) return { kind: 'coded', code: scan.skipped[0]?.code ?? 'not loadable' };
    let code: string | undefined;
    for (const s of loadable) {
      try {
        const loaded = await loadScannedSeries(s);
        const w = firstInternal(loaded.warnings);
        if (w) return { kind: 'internal', message: w };
      } catch (e) {
        if (!isOpalError(e) || e.code === 'E_INTERNAL') return { kind: 'internal', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
        code ??= e.code;
      }
    }
    return code ? { kind: 'coded', code } : { kind: 'ok' };
  } catch (e) {
    if (!isOpalError(e) || e.code === 'E_INTERNAL') return { kind: 'internal', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    return { kind: 'coded', code: e.code };
  }
}

async function convert(path: string, out: string): Promise<StageOutcome> {
  try {
    const r = await cli(['convert', path, '--out', out]);
    if (r.exit === 0) return { kind: 'ok' };
    if (r.exit === 70) return { kind: 'internal', message: r.stderr.trim().split('\n').slice(0, 3).join(' | ') };
    return coded(r.stderr, r.exit);
  } finally {
    rmSync(out, { force: true });
  }
}

async function main(): Promise<void> {
  const [jobsFile, scratch] = process.argv.slice(2);
  const jobs = JSON.parse(readFileSync(jobsFile, 'utf8')) as Job[];
  const canReset = resetPeak();
  const stages: [StageName, (p: string, j: Job) => Promise<StageOutcome>][] = [
    ['info', (p) => info(p)],
    ['load', (p) => loader(p)],
    ['convert', (p, j) => convert(p, join(scratch, `out-${j.index}.nii.gz`))],
  ];
  for (const job of jobs) {
    for (const [stage, fn] of stages) {
      if (canReset) resetPeak();
      send({ t: 'stage', index: job.index, stage });
      const t0 = performance.now();
      const outcome = await fn(job.path, job);
      const ms = performance.now() - t0;
      send({ t: 'done', index: job.index, stage, outcome, ms, peakRssMb: peakRssMb(), peakIsPerStage: canReset });
    }
  }
}

await main();
// Idle decode workers are unref'd; nothing else should keep the process, but do not wait for it.
process.exit(0);
