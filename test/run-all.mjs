#!/usr/bin/env node
// `npm test`: every check the project has, in order, each one's output streamed, then one summary
// line. Python model tests run before vitest because the TypeScript ONNX parity test reads the
// reference outputs they write.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const steps = [
  { name: 'typecheck', cmd: 'npx', args: ['tsc', '-b', '--pretty', 'false'] },
  { name: 'lint', cmd: 'npx', args: ['eslint', '.', '--max-warnings', '0'] },
  { name: 'python-models', cmd: '/usr/bin/python3', args: ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'models/tests'], when: () => existsSync('models/tests') },
  { name: 'vitest', cmd: 'npx', args: ['vitest', 'run'] },
];

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const step of steps) {
  if (only.length && !only.includes(step.name)) continue;
  if (step.when && !step.when()) continue;
  process.stdout.write(`\n=== ${step.name}: ${step.cmd} ${step.args.join(' ')}\n`);
  const t0 = Date.now();
  const r = spawnSync(step.cmd, step.args, { stdio: 'inherit' });
  const ok = r.status === 0;
  process.stdout.write(`=== ${step.name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  if (ok) passed++;
  else failed++;
}
process.stdout.write(`\nsteps: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
