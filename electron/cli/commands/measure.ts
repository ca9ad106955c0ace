import type { Command } from 'commander';
import { resolve } from 'node:path';
import { OpalError, type OpalErrorJson } from '../../common/errors/index.ts';
import { parseMaskMapping } from '../../common/masks/maskMeaning.ts';
import type { ImportedSegment } from '../../common/masks/importMask.ts';
import type { Measurements, ModelProvenance } from '../../common/quant/index.ts';
import { measureWithMasks } from '../../main/masks/measureWithMasks.ts';
import {
  ExportsIncompleteError,
  parseExportFormats,
  writeExports,
  type FailedExport,
  type WrittenExport,
} from '../../main/exports/writeExports.ts';
import { formatSummaryLine } from './segment.ts';

/** What `opal measure --json` prints: `opal segment`'s summary, plus what was read from the mask. */
export interface MeasureSummary {
  input: string;
  outDir?: string;
  files: { path: string; format: string }[];
  measurements: Measurements;
  model: ModelProvenance;
  warnings: OpalErrorJson[];
  timingsMs: Record<string, number>;
  mask: {
    files: { path: string; kind: 'seg' | 'nifti' }[];
    segments: ImportedSegment[];
    /** 'ct': the masks held no lungs, so they were made from the CT as `opal segment` makes them. */
    lungsFrom: 'mask' | 'ct';
  };
  failedExports?: FailedExport[];
}

interface MeasureCliOptions {
  mask: string[];
  map: string[];
  out?: string;
  format?: string;
  series?: string;
  json: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerMeasureCommand(program: Command): void {
  program
    .command('measure')
    .description(
      'measure an existing mask (DICOM SEG or NIfTI labelmap, OPAL\'s or another tool\'s) on its CT, as opal segment measures, and optionally write the same exports',
    )
    .argument('<ct>', 'the CT: DICOM folder, file or DICOMDIR, or a NIfTI file (.nii, .nii.gz)')
    .option('--mask <file>', 'mask file: DICOM SEG (.dcm) or NIfTI labelmap (.nii, .nii.gz); repeat for infection + lungs', collect, [])
    .option(
      '--map <number=meaning>',
      'what a segment number (SEG) or label value (NIfTI) is: ground-glass, consolidation, infection, right-lung, left-lung, lungs, ignore (repeatable, or comma-separated)',
      collect,
      [],
    )
    .option('--out <dir>', 'write exports into this folder')
    .option('--format <list>', 'exports with --out, comma-separated: seg,nifti,csv,json,pdf (default: all)')
    .option('--series <uid>', 'SeriesInstanceUID of the CT when the folder holds several')
    .option('--json', 'print one JSON summary on stdout', false)
    .action(async (ct: string, opts: MeasureCliOptions) => {
      if (opts.mask.length === 0) throw new OpalError('E_BAD_ARGUMENT', 'Name the mask with --mask FILE (a DICOM SEG or a NIfTI labelmap).');
      if (opts.format !== undefined && !opts.out) throw new OpalError('E_BAD_ARGUMENT', 'Say where the exports go with --out DIR (--format needs it).');
      const mapping = parseMaskMapping(opts.map);
      const formats = opts.out ? parseExportFormats(opts.format ?? 'seg,nifti,csv,json,pdf') : [];
      const input = resolve(ct);
      const maskPaths = opts.mask.map((m) => resolve(m));
      const result = await measureWithMasks(input, maskPaths, { mapping, seriesInstanceUid: opts.series });
      let files: WrittenExport[] = [];
      let failedExports: FailedExport[] | undefined;
      const outDir = opts.out ? resolve(opts.out) : undefined;
      if (outDir) {
        const t0 = performance.now();
        // The export writer's options (the done-marker records the study); a variable, so that a
        // writer without the `input` option still takes it.
        const writeOptions = { input };
        try {
          files = await writeExports(
            outDir,
            {
              volume: result.volume,
              lungs: result.lungs,
              infection: result.infection,
              measurements: result.measurements,
              model: result.provenance,
              formats,
            },
            writeOptions,
          );
        } catch (e) {
          if (!(e instanceof ExportsIncompleteError)) throw e;
          files = e.written;
          failedExports = e.failures;
        }
        result.timingsMs.exports = performance.now() - t0;
      }
      const summary: MeasureSummary = {
        input,
        ...(outDir ? { outDir } : {}),
        files,
        measurements: result.measurements,
        model: result.provenance,
        warnings: result.warnings,
        timingsMs: result.timingsMs,
        mask: {
          files: result.mask.files.map((f, i) => ({ path: maskPaths[i], kind: f.kind })),
          segments: result.mask.segments,
          lungsFrom: result.mask.lungsFrom,
        },
        ...(failedExports ? { failedExports } : {}),
      };
      if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else {
        process.stdout.write(`${input}: ${formatSummaryLine({ ...summary, outDir: outDir ?? '', previewLatencyMs: undefined })}\n`);
        for (const s of summary.mask.segments) {
          process.stdout.write(
            `  ${s.file} ${s.number} "${s.label}"${s.code ? ` [${s.code}]` : ''}: ${s.meaning ? `${s.meaning} (by ${s.by})` : 'left out'}, ${s.volumeMl.toFixed(1)} mL\n`,
          );
        }
        if (summary.mask.lungsFrom === 'ct') process.stdout.write('  lungs: none in the mask; made from the CT as opal segment makes them\n');
        if (outDir) process.stdout.write(`wrote ${files.length} files to ${outDir}\n`);
        for (const w of summary.warnings) process.stderr.write(`warning: ${w.code}: ${w.message}\n`);
      }
      if (failedExports) {
        for (const f of failedExports) process.stderr.write(`opal: ${f.error.code}: ${f.format} export not written: ${f.error.message}\n`);
        process.exitCode = 1;
      }
    });
}
