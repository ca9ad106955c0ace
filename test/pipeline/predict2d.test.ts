import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { sharedData, skipNote, testOutputDir } from '../fixtures/sharedData.ts';
import { makeTestModel, type TestModel } from './fixtures/testModel.ts';
import { runOpal } from './cli.ts';

const root = testOutputDir('engine-predict2d');
let model: TestModel;

function greyPng(width: number, height: number, value: (x: number, y: number) => number): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = value(x, y);
      const o = 4 * (x + width * y);
      png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

function readPng(path: string): { width: number; height: number; values: Uint8Array } {
  const png = PNG.sync.read(readFileSync(path));
  const values = new Uint8Array(png.width * png.height);
  for (let p = 0; p < values.length; p++) values[p] = png.data[4 * p];
  return { width: png.width, height: png.height, values };
}

// Three vertical bands: grey 50 (below the band model's GGO edge), 150 (GGO), 230 (consolidation).
const band = (x: number): number => (x < 30 ? 50 : x < 60 ? 150 : 230);
const bandLabel = (x: number): number => (x < 30 ? 0 : x < 60 ? 1 : 2);

beforeAll(() => {
  rmSync(root, { recursive: true, force: true });
  model = makeTestModel(root, { size: 64 });
  mkdirSync(join(root, 'images'), { recursive: true });
  mkdirSync(join(root, 'truth'), { recursive: true });
  writeFileSync(join(root, 'images', 'a.png'), greyPng(90, 40, band));
  writeFileSync(join(root, 'truth', 'a.png'), greyPng(90, 40, bandLabel));
  writeFileSync(join(root, 'images', 'notes.txt'), 'not an image');
});

describe('opal predict-2d', () => {
  it('writes a 0/1/2 PNG mask per image with the same name and size, and Dice against reference masks', async () => {
    const out = join(root, 'out');
    const r = await runOpal(
      [
        'predict-2d',
        '--images',
        join(root, 'images'),
        '--out',
        out,
        '--truth',
        join(root, 'truth'),
        '--json',
      ],
      { OPAL_MODELS_DIR: model.modelsDir },
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const mask = readPng(join(out, 'a.png'));
    expect([mask.width, mask.height]).toEqual([90, 40]);
    // away from the band edges (resizing 90x40 to 64x64 and back blurs them) the labels are the bands
    for (const [x, label] of [
      [10, 0],
      [45, 1],
      [80, 2],
    ])
      expect(mask.values[x + 90 * 20]).toBe(label);
    expect(new Set(mask.values)).toEqual(new Set([0, 1, 2]));
    const summary = JSON.parse(r.stdout) as {
      images: { dice: { infection: number } }[];
      dice: { pooledInfection: number };
    };
    expect(summary.images).toHaveLength(1);
    expect(summary.dice.pooledInfection).toBeGreaterThan(0.95);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
  });

  it('fails with a coded error for a folder without images', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = await runOpal(['predict-2d', '--images', empty, '--out', join(root, 'out2')], {
      OPAL_MODELS_DIR: model.modelsDir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_EMPTY_FOLDER');
  });

  const semiseg = sharedData('covid-semiseg', 'train');
  it.skipIf(!semiseg)(
    semiseg ? 'reads the COVID-SemiSeg JPEG slices and its palette masks' : skipNote('COVID-SemiSeg'),
    async () => {
      const images = join(root, 'semiseg-images');
      const truth = join(root, 'semiseg-truth');
      mkdirSync(images, { recursive: true });
      mkdirSync(truth, { recursive: true });
      for (const stem of ['0', '1', '2']) {
        copyFileSync(join(semiseg!, 'images', `${stem}.jpg`), join(images, `${stem}.jpg`));
        copyFileSync(join(semiseg!, 'masks-multiclass', `${stem}.png`), join(truth, `${stem}.png`));
      }
      const out = join(root, 'semiseg-out');
      const r = await runOpal(['predict-2d', '--images', images, '--out', out, '--truth', truth, '--json'], {
        OPAL_MODELS_DIR: model.modelsDir,
      });
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['0.png', '1.png', '2.png', 'summary.json']);
      const summary = JSON.parse(r.stdout) as {
        images: { width: number; height: number; dice: { infection: number } }[];
      };
      for (const img of summary.images) {
        expect(img.dice.infection).toBeGreaterThanOrEqual(0);
        expect(img.dice.infection).toBeLessThanOrEqual(1);
      }
      const m = readPng(join(out, '0.png'));
      expect([m.width, m.height]).toEqual([summary.images[0].width, summary.images[0].height]);
      expect([...new Set(m.values)].every((v) => v <= 2)).toBe(true);
    },
  );
});
