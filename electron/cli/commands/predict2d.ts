import type { Command } from 'commander';
import { basename, extname, join, resolve } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';
import { ensureOutputFolder } from '../../main/fs/ensureOutputFolder.ts';
import { writeFileAtomic } from '../../main/fs/writeFileAtomic.ts';
import { resolveModel } from '../../main/inference/loadModelManifest.ts';
import {
  diceScores,
  encodeLabelPng,
  ImagePredictor,
  listImages,
  readGreyImage,
  readLabelImage,
} from '../../main/inference/predictImages2d.ts';

interface Predict2dOptions {
  images: string;
  out: string;
  model?: string;
  truth?: string;
  threads?: string;
  json: boolean;
}

export interface Predict2dImageResult {
  image: string;
  mask: string;
  width: number;
  height: number;
  groundGlassPixels: number;
  consolidationPixels: number;
  dice?: { infection: number; groundGlass: number; consolidation: number };
}

export function registerPredict2dCommand(program: Command): void {
  program
    .command('predict-2d')
    .description(
      'run the model on 2-D slice images (PNG/JPEG, already windowed) and write PNG masks with values 0/1/2',
    )
    .requiredOption('--images <dir>', 'folder of PNG/JPEG slice images')
    .requiredOption('--out <dir>', 'folder for the masks (same file names, .png) and summary.json')
    .option('--model <name>', 'model name or manifest path; default: the default model')
    .option(
      '--truth <dir>',
      'folder of reference masks (PNG, values 0/1/2, same stems): adds Dice per image and overall',
    )
    .option('--threads <n>', 'inference threads', '2')
    .option('--json', 'print the summary JSON on stdout', false)
    .action(async (opts: Predict2dOptions) => {
      const threads = Number(opts.threads);
      if (!Number.isInteger(threads) || threads < 1)
        throw new OpalError(
          'E_BAD_ARGUMENT',
          `--threads must be a positive whole number, not "${opts.threads}".`,
        );
      const images = await listImages(resolve(opts.images));
      const model = await resolveModel(opts.model);
      const outDir = resolve(opts.out);
      await ensureOutputFolder(outDir);
      const predictor = await ImagePredictor.open(model, threads);
      const results: Predict2dImageResult[] = [];
      const totals = { both: [0, 0, 0], pred: [0, 0, 0], truth: [0, 0, 0] }; // infection, GGO, consolidation
      try {
        for (const path of images) {
          const image = await readGreyImage(path);
          const { labels } = await predictor.predict(image);
          const stem = basename(path, extname(path));
          const maskPath = join(outDir, `${stem}.png`);
          await writeFileAtomic(maskPath, encodeLabelPng(labels, image.width, image.height));
          let ggo = 0;
          let cons = 0;
          for (const l of labels) {
            if (l === 1) ggo++;
            else if (l === 2) cons++;
          }
          const r: Predict2dImageResult = {
            image: path,
            mask: maskPath,
            width: image.width,
            height: image.height,
            groundGlassPixels: ggo,
            consolidationPixels: cons,
          };
          if (opts.truth) {
            const truth = await readLabelImage(join(resolve(opts.truth), `${stem}.png`));
            if (truth.width !== image.width || truth.height !== image.height) {
              throw new OpalError(
                'E_BAD_ARGUMENT',
                `The reference mask of ${stem} is ${truth.width}x${truth.height}, the image ${image.width}x${image.height}.`,
              );
            }
            r.dice = diceScores(labels, truth.pixels);
            const tests = [(v: number) => v > 0, (v: number) => v === 1, (v: number) => v === 2];
            for (let p = 0; p < labels.length; p++) {
              tests.forEach((f, c) => {
                const x = f(labels[p]);
                const y = f(truth.pixels[p]);
                if (x) totals.pred[c]++;
                if (y) totals.truth[c]++;
                if (x && y) totals.both[c]++;
              });
            }
          }
          results.push(r);
        }
      } finally {
        await predictor.dispose();
      }
      const pooled = (c: number): number =>
        totals.pred[c] + totals.truth[c] === 0
          ? 1
          : (2 * totals.both[c]) / (totals.pred[c] + totals.truth[c]);
      const summary = {
        model: {
          name: model.manifest.name,
          version: model.manifest.version,
          sha256: model.manifest.sha256,
          executionProvider: predictor.executionProvider,
        },
        images: results,
        ...(opts.truth
          ? {
              dice: {
                meanInfection: results.reduce((s, r) => s + (r.dice?.infection ?? 0), 0) / results.length,
                pooledInfection: pooled(0),
                pooledGroundGlass: pooled(1),
                pooledConsolidation: pooled(2),
              },
            }
          : {}),
      };
      await writeFileAtomic(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));
      if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else {
        process.stdout.write(
          `${results.length} masks written to ${outDir} (model ${model.manifest.name} on ${predictor.executionProvider})\n`,
        );
        if (summary.dice)
          process.stdout.write(
            `Dice infection: mean ${summary.dice.meanInfection.toFixed(3)}, pooled ${summary.dice.pooledInfection.toFixed(3)}; GGO ${summary.dice.pooledGroundGlass.toFixed(3)}; consolidation ${summary.dice.pooledConsolidation.toFixed(3)}\n`,
          );
      }
    });
}
