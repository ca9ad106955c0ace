/**
 * `npm run fuzz -- --seed N --count K [--out DIR] [--start I] [--only I,J] [--jobs J] [--timeout-ms T]
 * [--rss-mb M] [--mutators a,b] [--nice N]`: the fuzz harness of issue 17 (see runFuzz.ts).
 * Exits 1 when any input crashed, answered E_INTERNAL or went over budget.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { phantomSeeds, realSeeds } from './fuzzSeeds.ts';
import { formatSummary, repoRoot, runFuzz } from './runFuzz.ts';

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${v}`);
  return n;
};

const program = new Command('fuzz')
  .description('Mutate DICOM inputs and run opal info, the loader and opal convert on each (issue 17)')
  .option('--seed <n>', 'seed of the run', '1')
  .option('--count <k>', 'number of inputs', '200')
  .option('--start <i>', 'first input index', '0')
  .option('--only <list>', 'only these input indices (comma-separated), e.g. to reproduce one')
  .option('--out <dir>', 'folder for bad inputs (with a reproducer each), summary.json and inputs.jsonl', 'test-output/fuzz')
  .option('--jobs <n>', 'child processes at once', '1')
  .option('--batch <n>', 'inputs per child process', '25')
  .option('--timeout-ms <ms>', 'time limit per stage and input', '10000')
  .option('--rss-mb <mb>', 'peak RSS limit per stage and input', '1024')
  .option('--mutators <list>', 'only these mutators (comma-separated)')
  .option('--nice <n>', 'nice level of the child processes', '0')
  .option('--source', 'run the children from the TypeScript sources (default: the bundle, when `npm run build` has built out/workers)')
  .option('--data <dir>', 'folder of real DICOM seeds (default ../shared/data/dicom or $OPAL_SHARED_DATA/dicom)');

program.parse(process.argv);
const o = program.opts<Record<string, string | undefined>>();
const dataDir = o.data ?? join(process.env.OPAL_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data'), 'dicom');
const seeds = [...phantomSeeds(), ...(existsSync(dataDir) ? realSeeds(dataDir) : [])];
if (!existsSync(dataDir)) process.stderr.write(`fuzz: ${dataDir} not found; seeds are the phantom only\n`);
const count = int(o.count as string);
let lastPrint = 0;
const summary = await runFuzz({
  seed: int(o.seed as string),
  count,
  start: int(o.start as string),
  only: o.only ? o.only.split(',').map(int) : undefined,
  seeds,
  out: resolve(o.out as string),
  jobs: int(o.jobs as string),
  batch: Math.max(1, int(o.batch as string)),
  timeoutMs: int(o.timeoutMs as string),
  rssBudgetMb: int(o.rssMb as string),
  mutators: o.mutators?.split(','),
  nice: int(o.nice as string),
  built: o.source ? false : undefined,
  onProgress: (done, total, last) => {
    if (last.cls !== 'ok' && last.cls !== 'coded') process.stderr.write(`\n#${last.index} ${last.cls}: [${last.mutator}] ${last.detail}\n`);
    const now = Date.now();
    if (now - lastPrint > 2000 || done === total) {
      lastPrint = now;
      process.stderr.write(`\rfuzz ${done}/${total}`);
    }
  },
});
process.stderr.write('\n');
process.stdout.write(formatSummary(summary));
process.stdout.write(`  ${seeds.length} seed inputs; bad inputs and summary.json under ${resolve(o.out as string)}\n`);
const c = summary.counts;
process.exitCode = c.crash + c.internal + c['over-budget'] > 0 ? 1 : 0;
