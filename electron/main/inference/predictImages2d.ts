import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { OpalError } from '../../common/errors/index.ts';
import {
  argmaxWithConfidence,
  pixelsToModelInput,
  resizeBilinear,
  softmaxChannels,
} from '../../common/inference/index.ts';
import { readVerifiedModel, type ResolvedModel } from './loadModelManifest.ts';
import { executionProvidersFor } from './providerCheck.ts';

export interface GreyImage {
  width: number;
  height: number;
  /** 8-bit grey values, x fastest. */
  pixels: Uint8Array;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Decodes a PNG or JPEG file to 8-bit grey (the red channel of colour images, which are grey in the 2-D datasets). */
export async function readGreyImage(path: string): Promise<GreyImage> {
  const bytes = await readFile(path);
  const ext = extname(path).toLowerCase();
  try {
    if (ext === '.png') {
      const png = PNG.sync.read(bytes);
      const pixels = new Uint8Array(png.width * png.height);
      for (let p = 0; p < pixels.length; p++) pixels[p] = png.data[p * 4];
      return { width: png.width, height: png.height, pixels };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    const pixels = new Uint8Array(img.width * img.height);
    for (let p = 0; p < pixels.length; p++) pixels[p] = img.data[p * 4];
    return { width: img.width, height: img.height, pixels };
  } catch (e) {
    throw new OpalError(
      'E_BAD_ARGUMENT',
      `${path} is not a readable PNG or JPEG image: ${(e as Error).message}`,
      path,
    );
  }
}

/**
 * Reads a label mask: grey PNGs hold the label value itself (0/1/2); palette PNGs use the PASCAL VOC
 * palette, as COVID-SemiSeg does (index 1 = RGB(128,0,0) ground-glass, 2 = RGB(0,128,0)
 * consolidation), and are decoded back to their indices.
 */
export async function readLabelImage(path: string): Promise<GreyImage> {
  const bytes = await readFile(path).catch(() => {
    throw new OpalError('E_NOT_FOUND', `No reference mask ${path}.`, path);
  });
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw new OpalError('E_BAD_ARGUMENT', `${path} is not a readable PNG: ${(e as Error).message}`, path);
  }
  const pixels = new Uint8Array(png.width * png.height);
  for (let p = 0; p < pixels.length; p++) {
    const r = png.data[p * 4];
    const g = png.data[p * 4 + 1];
    const b = png.data[p * 4 + 2];
    if (r === g && g === b) pixels[p] = r;
    else if (r === 128 && g === 0 && b === 0) pixels[p] = 1;
    else if (r === 0 && g === 128 && b === 0) pixels[p] = 2;
    else
      throw new OpalError(
        'E_BAD_ARGUMENT',
        `${path} has colour (${r},${g},${b}), which is not a label 0/1/2 (grey or VOC palette).`,
        path,
      );
  }
  return { width: png.width, height: png.height, pixels };
}

/** Image files (PNG/JPEG) of a folder, sorted by name. */
export async function listImages(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new OpalError('E_NOT_FOUND', `The image folder ${dir} cannot be read.`, dir);
  }
  const files = names
    .filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (files.length === 0) throw new OpalError('E_EMPTY_FOLDER', `No PNG or JPEG images in ${dir}.`, dir);
  return files.map((f) => join(dir, f));
}

/**
 * A model session for 2-D images (already windowed 8-bit slices, as in COVID-SemiSeg): each image
 * is resized to the model input, normalised with the manifest's mean/std (w = pixel / 255), and the
 * prediction resized back to the image size.
 */
export class ImagePredictor {
  private constructor(
    readonly model: ResolvedModel,
    private readonly session: ort.InferenceSession,
    readonly executionProvider: string,
  ) {}

  static async open(model: ResolvedModel, threads = 2): Promise<ImagePredictor> {
    const modelBytes = await readVerifiedModel(model); // these bytes, never the path again
    const { providers } = await executionProvidersFor({ modelBytes, manifest: model.manifest });
    let lastError = '';
    for (let i = 0; i < providers.length; i++) {
      try {
        const session = await ort.InferenceSession.create(modelBytes, {
          executionProviders: providers.slice(i),
          intraOpNumThreads: threads,
        });
        if (
          !session.inputNames.includes(model.manifest.input.name) ||
          !session.outputNames.includes(model.manifest.output.name)
        ) {
          await session.release();
          throw new OpalError(
            'E_MODEL_MANIFEST',
            `The model's inputs/outputs [${session.inputNames}] / [${session.outputNames}] are not the manifest's.`,
          );
        }
        return new ImagePredictor(model, session, providers[i]);
      } catch (e) {
        if (e instanceof OpalError) throw e;
        lastError = (e as Error).message;
      }
    }
    throw new OpalError('E_MODEL_LOAD', `The model could not be loaded: ${lastError}`, model.onnxPath);
  }

  /** Labels (0/1/2) and confidence (0-255) at the image's size. */
  async predict(image: GreyImage): Promise<{ labels: Uint8Array; confidence: Uint8Array }> {
    const { input, classes, output } = this.model.manifest;
    const mh = input.height;
    const mw = input.width;
    const normalised = new Float32Array(image.width * image.height);
    pixelsToModelInput(image.pixels, input.intensity, normalised);
    const tensorData = new Float32Array(mh * mw);
    resizeBilinear(normalised, image.width, image.height, tensorData, mw, mh);
    const out = await this.session.run({
      [input.name]: new ort.Tensor('float32', tensorData, [1, 1, mh, mw]),
    });
    const logits = out[output.name];
    const [, c, oh, ow] = logits.dims;
    if (c !== classes.length)
      throw new OpalError(
        'E_MODEL_MANIFEST',
        `The model outputs ${c} classes; the manifest lists ${classes.length}.`,
      );
    const data = logits.data as Float32Array;
    softmaxChannels(data, c, oh * ow);
    const pixels = image.width * image.height;
    const probs = new Float32Array(c * pixels);
    for (let k = 0; k < c; k++)
      resizeBilinear(data, ow, oh, probs, image.width, image.height, k * oh * ow, k * pixels);
    const labels = new Uint8Array(pixels);
    const confidence = new Uint8Array(pixels);
    argmaxWithConfidence(probs, c, pixels, labels, confidence);
    logits.dispose?.();
    return { labels, confidence };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** PNG (8-bit grey) whose pixel values are the labels 0/1/2 themselves. */
export function encodeLabelPng(labels: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(labels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
}

/** Per-class Dice of a prediction against a reference mask (labels 0/1/2); NaN-free (1 when both are empty). */
export function diceScores(
  pred: Uint8Array,
  truth: Uint8Array,
): { infection: number; groundGlass: number; consolidation: number } {
  const dice = (f: (v: number) => boolean): number => {
    let a = 0;
    let b = 0;
    let both = 0;
    for (let p = 0; p < pred.length; p++) {
      const x = f(pred[p]);
      const y = f(truth[p]);
      if (x) a++;
      if (y) b++;
      if (x && y) both++;
    }
    return a + b === 0 ? 1 : (2 * both) / (a + b);
  };
  return {
    infection: dice((v) => v > 0),
    groundGlass: dice((v) => v === 1),
    consolidation: dice((v) => v === 2),
  };
}
