import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateChestPhantom } from '../../common/phantom/index.ts';
import { voxelToPatient } from '../../common/volume/index.ts';
import { writePhantomSeries } from '../phantom/index.ts';
import { readNiftiFile } from './readNiftiFile.ts';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';
import { missing } from '../../../test/fixtures/requireData.ts';

const tempDir = useTempDirs();


function hasDcm2niix(): boolean {
  return spawnSync('dcm2niix', ['-v'], { encoding: 'utf8' }).error === undefined;
}

describe('NIfTI written by dcm2niix, read by OPAL', () => {
  it.skipIf(missing(hasDcm2niix(), 'dcm2niix'))('puts every voxel of dcm2niix\'s conversion of the phantom series at the phantom\'s own LPS position (skipped without dcm2niix)', async () => {
    const opts = { seed: 2, size: 48, slices: 6 };
    const dir = tempDir('opal-dcm2niix-');
    const series = join(dir, 'series');
    await writePhantomSeries(series, opts);
    const out = join(dir, 'nifti');
    mkdirSync(out);
    const r = spawnSync('dcm2niix', ['-z', 'y', '-b', 'n', '-f', 'ct', '-o', out, series], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out)).toContain('ct.nii.gz');

    const read = await readNiftiFile(join(out, 'ct.nii.gz'));
    const phantom = generateChestPhantom(opts).volume;
    expect(read.dims).toEqual(phantom.dims);
    // dcm2niix stores rows bottom-up (a flipped j axis); positions must still agree voxel by voxel.
    let mismatches = 0;
    let offGrid = 0;
    const [nx, ny, nz] = read.dims;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const p = voxelToPatient(read, i, j, k);
          const f = [0, 1, 2].map((a) => (p[a] - phantom.originMm[a]) / phantom.spacingMm[a]);
          const idx = f.map(Math.round);
          if (f.some((x, a) => Math.abs(x - idx[a]) > 1e-3)) offGrid++;
          const src = idx[0] + nx * (idx[1] + ny * idx[2]);
          if (read.voxels[i + nx * (j + ny * k)] !== phantom.voxels[src]) mismatches++;
        }
      }
    }
    expect(offGrid).toBe(0);
    expect(mismatches).toBe(0);
  });
});
