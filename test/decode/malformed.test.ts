import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sharedData, skipNote } from '../fixtures/sharedData.ts';
import { extractFrames } from '../../electron/common/dicom/pixels/extractFrames.ts';
import type { DecodedFrame } from '../../electron/common/dicom/pixels/frames.ts';
import { decodeFrame } from '../../electron/main/decode/decodeFrame.ts';
import { readDataSet } from './readDataSet.ts';

const dir = sharedData('dicom', 'malformed');
const suite = dir ? describe : describe.skip;

async function decodeFile(name: string): Promise<DecodedFrame[]> {
  const { dataSet, transferSyntaxUid } = readDataSet(join(dir as string, name));
  return Promise.all(extractFrames(dataSet, transferSyntaxUid).map((f) => decodeFrame(f)));
}

suite(dir ? 'pixel decoding of ../shared/data/dicom/malformed' : skipNote('malformed-file decoding'), () => {
  it('decodes the valid control CT_small.dcm (128x128 int16)', async () => {
    const [f] = await decodeFile('CT_small.dcm');
    expect([f.rows, f.columns, f.pixels.length]).toEqual([128, 128, 128 * 128]);
    expect(f.pixels).toBeInstanceOf(Int16Array);
  });

  it('reports MR_truncated.dcm with E_TRUNCATED, 8192 bytes expected and 8130 found', async () => {
    await expect(decodeFile('MR_truncated.dcm')).rejects.toMatchObject({ code: 'E_TRUNCATED', message: expect.stringMatching(/expected 8192 bytes.*found 8130/) });
  });

  it('decodes MR_small_padded.dcm and ignores its 128 bytes of trailing padding', async () => {
    const frames = await decodeFile('MR_small_padded.dcm');
    expect(frames).toHaveLength(1);
    expect(frames[0].pixels.length).toBe(64 * 64);
  });

  it('gives E_DECODE_FAILED, not a crash or a hang, for the corrupt JPEG 2000 codestream', async () => {
    await expect(decodeFile('JPEG2000-embedded-sequence-delimiter.dcm')).rejects.toMatchObject({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/JPEG 2000/) });
  });

  it('sign-extends J2K_pixelrep_mismatch.dcm (signed header, unsigned 13-bit codestream) as pydicom does', async () => {
    const [f] = await decodeFile('J2K_pixelrep_mismatch.dcm');
    expect(f.pixels).toBeInstanceOf(Int16Array);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of f.pixels) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    // Reference values from pydicom 2.3.1 + Pillow/OpenJPEG (an independent decoder) on the same file:
    // min -2000, max 1896, sum -172605258, pixel (row 256, col 256) = 27, (100, 200) = -285.
    expect([min, max, sum]).toEqual([-2000, 1896, -172605258]);
    expect([f.pixels[256 * 512 + 256], f.pixels[100 * 512 + 200], f.pixels[0]]).toEqual([27, -285, -2000]);
  });

  it('refuses badVR.dcm (Number of Frames "1A") with E_BAD_PIXEL_MODULE', async () => {
    await expect(decodeFile('badVR.dcm')).rejects.toMatchObject({ code: 'E_BAD_PIXEL_MODULE' });
  });

  it('decodes the deflated image_dfl.dcm (512x512, 8-bit)', async () => {
    const [f] = await decodeFile('image_dfl.dcm');
    expect([f.rows, f.columns, f.pixels.length]).toEqual([512, 512, 512 * 512]);
    expect(f.pixels).toBeInstanceOf(Uint8Array);
  });

  it('refuses the files without Pixel Data with E_NO_PIXEL_DATA', async () => {
    for (const name of ['UN_sequence.dcm', 'empty_charset_LEI.dcm', 'no_meta_group_length.dcm']) {
      await expect(decodeFile(name)).rejects.toMatchObject({ code: 'E_NO_PIXEL_DATA' });
    }
  });
});
