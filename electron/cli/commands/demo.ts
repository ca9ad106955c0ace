import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';
import { closeInferenceService } from '../../main/inference/InferenceService.ts';
import { resolveModel } from '../../main/inference/loadModelManifest.ts';
import { writePhantomSeries } from '../../main/phantom/index.ts';
import { EXPORT_FORMATS } from '../../main/exports/writeExports.ts';
import { formatSummaryLine, segmentOne } from './segment.ts';
import { appRoot } from '../../main/appPaths.ts';

const repoRoot = appRoot();

interface DemoOptions {
  cache: string;
  model?: string;
  size: string;
  slices: string;
  threads?: string;
  json: boolean;
}

interface TruthJson {
  lungs: { right: { volumeMl: number }; left: { volumeMl: number }; total: { volumeMl: number } };
  infection: {
    groundGlassOpacity: { volumeMl: number };
    consolidation: { volumeMl: number };
    total: { volumeMl: number };
  };
}

/**
 * `npm run demo`: the embedded sample end to end. Generates the chest phantom into .opal-cache/
 * (once), segments it with the default model exactly as `opal segment` does, and prints the
 * volumes next to the phantom's truth.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'segment the built-in chest phantom (generated into .opal-cache/ on first use) and compare with its truth',
    )
    .option('--cache <dir>', 'where the phantom and the outputs go', join(repoRoot, '.opal-cache'))
    .option('--model <name>', 'model name or manifest path; default: the default model')
    .option('--size <n>', 'phantom rows = columns', '256')
    .option('--slices <n>', 'phantom slices', '96')
    .option('--threads <n>', 'inference threads (default: all cores)')
    .option('--json', 'print one JSON summary on stdout', false)
    .action(async (opts: DemoOptions) => {
      const size = Number(opts.size);
      const slices = Number(opts.slices);
      if (!Number.isInteger(size) || size < 64 || size > 1024)
        throw new OpalError('E_BAD_ARGUMENT', `--size must be 64-1024, not "${opts.size}".`);
      if (!Number.isInteger(slices) || slices < 8 || slices > 1000)
        throw new OpalError('E_BAD_ARGUMENT', `--slices must be 8-1000, not "${opts.slices}".`);
      const threads = opts.threads === undefined ? undefined : Number(opts.threads);
      const cache = resolve(opts.cache);
      const seriesDir = join(cache, `phantom-seed1-${size}x${slices}`);
      const truthPath = join(seriesDir, 'truth.json');
      if (!existsSync(truthPath)) {
        process.stderr.write(`generating the chest phantom (${size}x${size}x${slices}) in ${seriesDir}\n`);
        await writePhantomSeries(seriesDir, { seed: 1, size, slices });
      }
      const model = await resolveModel(opts.model);
      const outDir = join(cache, 'demo-output');
      try {
        const summary = await segmentOne(seriesDir, outDir, model, [...EXPORT_FORMATS], {
          threads,
          signal: new AbortController().signal,
          progress: Boolean(process.stderr.isTTY) && !opts.json,
          label: 'demo',
        });
        const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as TruthJson;
        if (opts.json) {
          process.stdout.write(
            JSON.stringify(
              { ...summary, truth: { lungs: truth.lungs, infection: truth.infection } },
              null,
              2,
            ) + '\n',
          );
          return;
        }
        const m = summary.measurements;
        const ml = (v: number): string => `${v.toFixed(1)} mL`.padStart(11);
        const lines = [
          `OPAL demo: chest phantom ${size}x${size}x${slices} (${seriesDir})`,
          `model ${summary.model.name} ${summary.model.version} on ${summary.model.executionProvider}`,
          '',
          '                      OPAL        truth',
          `right lung     ${ml(m.lungs.right.volumeMl)}  ${ml(truth.lungs.right.volumeMl)}`,
          `left lung      ${ml(m.lungs.left.volumeMl)}  ${ml(truth.lungs.left.volumeMl)}`,
          `ground-glass   ${ml(m.infection.groundGlassMl)}  ${ml(truth.infection.groundGlassOpacity.volumeMl)}`,
          `consolidation  ${ml(m.infection.consolidationMl)}  ${ml(truth.infection.consolidation.volumeMl)}`,
          `all infection  ${ml(m.infection.totalMl)}  ${ml(truth.infection.total.volumeMl)}`,
          '',
          formatSummaryLine(summary),
          `outputs: ${summary.files.map((f) => f.path).join(', ')}`,
          'investigational software, not a medical device',
        ];
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        await closeInferenceService();
      }
    });
}
