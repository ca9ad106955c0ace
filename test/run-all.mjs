#!/usr/bin/env node
// `npm test`: every check the project has, in order, each one's output streamed, then a summary.
// Python model tests run before vitest because the TypeScript ONNX parity test reads the reference
// outputs they write. The last line is the tests' totals, pytest's and vitest's together:
// `N passed, N failed, N skipped` (a failing step that runs no tests, typecheck or lint, counts as
// one failure). With OPAL_REQUIRE_DATA=1 (CI) a skipped test fails the run as well: there, nothing
// may skip for missing data or tools (test/fixtures/requireData.ts turns those skips into failures;
// this catches any other).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { testTotalsFromJunitXml, testTotalsFromVitestJson } from './testTotals.mjs';

const reportDir = 'test-output/reports';
const vitestJson = join(reportDir, 'vitest.json');
const pytestXml = join(reportDir, 'pytest.xml');

const steps = [
  { name: 'typecheck', cmd: 'npx', args: ['tsc', '-b', '--pretty', 'false'] },
  { name: 'lint', cmd: 'npx', args: ['eslint', '.', '--max-warnings', '0'] },
  // What ships (out/): the test host, the e2e suite and the bundle tests run it, not the sources.
  { name: 'build', cmd: 'npm', args: ['run', 'build'] },
  {
    name: 'python-models',
    cmd: '/usr/bin/python3',
    args: ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${pytestXml}`, '-rs', 'models/tests'],
    when: () => existsSync('models/tests'),
    totals: () => testTotalsFromJunitXml(readFileSync(pytestXml, 'utf8')),
  },
  {
    name: 'vitest',
    cmd: 'npx',
    args: ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`],
    totals: () => testTotalsFromVitestJson(JSON.parse(readFileSync(vitestJson, 'utf8'))),
  },
];

const only = process.argv.slice(2);
const requireData = process.env.OPAL_REQUIRE_DATA === '1';
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });
let stepsPassed = 0;
let stepsFailed = 0;
const totals = { passed: 0, failed: 0, skipped: 0, skippedNames: [] };
for (const step of steps) {
  if (only.length && !only.includes(step.name)) continue;
  if (step.when && !step.when()) continue;
  process.stdout.write(`\n=== ${step.name}: ${step.cmd} ${step.args.join(' ')}\n`);
  const t0 = Date.now();
  const r = spawnSync(step.cmd, step.args, { stdio: 'inherit' });
  let ok = r.status === 0;
  let counted = false;
  if (step.totals) {
    try {
      const t = step.totals();
      totals.passed += t.passed;
      totals.failed += t.failed;
      totals.skipped += t.skipped;
      totals.skippedNames.push(...t.skippedNames);
      counted = true;
      if (requireData && t.skipped > 0) {
        ok = false;
        process.stdout.write(`=== ${step.name}: OPAL_REQUIRE_DATA=1 but ${t.skipped} test(s) skipped:\n${t.skippedNames.map((n) => `    ${n}`).join('\n')}\n`);
      }
    } catch (e) {
      process.stdout.write(`=== ${step.name}: no test report (${e.message})\n`);
    }
  }
  if (!ok && !counted) totals.failed++;
  process.stdout.write(`=== ${step.name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  if (ok) stepsPassed++;
  else stepsFailed++;
}
process.stdout.write(`\nsteps: ${stepsPassed} passed, ${stepsFailed} failed\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(stepsFailed === 0 ? 0 : 1);
