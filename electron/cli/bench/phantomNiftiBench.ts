import { readFile, readdir, writeFile } from 'node:fs/promises';
import { makeFolder } from '../../main/fs/makeFolder.ts';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'fflate';
import { decodeNifti, encodeNifti1, encodeNiftiGz } from '../../common/nifti/index.ts';
import { generateChestPhantom } from '../../common/phantom/index.ts';
import { readNiftiFile, writeNiftiFile } from '../../main/nifti/index.ts';
import { writePhantomSeries } from '../../main/phantom/index.ts';
import type { BenchContext, BenchResult, BenchRow, BenchSection } from './BenchSection.ts';

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/**
 * The phantom generator and the NIfTI codec, each against the plain operation underneath it in the
 * same run: series writing against writing the same bytes with writeFile, NIfTI (de)compression
 * against fflate's gzip/gunzip of the same bytes, NIfTI decoding of a `.nii` against copying it.
 */
export const phantomNiftiBench: BenchSection = {
  name: 'phantom-nifti',
  description: 'chest phantom generation and DICOM series writing; NIfTI encode/decode vs raw gzip',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const size = ctx.quick ? 256 : 512;
    const slices = ctx.quick ? 64 : 300;
    const rows: BenchRow[] = [];
    const mb = (bytes: number): number => bytes / 1e6;

    ctx.log(`generating a ${size}x${size}x${slices} phantom`);
    let t0 = performance.now();
    const phantom = generateChestPhantom({ size, slices });
    const tGen = seconds(t0);
    const voxelBytes = phantom.volume.voxels.byteLength;
    rows.push({
      step: `generate phantom ${size}x${size}x${slices}`,
      seconds: tGen,
      'MB/s': mb(voxelBytes) / tGen,
      baseline: '-',
      'baseline s': '-',
      ratio: '-',
    });

    const seriesDir = join(ctx.workDir, 'phantom-series');
    ctx.log('writing the DICOM series');
    t0 = performance.now();
    const series = await writePhantomSeries(seriesDir, {}, phantom);
    const tSeries = seconds(t0);
    const files = (await readdir(seriesDir)).filter((f) => f.endsWith('.dcm'));
    const contents = await Promise.all(files.map((f) => readFile(join(seriesDir, f))));
    const seriesBytes = contents.reduce((a, b) => a + b.length, 0);
    const rawDir = join(ctx.workDir, 'raw-copy');
    await makeFolder(rawDir);
    t0 = performance.now();
    for (let n = 0; n < contents.length; n++) await writeFile(join(rawDir, files[n]), contents[n]);
    const tRaw = seconds(t0);
    rows.push({
      step: `write series (${series.files.length} files, masks, truth)`,
      seconds: tSeries,
      'MB/s': mb(seriesBytes) / tSeries,
      baseline: 'writeFile same bytes',
      'baseline s': tRaw,
      ratio: tSeries / tRaw,
    });

    ctx.log('NIfTI encode/decode');
    t0 = performance.now();
    const nii = encodeNifti1(phantom.volume);
    const tEnc = seconds(t0);
    t0 = performance.now();
    const copy = new Uint8Array(nii.length);
    copy.set(nii);
    const tCopy = seconds(t0);
    rows.push({
      step: 'encodeNifti1 (.nii)',
      seconds: tEnc,
      'MB/s': mb(nii.length) / tEnc,
      baseline: 'memory copy',
      'baseline s': tCopy,
      ratio: tEnc / tCopy,
    });

    t0 = performance.now();
    const gz = encodeNiftiGz(phantom.volume);
    const tEncGz = seconds(t0);
    t0 = performance.now();
    gzipSync(nii, { level: 6 });
    const tGzip = seconds(t0);
    rows.push({
      step: 'encodeNiftiGz (.nii.gz)',
      seconds: tEncGz,
      'MB/s': mb(nii.length) / tEncGz,
      baseline: 'fflate gzip level 6',
      'baseline s': tGzip,
      ratio: tEncGz / tGzip,
    });

    t0 = performance.now();
    decodeNifti(nii);
    const tDec = seconds(t0);
    rows.push({
      step: 'decodeNifti (.nii)',
      seconds: tDec,
      'MB/s': mb(nii.length) / tDec,
      baseline: 'memory copy',
      'baseline s': tCopy,
      ratio: tDec / tCopy,
    });

    t0 = performance.now();
    const back = decodeNifti(gz);
    const tDecGz = seconds(t0);
    t0 = performance.now();
    gunzipSync(gz);
    const tGunzip = seconds(t0);
    rows.push({
      step: 'decodeNifti (.nii.gz)',
      seconds: tDecGz,
      'MB/s': mb(nii.length) / tDecGz,
      baseline: 'fflate gunzip',
      'baseline s': tGunzip,
      ratio: tDecGz / tGunzip,
    });

    const niiPath = join(ctx.workDir, 'phantom-ct.nii.gz');
    t0 = performance.now();
    await writeNiftiFile(niiPath, phantom.volume);
    const tWrite = seconds(t0);
    rows.push({
      step: 'writeNiftiFile (.nii.gz, node zlib)',
      seconds: tWrite,
      'MB/s': mb(nii.length) / tWrite,
      baseline: 'fflate gzip level 6',
      'baseline s': tGzip,
      ratio: tWrite / tGzip,
    });
    t0 = performance.now();
    await readNiftiFile(niiPath);
    const tRead = seconds(t0);
    rows.push({
      step: 'readNiftiFile (.nii.gz, node zlib)',
      seconds: tRead,
      'MB/s': mb(nii.length) / tRead,
      baseline: 'fflate gunzip',
      'baseline s': tGunzip,
      ratio: tRead / tGunzip,
    });

    const same =
      back.voxels.length === phantom.volume.voxels.length &&
      back.voxels.every((v, n) => v === phantom.volume.voxels[n]);
    const t = phantom.truth;
    return {
      title: `Chest phantom and NIfTI (${size}x${size}x${slices}, ${mb(voxelBytes).toFixed(0)} MB of int16 voxels)`,
      rows,
      notes: [
        `phantom lungs ${t.lungs.total.volumeMl.toFixed(0)} mL (right ${t.lungs.right.volumeMl.toFixed(0)}, left ${t.lungs.left.volumeMl.toFixed(0)}); ground-glass ${t.infection.groundGlassOpacity.volumeMl.toFixed(1)} mL, consolidation ${t.infection.consolidation.volumeMl.toFixed(1)} mL`,
        `.nii.gz is ${((gz.length / nii.length) * 100).toFixed(1)}% of .nii; round trip ${same ? 'identical' : 'DIFFERENT (bug)'}`,
        'ratio = step time / baseline time in the same run',
      ],
    };
  },
};
