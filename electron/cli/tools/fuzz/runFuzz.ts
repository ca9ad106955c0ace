/**
 * The fuzz harness (issue 17, point 5): generates mutated DICOM inputs from seeds
 * (common/fuzz/mutators.ts), runs `opal info`, the loader and `opal convert` on each in child
 * processes (fuzzChild.ts, a batch of inputs per child), and classifies every input as ok, coded
 * (a coded refusal), internal (E_INTERNAL), crash (the child died) or over budget (a stage ran past
 * the time limit, or the process's peak RSS during a stage passed the memory limit). A child that
 * dies or is killed is replaced and the batch goes on after the input that did it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { makeInput, type FuzzInput, type FuzzSeed } from '../../../common/fuzz/mutators.ts';
import { makeFolder } from '../../../main/fs/makeFolder.ts';
import { CLASS_ORDER, type InputClass, type StageName, type StageOutcome, type StageResult } from './fuzzTypes.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is electron/cli/tools/fuzz/runFuzz.ts). */
export const repoRoot = resolve(here, '..', '..', '..', '..');

export interface FuzzOptions {
  seed: number;
  count: number;
  /** First input index (default 0); inputs are start .. start+count-1. */
  start?: number;
  /** Run only these input indices (reproduce). */
  only?: number[];
  seeds: FuzzSeed[];
  /** Where bad inputs and summary.json go; default none (nothing written). */
  out?: string;
  /** Per stage, ms (default 10 000). */
  timeoutMs?: number;
  /** Per stage, peak RSS of the child process in MB (default 1024). */
  rssBudgetMb?: number;
  /** Child processes at once (default 1). */
  jobs?: number;
  /** Inputs per child process (default 25). */
  batch?: number;
  /** Only these mutators (names as in MUTATORS). */
  mutators?: string[];
  /** Run children at this nice level (default 0). */
  nice?: number;
  /**
   * Run the children as a bundle (out/fuzz/fuzzChild.mjs, built here with esbuild as `npm run build`
   * builds the app), whose worker threads are the built out/workers/*.mjs: what ships, without tsx's
   * start-up in every child and worker. Default: when out/workers holds the built workers.
   */
  built?: boolean;
  onProgress?: (done: number, total: number, last: InputRecord) => void;
}

export interface InputRecord {
  index: number;
  seed: string;
  mutator: string;
  detail: string;
  cls: InputClass;
  stages: StageResult[];
  /** Milliseconds of the slowest stage, and peak RSS (MB) of the largest. */
  maxMs: number;
  maxRssMb: number;
  /** Where the input was written (bad inputs only, with `out`). */
  savedAt?: string;
}

export interface FuzzSummary {
  seed: number;
  inputs: number;
  counts: Record<InputClass, number>;
  /** Per stage: ok / coded / internal / crash / over-budget. */
  stageCounts: Record<StageName, Record<InputClass, number>>;
  /** Codes of the coded refusals, most frequent first. */
  codes: Record<string, number>;
  maxRssMb: number;
  maxRssInput?: { index: number; mutator: string; detail: string; stage: StageName };
  slowest?: { index: number; mutator: string; detail: string; stage: StageName; ms: number };
  wallMs: number;
  /** Whether the children ran the bundle (out/fuzz/fuzzChild.mjs) or the TypeScript sources. */
  built: boolean;
  bad: InputRecord[];
  timeoutMs: number;
  rssBudgetMb: number;
}

const STAGES: StageName[] = ['info', 'load', 'convert'];
const worse = (a: InputClass, b: InputClass): InputClass => (CLASS_ORDER.indexOf(a) >= CLASS_ORDER.indexOf(b) ? a : b);
const zeroCounts = (): Record<InputClass, number> => ({ ok: 0, coded: 0, internal: 0, crash: 0, 'over-budget': 0 });

