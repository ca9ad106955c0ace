import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sharedData, skipNote } from '../fixtures/sharedData.ts';
import { extractFrames } from '../../electron/common/dicom/pixels/extractFrames.ts';
import type { DecodedFrame, StoredPixels } from '../../electron/common/dicom/pixels/frames.ts';
import { decodeFrame } from '../../electron/main/decode/decodeFrame.ts';
import { countDifferences, readDataSet } from './readDataSet.ts';
import { LOSSLESS_CT_IMAGE_COPIES } from '../fixtures/transferSyntaxFiles.ts';

const dir = sharedData('dicom', 'transfer-syntaxes');
const suite = dir ? describe : describe.skip;
const title = dir ? 'every transfer syntax of ../shared/data/dicom/transfer-syntaxes' : skipNote('transfer-syntax decoding');

async function decodeFile(name: string): Promise<{ frames: DecodedFrame[]; slope: number; intercept: number }> {
  const { dataSet, transferSyntaxUid } = readDataSet(join(dir as string, name));
  const frames = await Promise.all(extractFrames(dataSet, transferSyntaxUid).map((f) => decodeFrame(f)));
  return { frames, slope: dataSet.floatString('x00281053') ?? 1, intercept: dataSet.floatString('x00281052') ?? 0 };
}

/** Differences in modality values (stored × slope + intercept): the lossy copies were rescaled to fit 8 or 12 bits. */
function compareHu(a: StoredPixels, aSlope: number, aIntercept: number, b: StoredPixels, bSlope: number, bIntercept: number): { maxAbs: number; rmse: number } {
  expect(a.length).toBe(b.length);
  let maxAbs = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] * aSlope + aIntercept - (b[i] * bSlope + bIntercept);
    sq += d * d;
    if (Math.abs(d) > maxAbs) maxAbs = Math.abs(d);
  }
  return { maxAbs, rmse: Math.sqrt(sq / a.length) };
}

