import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OpalError, toOpalError, type OpalErrorJson } from '../../common/errors/index.ts';
import type { Measurements, ModelProvenance } from '../../common/quant/index.ts';
import { checkOutputFolder, describeRecovered } from '../../main/exports/checkOutputFolder.ts';
import { DONE_MARKER, readDoneMarker } from '../../main/exports/doneMarker.ts';
import { closeInferenceService } from '../../main/inference/InferenceService.ts';
import { resolveModel, type ResolvedModel } from '../../main/inference/loadModelManifest.ts';
import {
  segmentStudy,
  type SegmentProgress,
  type SegmentStage,
} from '../../main/segmentation/segmentStudy.ts';
import {
  ExportsIncompleteError,
  parseExportFormats,
  writeExports,
  type ExportFormat,
  type FailedExport,
  type WrittenExport,
} from '../../main/exports/writeExports.ts';

/** Written last into a study's output folder when its exports are in place (main/exports/doneMarker.ts). */
export { DONE_MARKER };

export interface SegmentSummary {
  input: string;
  outDir: string;
  files: { path: string; format: string }[];
  measurements: Measurements;
  model: ModelProvenance;
  warnings: OpalErrorJson[];
  timingsMs: Record<string, number>;
  previewLatencyMs?: number;
  skipped?: boolean;
  /**
   * Requested formats that could not be made (e.g. a DICOM SEG for images sharing one
   * SOPInstanceUID): every other format was written (with a done-marker that records the failure),
   * the study counts as failed (exit code 1), and a batch run tries it again.
   */
  failedExports?: FailedExport[];
}

interface SegmentCliOptions {
  out?: string;
  model?: string;
  format: string;
  threads?: string;
  json: boolean;
  batch?: string;
  series?: string;
}

const STAGE_SPAN: Record<SegmentStage, [number, number]> = {
  model: [0, 2],
  loading: [2, 25],
  lungs: [25, 35],
  preview: [35, 50],
  inference: [50, 95],
  quantification: [95, 100],
};