/** Writes an input under `dir`: one file, or a folder of files. Returns the path to give the CLI. */
export function writeInput(input: FuzzInput, dir: string): string {
  mkdirSync(dir, { recursive: true });
  if (!input.folder) {
    const p = join(dir, input.files[0].name);
    writeFileSync(p, input.files[0].bytes);
    return p;
  }
  const folder = join(dir, 'series');
  mkdirSync(folder, { recursive: true });
  for (const f of input.files) writeFileSync(join(folder, f.name), f.bytes);
  return folder;
}

function readRssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Job {
  index: number;
  path: string;
}

interface ChildEnd {
  /** Results for the jobs the child finished or failed on, by index. */
  results: Map<number, StageResult[]>;
  /** Index of the job the child died or was killed on, if any. */
  failedAt?: number;
  stderr: string;
}

/**
 * Runs one child on `jobs`; resolves when it exits. A stage past timeoutMs, or an RSS past
 * 1.5 x the budget while polling, kills the child: that input is over budget.
 */
function runChild(jobs: Job[], scratch: string, opts: Required<Pick<FuzzOptions, 'timeoutMs' | 'rssBudgetMb' | 'nice'>> & { childEntry?: string }): Promise<ChildEnd> {
  const jobsFile = join(scratch, `jobs-${jobs[0].index}.json`);
  writeFileSync(jobsFile, JSON.stringify(jobs));
  const args = opts.childEntry ? [opts.childEntry] : ['--import', 'tsx', join(here, 'fuzzChild.ts')];
  const child = spawn(process.execPath, [...args, jobsFile, scratch], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  if (opts.nice && child.pid) {
    try {
      setPriority(child.pid, opts.nice);
    } catch {
      // not permitted: run at the parent's priority
    }
  }
  const results = new Map<number, StageResult[]>();
  let current: { index: number; stage: StageName; started: number; peak: number } | undefined;
  let killedFor: { cls: InputClass; note: string } | undefined;
  let stderr = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const kill = (cls: InputClass, note: string): void => {
    if (killedFor) return;
    killedFor = { cls, note };
    child.kill('SIGKILL');
  };
  const poll = setInterval(() => {
    if (!current || !child.pid) return;
    const rss = readRssMb(child.pid);
    if (rss === undefined) return;
    current.peak = Math.max(current.peak, rss);
    if (rss > opts.rssBudgetMb * 1.5) kill('over-budget', `RSS ${Math.round(rss)} MB in ${current.stage} (budget ${opts.rssBudgetMb} MB): killed`);
  }, 100);
  (child.stderr as Readable).on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let pending = '';
  (child.stdio[3] as Readable).on('data', (d: Buffer) => {
    pending += d.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const msg = JSON.parse(line) as { t: 'stage' | 'done'; index: number; stage: StageName; outcome?: StageOutcome; ms?: number; peakRssMb?: number };
      if (msg.t === 'stage') {
        const stage = { index: msg.index, stage: msg.stage, started: performance.now(), peak: 0 };
        current = stage;
        if (timer) clearTimeout(timer);
        // Kill only if this very stage is still running (a late timer on a loaded machine must not
        // kill the next stage in its name).
        timer = setTimeout(() => {
          if (current === stage) kill('over-budget', `${stage.stage} took more than ${opts.timeoutMs} ms: killed`);
        }, opts.timeoutMs);
      } else {
        if (timer) clearTimeout(timer);
        const o = msg.outcome as StageOutcome;
        const ms = msg.ms ?? 0;
        const peak = Math.max(msg.peakRssMb ?? 0, current?.peak ?? 0);
        let r: StageResult = o.kind === 'ok' ? { stage: msg.stage, cls: 'ok', ms, peakRssMb: peak } : o.kind === 'coded' ? { stage: msg.stage, cls: 'coded', note: o.code, ms, peakRssMb: peak } : { stage: msg.stage, cls: 'internal', note: o.message, ms, peakRssMb: peak };
        if (ms > opts.timeoutMs) r = { ...r, cls: worse(r.cls, 'over-budget'), note: `${msg.stage} took ${Math.round(ms)} ms (limit ${opts.timeoutMs} ms)${r.note ? `; ${r.note}` : ''}` };
        else if (peak > opts.rssBudgetMb) r = { ...r, cls: worse(r.cls, 'over-budget'), note: `peak RSS ${Math.round(peak)} MB in ${msg.stage} (budget ${opts.rssBudgetMb} MB)${r.note ? `; ${r.note}` : ''}` };
        const list = results.get(msg.index) ?? [];
        list.push(r);
        results.set(msg.index, list);
        current = undefined;
      }
    }
  });
  return new Promise((resolvePromise) => {
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      rmSync(jobsFile, { force: true });
      if (!current) {
        resolvePromise({ results, stderr });
        return;
      }
      const ms = performance.now() - current.started;
      const why = killedFor ?? { cls: 'crash' as InputClass, note: `child ended with ${signal ?? `exit ${code}`} in ${current.stage}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
      const list = results.get(current.index) ?? [];
      list.push({ stage: current.stage, cls: why.cls, note: why.note, ms, peakRssMb: current.peak });
      results.set(current.index, list);
      resolvePromise({ results, failedAt: current.index, stderr });
    });
  });
}

function cliLine(stage: StageName, path: string): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  if (stage === 'info') return `node electron/cli/opal.mjs info ${q(path)} --json`;
  return `node electron/cli/opal.mjs convert ${q(path)} --out /tmp/opal-fuzz-repro.nii.gz`;
}

/** The built workers a bundled child uses. */
export function builtWorkersPresent(): boolean {
  return ['decodeWorker', 'scanWorker'].every((w) => existsSync(join(repoRoot, 'out', 'workers', `${w}.mjs`)));
}

/**
 * Bundles fuzzChild.ts into a private copy of the built app under `dir` (dir/out/fuzz/fuzzChild.mjs,
 * with copies of out/workers and out/chunks, and node_modules linked), so that a rebuild of out/ while
 * the run goes on cannot pull the workers from under it.
 */
export async function buildChildBundle(dir: string): Promise<string> {
  mkdirSync(join(dir, 'out'), { recursive: true });
  for (const sub of ['workers', 'chunks']) cpSync(join(repoRoot, 'out', sub), join(dir, 'out', sub), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  const { build } = await import('esbuild');
  const outfile = join(dir, 'out', 'fuzz', 'fuzzChild.mjs');
  await build({
    entryPoints: [join(here, 'fuzzChild.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    external: ['electron', 'onnxruntime-node', '@cornerstonejs/codec-*'],
    define: { __OPAL_BUNDLE__: 'true' },
    banner: {
      js: "import { createRequire as __c } from 'node:module'; import { dirname as __d } from 'node:path'; import { fileURLToPath as __f } from 'node:url'; const require = __c(import.meta.url); const __filename = __f(import.meta.url); const __dirname = __d(__filename);",
    },
  });
  return outfile;
}

/** Runs the harness and returns its summary (bad inputs are written under `out` when given). */
export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const t0 = performance.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const rssBudgetMb = options.rssBudgetMb ?? 1024;
  const nice = options.nice ?? 0;
  const batchSize = options.batch ?? 25;
  const start = options.start ?? 0;
  const indices = options.only ?? Array.from({ length: options.count }, (_, i) => start + i);
  const work = mkdtempSync(join(tmpdir(), 'opal-fuzz-'));
  const childEntry = (options.built ?? builtWorkersPresent()) ? await buildChildBundle(join(work, 'app')) : undefined;
  // Every answered input is appended here at once, so a long run can be read while it goes on.
  const progressFile = options.out ? join(options.out, 'progress.jsonl') : undefined;
  if (options.out) {
    await makeFolder(options.out); // the user's --out: E_WRITE_FAILED, never the recursive-mkdir hang
    writeFileSync(progressFile as string, '');
  }
  const line = (r: InputRecord): string => JSON.stringify({ index: r.index, cls: r.cls, mutator: r.mutator, detail: r.detail, maxMs: Math.round(r.maxMs), maxRssMb: Math.round(r.maxRssMb), stages: r.stages.map((s) => `${s.stage}:${s.cls}${s.note ? `(${s.note.slice(0, 160)})` : ''}`) });
  const records: InputRecord[] = [];
  const batches: number[][] = [];
  for (let i = 0; i < indices.length; i += batchSize) batches.push(indices.slice(i, i + batchSize));
  let nextBatch = 0;

  const runBatch = async (batch: number[]): Promise<void> => {
    const dir = join(work, `b${batch[0]}`);
    const inputs = new Map<number, { input: FuzzInput; path: string }>();
    for (const index of batch) {
      const input = makeInput(options.seed, index, options.seeds, options.mutators);
      inputs.set(index, { input, path: writeInput(input, join(dir, String(index))) });
    }
    let left: Job[] = batch.map((index) => ({ index, path: (inputs.get(index) as { path: string }).path }));
    while (left.length > 0) {
      const end = await runChild(left, dir, { timeoutMs, rssBudgetMb, nice, childEntry });
      for (const job of left) {
        const stages = end.results.get(job.index);
        if (!stages) continue;
        const { input } = inputs.get(job.index) as { input: FuzzInput };
        const cls = stages.reduce<InputClass>((c, s) => worse(c, s.cls), 'ok');
        const rec: InputRecord = {
          index: job.index,
          seed: input.seed,
          mutator: input.mutator,
          detail: input.detail,
          cls,
          stages,
          maxMs: Math.max(...stages.map((s) => s.ms)),
          maxRssMb: Math.max(...stages.map((s) => s.peakRssMb)),
        };
        if (cls !== 'ok' && cls !== 'coded' && options.out) {
          const to = join(options.out, 'bad', `${String(job.index).padStart(6, '0')}-${cls}`);
          await makeFolder(to);
          const saved = writeInput(input, join(to, 'input'));
          rec.savedAt = saved;
          const badStage = stages.find((s) => s.cls === cls) as StageResult;
          writeFileSync(join(to, 'repro.sh'), `${cliLine(badStage.stage, resolve(saved))}\n`);
          writeFileSync(join(to, 'about.json'), JSON.stringify({ ...rec, regenerate: `npm run fuzz -- --seed ${options.seed} --only ${job.index}` }, null, 2) + '\n');
        }
        records.push(rec);
        if (progressFile) appendFileSync(progressFile, line(rec) + '\n');
        options.onProgress?.(records.length, indices.length, rec);
      }
      // Go on after the input the child died on; a child that ended early without a stage running
      // (it failed to start) costs the first input it did not answer a crash record, never a loop.
      let failedAt = end.failedAt;
      if (failedAt === undefined) {
        const unanswered = left.find((j) => (end.results.get(j.index) ?? []).length < STAGES.length);
        if (!unanswered) break;
        failedAt = unanswered.index;
        if (!end.results.has(failedAt)) {
          const { input } = inputs.get(failedAt) as { input: FuzzInput };
          const rec: InputRecord = { index: failedAt, seed: input.seed, mutator: input.mutator, detail: input.detail, cls: 'crash', stages: [{ stage: 'info', cls: 'crash', note: `child exited before answering: ${end.stderr.slice(-300)}`, ms: 0, peakRssMb: 0 }], maxMs: 0, maxRssMb: 0 };
          records.push(rec);
          options.onProgress?.(records.length, indices.length, rec);
        }
      }
      const at = left.findIndex((j) => j.index === failedAt);
      left = left.slice(at + 1);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const jobs = Math.max(1, options.jobs ?? 1);
  try {
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        while (nextBatch < batches.length) await runBatch(batches[nextBatch++]);
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  records.sort((a, b) => a.index - b.index);
  const counts = zeroCounts();
  const stageCounts = { info: zeroCounts(), load: zeroCounts(), convert: zeroCounts() };
  const codes: Record<string, number> = {};
  let maxRss: { rec: InputRecord; stage: StageResult } | undefined;
  let slowest: { rec: InputRecord; stage: StageResult } | undefined;
  for (const rec of records) {
    counts[rec.cls]++;
    for (const s of rec.stages) {
      stageCounts[s.stage][s.cls]++;
      if (s.cls === 'coded' && s.note) codes[s.note] = (codes[s.note] ?? 0) + 1;
      if (!maxRss || s.peakRssMb > maxRss.stage.peakRssMb) maxRss = { rec, stage: s };
      if (!slowest || s.ms > slowest.stage.ms) slowest = { rec, stage: s };
    }
  }
  const sortedCodes = Object.fromEntries(Object.entries(codes).sort((a, b) => b[1] - a[1]));
  const summary: FuzzSummary = {
    seed: options.seed,
    inputs: records.length,
    counts,
    stageCounts,
    codes: sortedCodes,
    maxRssMb: Math.round(maxRss?.stage.peakRssMb ?? 0),
    maxRssInput: maxRss && { index: maxRss.rec.index, mutator: maxRss.rec.mutator, detail: maxRss.rec.detail, stage: maxRss.stage.stage },
    slowest: slowest && { index: slowest.rec.index, mutator: slowest.rec.mutator, detail: slowest.rec.detail, stage: slowest.stage.stage, ms: Math.round(slowest.stage.ms) },
    wallMs: Math.round(performance.now() - t0),
    built: childEntry !== undefined,
    bad: records.filter((r) => r.cls !== 'ok' && r.cls !== 'coded'),
    timeoutMs,
    rssBudgetMb,
  };
  if (options.out) {
    await makeFolder(options.out);
    writeFileSync(join(options.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    writeFileSync(join(options.out, 'inputs.jsonl'), records.map(line).join('\n') + '\n');
  }
  return summary;
}

/** The summary as the text `npm run fuzz` prints. */
export function formatSummary(s: FuzzSummary): string {
  const c = s.counts;
  const lines = [
    `fuzz seed ${s.seed}: ${s.inputs} inputs in ${(s.wallMs / 1000).toFixed(1)} s, ${s.built ? 'built bundle' : 'TypeScript sources'} (limits per stage: ${s.timeoutMs} ms, ${s.rssBudgetMb} MB)`,
    `  ok ${c.ok}  coded ${c.coded}  internal ${c.internal}  crash ${c.crash}  over budget ${c['over-budget']}`,
    ...STAGES.map((st) => {
      const x = s.stageCounts[st];
      return `  ${st.padEnd(8)} ok ${x.ok}  coded ${x.coded}  internal ${x.internal}  crash ${x.crash}  over budget ${x['over-budget']}`;
    }),
    `  max RSS ${s.maxRssMb} MB${s.maxRssInput ? ` (input ${s.maxRssInput.index}, ${s.maxRssInput.stage}: ${s.maxRssInput.mutator}: ${s.maxRssInput.detail})` : ''}`,
    `  slowest ${s.slowest ? `${s.slowest.ms} ms (input ${s.slowest.index}, ${s.slowest.stage}: ${s.slowest.mutator}: ${s.slowest.detail})` : '-'}`,
    `  codes: ${Object.entries(s.codes).slice(0, 12).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  for (const b of s.bad.slice(0, 50)) {
    const st = b.stages.find((x) => x.cls === b.cls);
    lines.push(`  BAD ${b.cls} #${b.index} [${b.mutator}] ${b.detail} :: ${st?.stage}: ${(st?.note ?? '').slice(0, 300)}${b.savedAt ? ` -> ${b.savedAt}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** Copies a saved input somewhere else (for turning a finding into a fixture by hand). */
export function copyInput(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}
