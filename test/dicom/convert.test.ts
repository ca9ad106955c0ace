import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNifti } from '../../electron/common/nifti/index.ts';
import { readNiftiFile } from '../../electron/main/nifti/index.ts';
import { convertToNifti } from '../../electron/cli/commands/convert.ts';
import { repoRoot, sharedData, skipNote } from '../fixtures/sharedData.ts';
import { ctSlice } from './syntheticDicom.ts';
import { LOSSLESS_CT_IMAGE_COPIES } from '../fixtures/transferSyntaxFiles.ts';
import { missing } from '../fixtures/requireData.ts';

const tmp = mkdtempSync(join(tmpdir(), 'opal-convert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const opal = (...args: string[]): string => execFileSync(process.execPath, [join(repoRoot, 'electron/cli/opal.mjs'), ...args], { encoding: 'utf8' });

describe('opal convert', () => {
  it('writes a single DICOM file as a one-slice NIfTI volume in HU', async () => {
    const src = join(tmp, 'one.dcm');
    const pixels = Int16Array.from({ length: 12 }, (_, i) => i * 10);
    writeFileSync(src, ctSlice({ sopUid: '4.4.4', rows: 3, columns: 4, pixels, positionMm: [-10, 20, 30], pixelSpacingMm: [0.5, 0.25] }));
    const out = join(tmp, 'one.nii.gz');
    expect(opal('convert', src, '--out', out)).toContain('4x3x1 int16');
    const v = await readNiftiFile(out);
    expect(v.dims).toEqual([4, 3, 1]);
    expect(Array.from(v.voxels)).toEqual(Array.from(pixels, (p) => p - 1024));
    expect(v.originMm.map((x) => Math.round(x * 1e4) / 1e4)).toEqual([-10, 20, 30]);
    expect(v.spacingMm.slice(0, 2)).toEqual([0.25, 0.5]);
  });

  it('refuses an output name that is not .nii or .nii.gz', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'electron/cli/opal.mjs'), 'convert', join(tmp, 'one.dcm'), '--out', join(tmp, 'x.png')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('E_BAD_ARGUMENT');
  });
});

const ts = sharedData('dicom', 'transfer-syntaxes');
describe.skipIf(!ts)(ts ? 'every transfer syntax converts' : skipNote('transfer-syntax conversion'), () => {
  const lossless = LOSSLESS_CT_IMAGE_COPIES;
  // Max and mean |ΔHU| against the uncompressed image, per lossy codec (the decode tests justify them:
  // NEAR=1 for JPEG-LS near-lossless, one 12-bit step is 2 HU, one 8-bit step is 32 HU).
  const lossy: [string, number, number][] = [
    ['CTImage.dcm_JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm', 2, 1],
    ['CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm', 16, 2],
    ['CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm', 64, 8],
    ['CTImage.dcm_JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm', 64, 8],
    ['CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm', 64, 8],
    ['CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm', 128, 32],
  ];
  const convert = async (name: string) => {
    const out = join(tmp, `${name}.nii`);
    await convertToNifti(join(ts as string, name), out);
    // A fresh, offset-0 copy of the bytes (independent of how readNiftiFile views Node buffers).
    return decodeNifti(Uint8Array.from(readFileSync(out)));
  };

  it('every lossless copy converts to exactly the voxels of CTImage.dcm', async () => {
    const ref = await convert('CTImage.dcm');
    expect(ref.dims).toEqual([512, 512, 1]);
    expect(ref.voxels).toBeInstanceOf(Int16Array);
    for (const name of lossless) {
      const v = await convert(name);
      expect(v.dims, name).toEqual(ref.dims);
      expect(v.voxels, name).toBeInstanceOf(Int16Array);
      expect(Buffer.from(v.voxels.buffer, v.voxels.byteOffset, v.voxels.byteLength).equals(Buffer.from(ref.voxels.buffer, ref.voxels.byteOffset, ref.voxels.byteLength)), name).toBe(true);
    }
  });

  it('lossy copies convert within their codec tolerance of CTImage.dcm', async () => {
    const ref = await convert('CTImage.dcm');
    for (const [name, maxHu, meanHu] of lossy) {
      const v = await convert(name);
      expect(v.dims, name).toEqual(ref.dims);
      let max = 0;
      let sum = 0;
      for (let i = 0; i < ref.voxels.length; i++) {
        const d = Math.abs(v.voxels[i] - ref.voxels[i]);
        sum += d;
        if (d > max) max = d;
      }
      expect(max, name).toBeLessThanOrEqual(maxHu);
      expect(sum / ref.voxels.length, name).toBeLessThanOrEqual(meanHu);
    }
  });

  it('the other image files convert with the dims their headers state', async () => {
    const cases: [string, number[]][] = [
      ['CT1_J2KR', [512, 512, 1]],
      ['CT2_J2KR', [512, 512, 1]],
      ['CT0012.fragmented_no_bot_jpeg_baseline.51.dcm', [512, 512, 2]],
    ];
    for (const [name, dims] of cases) {
      const v = await convert(name);
      expect(v.dims, name).toEqual(dims);
    }
  });

  it('the SR without pixel data is refused with E_NO_PIXEL_DATA', async () => {
    await expect(convert('no-pixel-data.dcm')).rejects.toMatchObject({ code: 'E_NO_PIXEL_DATA' });
  });
});

const lidc = sharedData('dicom', 'lidc-idri-0001');
const hasDcm2niix = spawnSync('dcm2niix', ['-v'], { encoding: 'utf8' }).error === undefined;
describe.skipIf(!lidc || missing(hasDcm2niix, 'dcm2niix'))(lidc ? 'opal convert vs dcm2niix (skipped without dcm2niix)' : skipNote('opal convert vs dcm2niix'), () => {
  it('lidc-idri-0001 gives the same voxels and patient-space affine as dcm2niix (canonical orientation)', () => {
    const out = join(tmp, 'opal.nii');
    opal('convert', lidc as string, '--out', out);
    const d2 = join(tmp, 'dcm2niix');
    execFileSync('mkdir', ['-p', d2]);
    execFileSync('dcm2niix', ['-z', 'n', '-o', d2, '-f', 'ref', lidc as string], { encoding: 'utf8' });
    const cmp = JSON.parse(execFileSync('/usr/bin/python3', [join(repoRoot, 'test/dicom/compare_nifti.py'), out, join(d2, 'ref.nii')], { encoding: 'utf8' })) as {
      shapeA: number[];
      shapeB: number[];
      maxAffineDiff: number;
      differingVoxels: number;
      dtypeA: string;
    };
    expect(cmp.shapeA).toEqual([512, 512, 133]);
    expect(cmp.shapeB).toEqual(cmp.shapeA);
    expect(cmp.maxAffineDiff).toBeLessThan(1e-4);
    expect(cmp.differingVoxels).toBe(0);
    expect(cmp.dtypeA).toBe('int16');
  });
});
