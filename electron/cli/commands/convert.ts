import type { Command } from 'commander';
import { dirname } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';
import { checkOutputFile } from '../../main/exports/checkOutputFolder.ts';
import { makeFolder } from '../../main/fs/makeFolder.ts';
import { loadVolumeFromPath } from '../../main/studies/loadVolume.ts';
import { writeNiftiFile } from '../../main/nifti/index.ts';

export interface ConvertResult {
  out: string;
  seriesInstanceUid: string;
  dims: [number, number, number];
  datatype: 'int16' | 'float32' | 'uint8' | 'uint16';
  warnings: { code: string; message: string }[];
}

/** Loads a series (or a single DICOM file, or a NIfTI file) and writes it as NIfTI-1 in HU. */
/** `onWriting` is called once the series is loaded, when writing the file begins. */
export async function convertToNifti(path: string, out: string, seriesInstanceUid?: string, onWriting?: (writing: boolean) => void): Promise<ConvertResult> {
  if (!/\.nii(\.gz)?$/i.test(out)) throw new OpalError('E_BAD_ARGUMENT', `--out must end in .nii or .nii.gz (got ${out}).`);
  // Before any work: an output OPAL cannot write is refused now, not after loading the series.
  await checkOutputFile(out);
  const { volume, warnings, series } = await loadVolumeFromPath(path, { seriesInstanceUid });
  onWriting?.(true);
  await makeFolder(dirname(out));
  await writeNiftiFile(out, volume, { description: `OPAL HU ${series.modality ?? ''} ${series.description ?? ''}`.trim() });
  const v = volume.voxels;
  const datatype = v instanceof Int16Array ? 'int16' : v instanceof Float32Array ? 'float32' : v instanceof Uint8Array ? 'uint8' : 'uint16';
  return { out, seriesInstanceUid: series.seriesInstanceUid, dims: volume.dims, datatype, warnings: warnings.map((w) => ({ code: w.code, message: w.message })) };
}

export function registerConvertCommand(program: Command): void {
  program
    .command('convert')
    .description('Write a DICOM series (or one DICOM file) as a NIfTI-1 volume in HU (RAS, sform = qform, int16 unless the data need float)')
    .argument('<path>', 'DICOM file, folder or DICOMDIR')
    .requiredOption('--out <file>', 'output file, .nii.gz (or .nii)')
    .option('--series <uid>', 'SeriesInstanceUID (or seriesKey from opal info) when the path holds several series')
    .action(async (path: string, opts: { out: string; series?: string }) => {
      // Ctrl-C: exit 130 at once while reading (nothing written yet); while the file is written
      // (temporary name, then one rename) let it finish, then say so and exit 130.
      let writing = false;
      let interrupted = false;
      process.on('SIGINT', () => {
        if (!writing) {
          process.stderr.write('\nopal: interrupted; nothing was written\n');
          process.exit(130);
        }
        interrupted = true;
        process.exitCode = 130;
      });
      const r = await convertToNifti(path, opts.out, opts.series, (w) => (writing = w));
      if (interrupted) {
        process.stderr.write(`\nopal: interrupted after ${r.out} was written whole\n`);
        process.exitCode = 130;
        return;
      }
      for (const w of r.warnings) process.stderr.write(`warning: ${w.code}: ${w.message}\n`);
      process.stdout.write(`${r.out}: ${r.dims.join('x')} ${r.datatype} HU from series ${r.seriesInstanceUid}\n`);
    });
}
