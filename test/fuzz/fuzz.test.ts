/**
 * The seeded CI run of the fuzz harness (issue 17, point 5): mutated DICOM inputs from the phantom and
 * ../shared/data/dicom through `opal info`, the loader and `opal convert`, each in child processes with
 * a time and memory budget. It must show no crash, no E_INTERNAL and no input over budget.
 * `npm run fuzz -- --seed N --count K` is the long form of the same run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { phantomSeeds, realSeeds } from '../../electron/cli/tools/fuzz/fuzzSeeds.ts';
import { builtWorkersPresent, formatSummary, runFuzz } from '../../electron/cli/tools/fuzz/runFuzz.ts';
import { sharedDataDir, testOutputDir } from '../fixtures/sharedData.ts';

const data = sharedDataDir();
const dicomDir = data && join(data, 'dicom');
const seeds = [...phantomSeeds(), ...(dicomDir && existsSync(dicomDir) ? realSeeds(dicomDir) : [])];

// The children run the built bundle when `npm run build` has built out/ (as `npm test` does): about
// 0.25-0.5 s an input on the loaded 2-core machine; from the TypeScript sources about ten times that.
const built = builtWorkersPresent();
const count = built ? 200 : 60;

describe('fuzz harness: seeded CI run', () => {
  it(`answers ${count} mutated inputs with no crash, no E_INTERNAL and none over 10 s or 1 GB per stage`, async () => {
    const summary = await runFuzz({ seed: 17, count, seeds, out: testOutputDir('fuzz-ci'), batch: built ? 50 : 30, timeoutMs: 10_000, rssBudgetMb: 1024 });
    const text = formatSummary(summary);
    console.log(text);
    expect(summary.inputs).toBe(count);
    // The run exercised the readers: coded refusals and successes both occur.
    expect(summary.counts.coded).toBeGreaterThan(0);
    expect(summary.counts.ok).toBeGreaterThan(0);
    expect({ crash: summary.counts.crash, internal: summary.counts.internal, overBudget: summary.counts['over-budget'] }, text).toEqual({ crash: 0, internal: 0, overBudget: 0 });
  }, 600_000);
});
