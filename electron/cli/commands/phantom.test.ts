import { describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../main.ts';
import { readNiftiFile } from '../../main/nifti/index.ts';
import type { PhantomTruth } from '../../common/phantom/index.ts';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';
import { runOpal } from '../../../test/pipeline/cli.ts';

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

describe('opal phantom --profile, run as a user runs it', () => {
  const countOf = (voxels: ArrayLike<number>, value: number): number => {
    let c = 0;
    for (let n = 0; n < voxels.length; n++) if (voxels[n] === value) c++;
    return c;
  };

  it('writes the severe chest with a truth-effusion mask that agrees with truth.json', async () => {
    const dir = tempDir('opal-cli-phantom-');
    const r = await runOpal(['phantom', '--profile', 'severe', '--out', dir, '--size', '64', '--slices', '16', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { effusionMaskPath: string; truth: PhantomTruth };
    expect(j.effusionMaskPath).toBe(join(dir, 'truth-effusion.nii.gz'));
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as PhantomTruth;
    expect(truth.profile).toBe('severe');
    expect(truth.effusion.total.voxels).toBeGreaterThan(0);
    const effusion = await readNiftiFile(j.effusionMaskPath);
    const lungs = await readNiftiFile(join(dir, 'truth-lungs.nii.gz'));
    const infection = await readNiftiFile(join(dir, 'truth-infection.nii.gz'));
    expect(countOf(effusion.voxels, 1)).toBe(truth.effusion.total.voxels);
    expect(countOf(lungs.voxels, 1) + countOf(lungs.voxels, 2)).toBe(truth.lungs.total.voxels);
    expect(countOf(infection.voxels, 2)).toBe(truth.infection.consolidation.voxels);
    let effusionInLung = 0;
    for (let n = 0; n < effusion.voxels.length; n++) if (effusion.voxels[n] === 1 && lungs.voxels[n] !== 0) effusionInLung++;
    expect(effusionInLung).toBe(0);
  });

  it('writes a lesion-free chest with --profile normal and says so on its summary line', async () => {
    const dir = tempDir('opal-cli-phantom-');
    const r = await runOpal(['phantom', '--profile', 'normal', '--out', dir, '--size', '48', '--slices', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^phantom seed 1 \(normal\): 4 slices of 48x48 .* ground-glass 0\.0 mL, consolidation 0\.0 mL; series 2\.25\.\d+\n$/);
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as PhantomTruth;
    expect(truth.profile).toBe('normal');
    expect(truth.infection.total.voxels).toBe(0);
    expect(readdirSync(dir)).not.toContain('truth-effusion.nii.gz');
  });

  it('refuses an unknown profile with E_BAD_ARGUMENT, exit code 2 and nothing written', async () => {
    const dir = tempDir('opal-cli-phantom-');
    const r = await runOpal(['phantom', '--profile', 'mild', '--out', dir, '--size', '32', '--slices', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_BAD_ARGUMENT.*--profile must be one of normal, covid, severe, got "mild"/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
