import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Volume } from '../../common/volume/index.ts';
import { readNiftiFile } from './readNiftiFile.ts';
import { writeNiftiFile } from './writeNiftiFile.ts';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';

const tempDir = useTempDirs();


const volume = (): Volume<Int16Array> => ({
  dims: [3, 4, 2],
  spacingMm: [0.7, 0.7, 1.25],
  originMm: [-10, 20, -30],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  voxels: Int16Array.from({ length: 24 }, (_, i) => i * 100 - 1000),
  meta: {},
});

describe('readNiftiFile / writeNiftiFile', () => {
  it('writes .nii.gz gzip-compressed and .nii plain, atomically, and reads both back', async () => {
    const dir = tempDir('opal-niftifile-');
    await writeNiftiFile(join(dir, 'ct.nii.gz'), volume());
    await writeNiftiFile(join(dir, 'ct.nii'), volume());
    expect(readdirSync(dir).sort()).toEqual(['ct.nii', 'ct.nii.gz']); // no temporary files left
    const gz = readFileSync(join(dir, 'ct.nii.gz'));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(readFileSync(join(dir, 'ct.nii')).subarray(344, 347).toString('latin1')).toBe('n+1');
    for (const name of ['ct.nii.gz', 'ct.nii']) {
      const back = await readNiftiFile(join(dir, name));
      expect(Array.from(back.voxels)).toEqual(Array.from(volume().voxels));
      expect(back.spacingMm).toEqual([0.7, 0.7, 1.25]);
      expect(back.originMm).toEqual([-10, 20, -30]);
      expect(back.meta.sourcePath).toBe(join(dir, name));
    }
  });

  it('reports a missing file as E_NOT_FOUND and a non-NIfTI file as E_BAD_NIFTI naming the file', async () => {
    const dir = tempDir('opal-niftifile-');
    await expect(readNiftiFile(join(dir, 'absent.nii.gz'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    const junk = join(dir, 'junk.nii');
    writeFileSync(junk, 'this is not an image');
    await expect(readNiftiFile(junk)).rejects.toMatchObject({ code: 'E_BAD_NIFTI', detail: junk });
    await expect(readNiftiFile(dir)).rejects.toMatchObject({ code: 'E_BAD_NIFTI' });
  });

  it('fails with E_WRITE_FAILED into a missing folder', async () => {
    const dir = tempDir('opal-niftifile-');
    await expect(writeNiftiFile(join(dir, 'no', 'ct.nii.gz'), volume())).rejects.toMatchObject({ code: 'E_WRITE_FAILED' });
  });
});

describe('readNiftiFile on damaged gzip', () => {
  it('reports a truncated .nii.gz as E_BAD_NIFTI', async () => {
    const dir = tempDir('opal-niftifile-');
    const path = join(dir, 'ct.nii.gz');
    await writeNiftiFile(path, volume());
    const cut = join(dir, 'cut.nii.gz');
    writeFileSync(cut, readFileSync(path).subarray(0, 40));
    await expect(readNiftiFile(cut)).rejects.toMatchObject({ code: 'E_BAD_NIFTI', detail: cut, message: expect.stringMatching(/gzip/) });
  });
});
