import { describe, expect, it, vi } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../main.ts';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';

const tempDir = useTempDirs();


async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await runCli(['node', 'opal', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('opal phantom', () => {
  it('writes the series and prints a one-line summary', async () => {
    const dir = join(tempDir('opal-cli-phantom-'), 'out');
    const r = await run(['phantom', '--out', dir, '--size', '48', '--slices', '4', '--seed', '5']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).toMatch(
      /^phantom seed 5: 4 slices of 48x48 \(7\.5 x 7\.5 x 10 mm\) -> .* lungs \d+ mL \(right \d+, left \d+\), ground-glass [\d.]+ mL, consolidation [\d.]+ mL; series 2\.25\.\d+/,
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.dcm'))).toHaveLength(4);
    expect(existsSync(join(dir, 'truth.json'))).toBe(true);
  });

  it('prints JSON with the UIDs, paths and truth with --json', async () => {
    const dir = tempDir('opal-cli-phantom-');
    const r = await run(['phantom', '--out', dir, '--size', '32', '--slices', '2', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      fileCount: number;
      seriesInstanceUid: string;
      truthPath: string;
      lungsMaskPath: string;
      truth: { seed: number; dims: number[] };
    };
    expect(j.fileCount).toBe(2);
    expect(j.seriesInstanceUid).toMatch(/^2\.25\.\d+$/);
    expect(j.truthPath).toBe(join(dir, 'truth.json'));
    expect(j.lungsMaskPath).toBe(join(dir, 'truth-lungs.nii.gz'));
    expect(j.truth.seed).toBe(1);
    expect(j.truth.dims).toEqual([32, 32, 2]);
  });

  it.each([
    [['--size', 'big'], /--size must be an integer/],
    [['--slices', '0'], /--slices must be an integer from 1/],
    [['--transfer-syntax', 'jpeg'], /--transfer-syntax must be one of/],
    [['--pixel-spacing', '-1'], /--pixel-spacing must be a positive number/],
  ])('refuses %j with E_BAD_ARGUMENT and exit code 2', async (args, message) => {
    const dir = tempDir('opal-cli-phantom-');
    const r = await run(['phantom', '--out', dir, ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_BAD_ARGUMENT/);
    expect(r.err).toMatch(message);
    expect(readdirSync(dir)).toEqual([]);
  });
});