suite(title, () => {
  let reference: { frames: DecodedFrame[]; slope: number; intercept: number };
  const ref = async (): Promise<typeof reference> => (reference ??= await decodeFile('CTImage.dcm'));

  it('reads CTImage.dcm as one signed 512x512 frame', async () => {
    const r = await ref();
    expect(r.frames).toHaveLength(1);
    expect(r.frames[0].pixels).toBeInstanceOf(Int16Array);
    expect([r.frames[0].rows, r.frames[0].columns, r.frames[0].lossy]).toEqual([512, 512, false]);
  });

  const lossless = LOSSLESS_CT_IMAGE_COPIES;
  for (const name of lossless) {
    it(`decodes ${name.replace('CTImage.dcm_', '')} to exactly the stored pixels of CTImage.dcm`, async () => {
      const r = await ref();
      const d = await decodeFile(name);
      expect(d.frames).toHaveLength(1);
      expect(d.frames[0].lossy).toBe(false);
      expect(d.frames[0].pixels).toBeInstanceOf(Int16Array);
      expect(d.frames[0].pixels.length).toBe(512 * 512);
      expect(countDifferences(d.frames[0].pixels, r.frames[0].pixels)).toBe(0);
    });
  }

  // Tolerances in HU, per codec, measured on this image and justified by the codec's quantisation:
  // - JPEG-LS near-lossless: NEAR bounds every sample's error (PS3.5 A.4.3 / T.87); this file's NEAR is 1
  //   (measured max 1 HU), so |error| ≤ NEAR is the contract itself.
  // - JPEG 2000 irreversible (9/7 wavelet): no per-sample bound; measured max 5 HU, RMSE 0.89 HU at this
  //   compression ratio (~3.8:1). Limits 10 HU max and 2 HU RMSE leave room for IDCT/rounding variation
  //   while still failing on a sign or byte-order error (those give hundreds of HU).
  // - 12-bit JPEG (.51/.53/.55): stored values were rescaled by slope 2.0002 into 12 bits, so one stored
  //   step is 2 HU; DCT quantisation adds a few steps. Measured max 35.6 HU, RMSE 5.2 HU: limits 50/8 HU.
  // - 8-bit JPEG baseline (.50): slope 32.12 HU per step (a 4095-HU range in 8 bits), rounding alone is
  //   up to 16 HU; measured max 64.2 HU (2 steps), RMSE 22.7 HU: limits 100/30 HU.
  const lossy: [string, number, number][] = [
    ['CTImage.dcm_JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm', 1, 1],
    ['CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm', 10, 2],
    ['CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm', 50, 8],
    ['CTImage.dcm_JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm', 50, 8],
    ['CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm', 50, 8],
    ['CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm', 100, 30],
  ];
  for (const [name, maxHu, rmseHu] of lossy) {
    it(`decodes ${name.replace('CTImage.dcm_', '')} within ${maxHu} HU (max) and ${rmseHu} HU (RMSE) of CTImage.dcm`, async () => {
      const r = await ref();
      const d = await decodeFile(name);
      expect(d.frames).toHaveLength(1);
      const diff = compareHu(d.frames[0].pixels, d.slope, d.intercept, r.frames[0].pixels, r.slope, r.intercept);
      expect(diff.maxAbs).toBeLessThanOrEqual(maxHu);
      expect(diff.rmse).toBeLessThanOrEqual(rmseHu);
      // Not trivially equal either: a lossy file must not be reported as bit-exact by accident.
      expect(diff.rmse).toBeGreaterThan(0);
    });
  }

  it('flags the lossy codecs as lossy and JPEG-LS near-lossless by its NEAR value', async () => {
    expect((await decodeFile('CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm')).frames[0].lossy).toBe(true);
    expect((await decodeFile('CTImage.dcm_JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm')).frames[0].lossy).toBe(true);
    expect((await decodeFile('CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm')).frames[0].lossy).toBe(true);
  });

  it('splits the fragmented 2-frame JPEG Extended file without an offset table into 2 frames', async () => {
    const d = await decodeFile('CT0012.fragmented_no_bot_jpeg_baseline.51.dcm');
    expect(d.frames).toHaveLength(2);
    for (const f of d.frames) {
      expect([f.rows, f.columns]).toEqual([512, 512]);
      expect(f.pixels).toBeInstanceOf(Uint16Array);
      // 12-bit unsigned stored values, and a real image (not a constant frame).
      let max = 0;
      for (const v of f.pixels) max = Math.max(max, v);
      expect(max).toBeLessThan(4096);
      expect(new Set(f.pixels.subarray(0, 512 * 256)).size).toBeGreaterThan(100);
    }
    expect(countDifferences(d.frames[0].pixels, d.frames[1].pixels)).toBeGreaterThan(1000);
  });

  it('decodes the multi-fragment NEMA J2K files CT1_J2KR and CT2_J2KR', async () => {
    for (const name of ['CT1_J2KR', 'CT2_J2KR']) {
      const d = await decodeFile(name);
      expect(d.frames).toHaveLength(1);
      expect(d.frames[0].lossy).toBe(false);
      expect(d.frames[0].pixels).toBeInstanceOf(Int16Array);
    }
  });

  it('decodes HTJ2K_08_RGB to 640x480 interleaved RGB', async () => {
    const d = await decodeFile('HTJ2K_08_RGB.dcm');
    const f = d.frames[0];
    expect([f.columns, f.rows, f.samplesPerPixel]).toEqual([640, 480, 3]);
    expect(f.pixels).toBeInstanceOf(Uint8Array);
    expect(f.pixels.length).toBe(640 * 480 * 3);
    // Interleaved, not planar: neighbouring pixels' red samples (3 apart) agree far better than
    // samples 1 apart (red vs green of one pixel would be the planar neighbour otherwise).
    let near = 0;
    let far = 0;
    for (let i = 0; i + 3 < f.pixels.length; i += 3) {
      near += Math.abs(f.pixels[i] - f.pixels[i + 3]);
      far += Math.abs(f.pixels[i] - f.pixels[i + 1]);
    }
    expect(near).toBeLessThan(far);
  });

  it('decodes the RLE palette-colour ultrasound frame (800x600, 8-bit)', async () => {
    const d = await decodeFile('no-pixel-spacing.dcm');
    expect([d.frames[0].columns, d.frames[0].rows, d.frames[0].pixels.length]).toEqual([800, 600, 480000]);
  });

  it('refuses a cut-short frame of every JPEG and JPEG 2000 family with E_DECODE_FAILED, without decoding garbage', async () => {
    const names = [
      'CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm',
      'CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm',
      'CTImage.dcm_JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm',
      'CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm',
      'CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm',
      'HTJ2K_08_RGB.dcm',
    ];
    for (const name of names) {
      const { dataSet, transferSyntaxUid } = readDataSet(join(dir as string, name));
      const [frame] = extractFrames(dataSet, transferSyntaxUid);
      const cut = { ...frame, data: frame.data.subarray(0, Math.floor(frame.data.length * 0.9)) };
      const t0 = performance.now();
      await expect(decodeFrame(cut)).rejects.toMatchObject({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/truncated/) });
      // CharLS alone takes up to a minute to notice; the end-marker check answers at once.
      expect(performance.now() - t0).toBeLessThan(2000);
    }
  });

  it('refuses the SR without Pixel Data with E_NO_PIXEL_DATA', async () => {
    await expect(decodeFile('no-pixel-data.dcm')).rejects.toMatchObject({ code: 'E_NO_PIXEL_DATA' });
  });
});
