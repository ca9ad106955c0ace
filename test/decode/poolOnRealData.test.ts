import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sharedData, skipNote } from '../fixtures/sharedData.ts';
import { extractFrames } from '../../electron/common/dicom/pixels/extractFrames.ts';
import { decodeFrame } from '../../electron/main/decode/decodeFrame.ts';
import { DecodePool } from '../../electron/main/decode/DecodePool.ts';
import { countDifferences, readDataSet } from './readDataSet.ts';

const dir = sharedData('dicom');
const suite = dir ? describe : describe.skip;

suite(dir ? 'DecodePool on the WASM codecs' : skipNote('decoding real files through the worker pool'), () => {
  const pool = new DecodePool({ size: 2 });
  afterAll(() => pool.close());
  const frameOf = (...parts: string[]): ReturnType<typeof extractFrames> => {
    const { dataSet, transferSyntaxUid } = readDataSet(join(dir as string, ...parts));
    return extractFrames(dataSet, transferSyntaxUid);
  };

  it('decodes JPEG-LS, JPEG 2000 and the 2-frame 12-bit JPEG in workers exactly as on this thread', async () => {
    const frames = [
      ...frameOf('transfer-syntaxes', 'CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm'),
      ...frameOf('transfer-syntaxes', 'CT2_J2KR'),
      ...frameOf('transfer-syntaxes', 'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm'),
    ];
    expect(frames).toHaveLength(4);
    const viaPool = await pool.decodeAll(frames);
    for (let i = 0; i < frames.length; i++) {
      const here = await decodeFrame(frames[i]);
      expect(viaPool[i].pixels.constructor).toBe(here.pixels.constructor);
      expect(countDifferences(viaPool[i].pixels, here.pixels)).toBe(0);
    }
    expect(pool.getStats().maxInFlight).toBe(2);
  });

  it('surfaces the corrupt JPEG 2000 codestream as E_DECODE_FAILED from a worker', async () => {
    const [frame] = frameOf('malformed', 'JPEG2000-embedded-sequence-delimiter.dcm');
    await expect(pool.decode(frame)).rejects.toMatchObject({ name: 'OpalError', code: 'E_DECODE_FAILED' });
  });
});
