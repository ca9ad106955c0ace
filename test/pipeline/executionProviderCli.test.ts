import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writePhantomSeries } from '../../electron/main/phantom/index.ts';
import { useTempDirs } from '../fixtures/tempDirs.ts';
import { runOpal } from './cli.ts';

const tempDir = useTempDirs();
let work: string;
let phantom: string;

beforeAll(async () => {
  work = tempDir('opal-ep-cli-');
  phantom = join(work, 'ct');
  await writePhantomSeries(phantom, { seed: 5, size: 64, slices: 8 });
});

/** Only the CPU provider exists on our machines: forcing it must reach the export provenance. */
describe('opal segment --ep and OPAL_EXECUTION_PROVIDERS', () => {
  it('--ep cpu runs on the CPU and records it in the JSON summary and measurements.json', async () => {
    const out = join(work, 'ep');
    const r = await runOpal(['segment', phantom, '--out', out, '--format', 'json', '--threads', '1', '--ep', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { model: { executionProvider: string } }).model.executionProvider).toBe('cpu');
    const doc = JSON.parse(readFileSync(join(out, 'measurements.json'), 'utf8')) as { model: { executionProvider: string } };
    expect(doc.model.executionProvider).toBe('cpu');
  });

  it('--ep with an unknown provider is a user error (exit 2, E_BAD_ARGUMENT) before anything runs', async () => {
    const r = await runOpal(['segment', phantom, '--out', join(work, 'bad'), '--ep', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_BAD_ARGUMENT: --ep: unknown execution provider "gpu"/);
  });

  it('OPAL_EXECUTION_PROVIDERS forces the provider list the same way, and a wrong name is E_BAD_ARGUMENT', async () => {
    const ok = await runOpal(['segment', phantom, '--out', join(work, 'env'), '--format', 'json', '--threads', '1', '--json'], { OPAL_EXECUTION_PROVIDERS: 'cpu' });
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { model: { executionProvider: string } }).model.executionProvider).toBe('cpu');
    const bad = await runOpal(['segment', phantom, '--out', join(work, 'env-bad'), '--format', 'json'], { OPAL_EXECUTION_PROVIDERS: 'tensorrt' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/E_BAD_ARGUMENT: OPAL_EXECUTION_PROVIDERS: unknown execution provider "tensorrt"/);
  });
});
