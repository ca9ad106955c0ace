import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { readFile } from 'node:fs/promises';
import { makeFolder } from '../../main/fs/makeFolder.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isOpalError } from '../../common/errors/index.ts';
import { closeInferenceService } from '../../main/inference/InferenceService.ts';
import {
  loadModelManifest,
  resolveModel,
  type ResolvedModel,
} from '../../main/inference/loadModelManifest.ts';
import { writePhantomSeries } from '../../main/phantom/index.ts';
import { segmentStudy } from '../../main/segmentation/segmentStudy.ts';
import { EXPORT_FORMATS, writeExports } from '../../main/exports/writeExports.ts';
import type { BenchContext, BenchResult, BenchRow, BenchSection } from './BenchSection.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The default model, or (when none is installed) an untrained CMUNeXt exported for timing only. */
async function benchModel(ctx: BenchContext): Promise<{ model: ResolvedModel; note: string }> {
  try {
    const model = await resolveModel();
    return {
      model,
      note: `model ${model.manifest.name} ${model.manifest.version} (${model.manifest.architecture}, ${model.manifest.input.width}x${model.manifest.input.height})`,
    };
  } catch (e) {
    if (!isOpalError(e) || e.code !== 'E_MODEL_MISSING') throw e;
  }
  const dir = join(ctx.workDir, 'models');
  await makeFolder(join(dir, 'manifests'));
  ctx.log('no model installed: exporting an untrained CMUNeXt (same cost as a trained one) for timing');
  execFileSync(
    '/usr/bin/python3',
    [
      '-m',
      'segnets.export_onnx',
      '--net',
      'cmunext',
      '--size',
      '256',
      '--out',
      join(dir, 'bench.onnx'),
      '--manifest-out',
      join(dir, 'manifests', 'bench.json'),
      '--name',
      'bench',
    ],
    { cwd: join(repoRoot, 'models'), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const model = await loadModelManifest(join(dir, 'manifests', 'bench.json'));
  return { model, note: 'model: untrained CMUNeXt 256x256 (no trained model installed; same graph cost)' };
}

/**
 * `opal bench` section "pipeline": one phantom CT (300 slices of 512², or 64 of 256² with --quick)
 * end to end as `opal segment` runs it — load the DICOM series, lungs, inference (2 threads, CPU),
 * quantification, all exports — with the preview latency and peak RSS. Baseline in the same run:
 * reading the same files raw (readFile of every slice).
 */
export const pipelineBench: BenchSection = {
  name: 'pipeline',
  description: 'phantom CT end to end: load, lungs, inference (CPU, 2 threads), quantification, exports',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const size = ctx.quick ? 256 : 512;
    const slices = ctx.quick ? 64 : 300;
    const { model, note: modelNote } = await benchModel(ctx);
    const seriesDir = join(ctx.workDir, `phantom-${size}x${slices}`);
    ctx.log(`writing a ${size}x${size}x${slices} phantom series`);
    const series = await writePhantomSeries(seriesDir, { seed: 1, size, slices });

    // Baseline: raw read of the same files, warm cache (read twice, time the second).
    const readAll = async (): Promise<number> => {
      let bytes = 0;
      for (const f of series.files) bytes += (await readFile(f)).byteLength;
      return bytes;
    };
    await readAll();
    let t0 = performance.now();
    const bytes = await readAll();
    const rawReadS = (performance.now() - t0) / 1000;

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 25);
    const load0 = loadavg()[0];
    try {
      ctx.log('segmenting');
      t0 = performance.now();
      const cpu0 = process.cpuUsage();
      // With a preview listener, as the app runs it (the preview comes from the aerated lung first).
      const result = await segmentStudy(seriesDir, { model, threads: 2, onPreview: () => undefined });
      const outDir = join(ctx.workDir, 'out');
      await makeFolder(outDir);
      const tExport = performance.now();
      const cpuExport = process.cpuUsage();
      await writeExports(outDir, {
        volume: result.volume,
        lungs: result.lungs,
        infection: result.infection,
        measurements: result.measurements,
        model: result.provenance,
        formats: [...EXPORT_FORMATS],
      });
      const exportS = (performance.now() - tExport) / 1000;
      const exportCpu = process.cpuUsage(cpuExport);
      const totalS = (performance.now() - t0) / 1000;
      const totalCpu = process.cpuUsage(cpu0);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const s = (ms: number | undefined): number => (ms ?? 0) / 1000;
      const row = (stage: string, wallS: number, cpuS: number, notes = ''): BenchRow => ({
        stage,
        'wall s': wallS,
        'cpu s': cpuS,
        'x raw read': wallS / rawReadS,
        notes,
      });
      const rows: BenchRow[] = [
        row(
          'baseline: raw read of the series',
          rawReadS,
          0,
          `${(bytes / 2 ** 20).toFixed(0)} MB, ${series.files.length} files`,
        ),
        row(
          'session (hash check + create)',
          s(result.timingsMs.model),
          s(result.cpuMs.model),
          result.provenance.executionProvider,
        ),
        row('load DICOM series', s(result.timingsMs.load), s(result.cpuMs.load)),
        row('lung mask', s(result.timingsMs.lungs), s(result.cpuMs.lungs)),
        row(
          'inference (preview + full)',
          s(result.timingsMs.inference),
          s(result.cpuMs.inference),
          `${result.provenance.name}, 2 threads`,
        ),
        row('quantification', s(result.timingsMs.quantification), s(result.cpuMs.quantification)),
        row('exports (seg, nifti, csv, json, pdf)', exportS, (exportCpu.user + exportCpu.system) / 1e6),
        row('end to end', totalS, (totalCpu.user + totalCpu.system) / 1e6, 'target <= 30 s'),
        row('preview latency', s(result.previewLatencyMs), 0, 'from the start of the lung mask: mask + every 4th slice; target <= 5 s'),
      ];
      return {
        title: `Pipeline end to end: ${size}x${size}x${slices} phantom, CPU, 2 inference threads`,
        rows,
        notes: [
          modelNote,
          `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB (target <= 2048 MB)`,
          `1-minute load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end: on a shared machine wall time exceeds CPU time`,
          `infection found ${result.measurements.infection.totalMl.toFixed(1)} mL vs truth ${series.truth.infection.total.volumeMl.toFixed(1)} mL; lungs ${result.measurements.lungs.totalVolumeMl.toFixed(0)} mL vs truth ${series.truth.lungs.total.volumeMl.toFixed(0)} mL`,
        ],
      };
    } finally {
      clearInterval(sampler);
      await closeInferenceService();
    }
  },
};