function progressReporter(
  enabled: boolean,
  label: string,
): { update: (p: SegmentProgress) => void; stop: () => void } {
  // Test hook (README, "Test hooks"): one line per stage, so a test can interrupt at a known stage.
  const trace = process.env.OPAL_TEST_TRACE === '1';
  let lastStage: SegmentStage | undefined;
  const traceStage = (p: SegmentProgress): void => {
    if (trace && p.stage !== lastStage) process.stderr.write(`opal-test: stage ${(lastStage = p.stage)}\n`);
  };
  if (!enabled) return { update: traceStage, stop: () => undefined };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% {stage}`,
    hideCursor: true,
    stream: process.stderr,
    clearOnComplete: true,
  });
  bar.start(100, 0, { stage: 'model' });
  return {
    update: (p) => {
      traceStage(p);
      const [a, b] = STAGE_SPAN[p.stage];
      bar.update(Math.round(a + (b - a) * Math.min(1, Math.max(0, p.fraction))), { stage: p.stage });
    },
    stop: () => bar.stop(),
  };
}

/** Output folder of one study in batch mode: readable name plus a hash of the absolute input path. */
export function studyFolderName(input: string): string {
  const abs = resolve(input);
  const stem =
    basename(abs)
      .replace(/\.nii(\.gz)?$/i, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .slice(0, 60) || 'study';
  return `${stem}-${createHash('sha256').update(abs).digest('hex').slice(0, 8)}`;
}

/** Parses LIST.txt: one study path per line; blank lines and lines starting with # are ignored. Relative paths are relative to the list. */
export async function readBatchList(listPath: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch {
    throw new OpalError('E_NOT_FOUND', `The batch list ${listPath} cannot be read.`, listPath);
  }
  const base = dirname(resolve(listPath));
  const studies = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => resolve(base, l));
  if (studies.length === 0)
    throw new OpalError('E_BAD_ARGUMENT', `The batch list ${listPath} names no study.`, listPath);
  return studies;
}

/**
 * Finished: a done-marker from this model lists every requested format as written (none failed),
 * and every file it lists is still there at its size.
 */
async function isDone(outDir: string, model: ResolvedModel, formats: ExportFormat[]): Promise<boolean> {
  const marker = await readDoneMarker(outDir);
  if (!marker || marker.modelSha256 !== model.manifest.sha256) return false;
  if (!formats.every((f) => marker.formats.includes(f) && !marker.failed.some((x) => x.format === f))) return false;
  for (const name of marker.files) {
    const size = await stat(join(outDir, name)).then((st) => (st.isFile() ? st.size : -1), () => -1);
    if (size !== marker.bytes[name]) return false;
  }
  return true;
}

/** Checks an output folder before any work; says on stderr what was left of a killed run there. */
async function checkOutputFolderAndSay(outDir: string, tag = 'opal:'): Promise<void> {
  const { recovered } = await checkOutputFolder(outDir);
  for (const r of recovered) process.stderr.write(`${tag} note: ${describeRecovered(r)}\n`);
}

/** Segments one study and writes its exports, then the done-marker. */
export async function segmentOne(
  input: string,
  outDir: string,
  model: ResolvedModel,
  formats: ExportFormat[],
  opts: { threads?: number; series?: string; signal: AbortSignal; progress: boolean; label: string },
): Promise<SegmentSummary> {
  const reporter = progressReporter(opts.progress, opts.label);
  try {
    const result = await segmentStudy(input, {
      model,
      threads: opts.threads,
      seriesInstanceUid: opts.series,
      signal: opts.signal,
      onProgress: reporter.update,
    });
    if (opts.signal.aborted) throw new OpalError('E_CANCELLED', 'Segmentation was cancelled.');
    const t0 = performance.now();
    let files: WrittenExport[];
    let failedExports: FailedExport[] | undefined;
    try {
      files = await writeExports(outDir, {
        volume: result.volume,
        lungs: result.lungs,
        infection: result.infection,
        confidence: result.confidence,
        measurements: result.measurements,
        model: result.provenance,
        formats,
      }, { signal: opts.signal, input });
    } catch (e) {
      // One format's failure never discards the others: they are written, and the study fails.
      if (!(e instanceof ExportsIncompleteError)) throw e;
      files = e.written;
      failedExports = e.failures;
    }
    result.timingsMs.exports = performance.now() - t0;
    const summary: SegmentSummary = {
      input,
      outDir,
      files,
      measurements: result.measurements,
      model: result.provenance,
      warnings: result.warnings,
      timingsMs: result.timingsMs,
      previewLatencyMs: result.previewLatencyMs,
      ...(failedExports ? { failedExports } : {}),
    };
    return summary;
  } finally {
    reporter.stop();
  }
}

export function formatSummaryLine(s: SegmentSummary): string {
  const m = s.measurements;
  const ml = (v: number): string => v.toFixed(1);
  return (
    `infection ${ml(m.infection.totalMl)} mL (GGO ${ml(m.infection.groundGlassMl)}, consolidation ${ml(m.infection.consolidationMl)}, ${m.infection.lesionCount} lesions); ` +
    `lungs ${ml(m.lungs.totalVolumeMl)} mL (right ${ml(m.lungs.right.volumeMl)}, ${m.lungs.right.involvementPercent.toFixed(1)} % involved; ` +
    `left ${ml(m.lungs.left.volumeMl)}, ${m.lungs.left.involvementPercent.toFixed(1)} % involved); severity ${m.severity.total}/30 (zone-based approximation)`
  );
}

function failedExportLine(f: FailedExport): string {
  return `${f.format} export not written: ${f.error.message}`;
}

function parseThreads(v?: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new OpalError('E_BAD_ARGUMENT', `--threads must be a whole number from 1 to 256, not "${v}".`);
  return n;
}

export function registerSegmentCommand(program: Command): void {
  program
    .command('segment')
    .description(
      'segment lungs and COVID-19 infection (GGO, consolidation) in a CT study and write the exports',
    )
    .argument('[study]', 'DICOM folder, file or DICOMDIR, or a NIfTI file (.nii, .nii.gz)')
    .option('--out <dir>', 'output folder (batch mode: one sub-folder per study)')
    .option(
      '--model <name>',
      'model name (models/manifests/<name>.json) or manifest path; default: the default model',
    )
    .option('--format <list>', 'exports, comma-separated: seg,nifti,csv,json,pdf', 'seg,nifti,csv,json,pdf')
    .option('--threads <n>', 'inference threads (default: all cores)')
    .option('--series <uid>', 'SeriesInstanceUID to segment when the folder holds several')
    .option(
      '--batch <list>',
      'text file with one study path per line; restartable (finished studies are skipped)',
    )
    .option('--json', 'print one JSON summary on stdout', false)
    .action(async (study: string | undefined, opts: SegmentCliOptions) => {
      if (!opts.out) throw new OpalError('E_BAD_ARGUMENT', 'Say where the results go with --out DIR.');
      if (study && opts.batch)
        throw new OpalError('E_BAD_ARGUMENT', 'Give either one study or --batch LIST.txt, not both.');
      if (!study && !opts.batch)
        throw new OpalError('E_BAD_ARGUMENT', 'Name a study (DICOM folder or NIfTI file) or a --batch list.');
      const formats = parseExportFormats(opts.format);
      const threads = parseThreads(opts.threads);
      const outRoot = resolve(opts.out);
      const run = startInterruptibleRun();
      const controller = run.controller;
      const tty = Boolean(process.stderr.isTTY) && !opts.json;
      try {
        // Before any work: a folder OPAL cannot write is refused now, not after the inference.
        await checkOutputFolderAndSay(outRoot);
        const model = await resolveModel(opts.model);
        if (controller.signal.aborted) throw new OpalError('E_CANCELLED', 'Segmentation was cancelled.');
        if (study) {
          const summary = await segmentOne(resolve(study), outRoot, model, formats, {
            threads,
            series: opts.series,
            signal: controller.signal,
            progress: tty,
            label: basename(study),
          });
          if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
          else {
            process.stdout.write(`${summary.input}: ${formatSummaryLine(summary)}\n`);
            process.stdout.write(
              `model ${summary.model.name} ${summary.model.version} on ${summary.model.executionProvider}; wrote ${summary.files.length} files to ${summary.outDir}\n`,
            );
            for (const w of summary.warnings) process.stderr.write(`warning: ${w.code}: ${w.message}\n`);
          }
          if (summary.failedExports) {
            for (const f of summary.failedExports) process.stderr.write(`opal: ${f.error.code}: ${failedExportLine(f)}\n`);
            process.exitCode = 1;
          }
          if (run.interrupted()) {
            // Ctrl-C came after the done-marker was in place: the exports are complete.
            process.stderr.write(`opal: interrupted after the exports were complete (${summary.files.length} files and the done-marker in ${summary.outDir})\n`);
            process.exitCode = 130;
          }
          return;
        }
        const studies = await readBatchList(opts.batch!);
        const summaries: (SegmentSummary | { input: string; outDir: string; error: OpalErrorJson })[] = [];
        let failed = 0;
        for (const [i, input] of studies.entries()) {
          if (controller.signal.aborted) break;
          const outDir = join(outRoot, studyFolderName(input));
          const tag = `[${i + 1}/${studies.length}]`;
          try {
            // Also finishes or rolls back what a killed run left in this study's folder.
            await checkOutputFolderAndSay(outDir, `${tag} ${input}:`);
          } catch (e) {
            const err = toOpalError(e);
            failed++;
            summaries.push({ input, outDir, error: err.toJSON() });
            process.stderr.write(`${tag} ${input}: FAILED ${err.code}: ${err.message}\n`);
            continue;
          }
          if (await isDone(outDir, model, formats)) {
            process.stderr.write(`${tag} ${input}: already done, skipped (${outDir})\n`);
            summaries.push({ input, outDir, skipped: true } as SegmentSummary);
            continue;
          }
          const t0 = performance.now();
          try {
            const s = await segmentOne(input, outDir, model, formats, {
              threads,
              series: opts.series,
              signal: controller.signal,
              progress: tty,
              label: tag,
            });
            summaries.push(s);
            process.stderr.write(
              `${tag} ${input}: ${formatSummaryLine(s)} -> ${outDir} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
            );
            if (s.failedExports) {
              failed++;
              for (const f of s.failedExports) process.stderr.write(`${tag} ${input}: FAILED ${f.error.code}: ${failedExportLine(f)}\n`);
            }
          } catch (e) {
            const err = toOpalError(e);
            if (err.code === 'E_CANCELLED') break;
            failed++;
            summaries.push({ input, outDir, error: err.toJSON() });
            process.stderr.write(`${tag} ${input}: FAILED ${err.code}: ${err.message}\n`);
          }
        }
        if (opts.json)
          process.stdout.write(JSON.stringify({ studies: summaries, failed, interrupted: run.interrupted() }, null, 2) + '\n');
        if (run.interrupted()) {
          const finished = summaries.filter((x) => !('error' in x) && !x.failedExports).length;
          process.stderr.write(
            `opal: batch interrupted after ${summaries.length} of ${studies.length} studies (${finished} with a done-marker; a study folder without one holds no new file); run the same command again to resume\n`,
          );
          process.exitCode = 130;
        } else if (failed > 0) process.exitCode = 1;
      } catch (e) {
        if (!run.interrupted()) throw e;
        // Interrupted: exit 130 whatever the work was doing, saying what is left.
        const err = toOpalError(e);
        process.stderr.write(
          err.code === 'E_CANCELLED' ? 'opal: interrupted; nothing was written\n' : `opal: interrupted; ${err.code}: ${err.message}\n`,
        );
        process.exitCode = 130;
      } finally {
        await closeInferenceService();
        run.finish();
      }
    });
}

/**
 * Ctrl-C for one `opal segment` run: the first aborts the work (what is being written is rolled
 * back, nothing more is put in place) and the run ends with exit code 130; a second quits at once
 * (an export being put in place is then rolled back by the next run into its folder). The handler
 * stays installed once the run is over, so a Ctrl-C in the last moments still exits 130.
 */
function startInterruptibleRun(): { controller: AbortController; interrupted: () => boolean; finish: () => void } {
  const controller = new AbortController();
  let interrupted = false;
  let finished = false;
  sigintHandler = (): void => {
    if (finished) {
      process.stderr.write('\nopal: interrupted after the run had finished; its results stand as reported above\n');
      process.exitCode = 130;
      return;
    }
    if (interrupted) {
      process.stderr.write('opal: quitting at once\n');
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write('\nopal: interrupted; stopping without writing anything more (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  if (!sigintInstalled) {
    sigintInstalled = true;
    process.on('SIGINT', () => sigintHandler?.());
  }
  return {
    controller,
    interrupted: () => interrupted,
    finish: () => {
      finished = true;
    },
  };
}

let sigintHandler: (() => void) | undefined;
let sigintInstalled = false;
