import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sharedData, skipNote } from '../fixtures/sharedData.ts';
import { extractFrames } from '../../electron/common/dicom/pixels/extractFrames.ts';
import { decodeJpegDct, readJpegFrameHeader } from '../../electron/common/dicom/pixels/jpeg/decodeJpegDct.ts';
import { decodeFrame } from '../../electron/main/decode/decodeFrame.ts';
import { countDifferences, readDataSet } from './readDataSet.ts';

const dir = sharedData('dicom', 'transfer-syntaxes');
const suite = dir ? describe : describe.skip;

function firstFrame(name: string): ReturnType<typeof extractFrames>[number] {
  const { dataSet, transferSyntaxUid } = readDataSet(join(dir as string, name));
  return extractFrames(dataSet, transferSyntaxUid)[0];
}
const samples = (bytes: Uint8Array): Uint16Array => new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);

suite(dir ? 'OPAL’s 12-bit JPEG decoder on the CTImage copies' : skipNote('12-bit JPEG decoding'), () => {
  it('reads the frame headers: extended sequential (SOF1) for .51, progressive (SOF2) for .53 and .55, all 12-bit', () => {
    const h = ['4.51', '4.53', '4.55'].map((s) => {
      const name = { '4.51': 'CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm', '4.53': 'CTImage.dcm_JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm', '4.55': 'CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm' }[s] as string;
      return readJpegFrameHeader(firstFrame(name).data);
    });
    expect(h.map((x) => [x.sof, x.precision, x.width, x.height, x.components])).toEqual([
      [0xc1, 12, 512, 512, 1],
      [0xc2, 12, 512, 512, 1],
      [0xc2, 12, 512, 512, 1],
    ]);
  });

  it('decodes the progressive copies (spectral selection, full progression) to the same image as the sequential one', () => {
    // The three files share quantisation; progressive coding only reorders the same coefficients, so the
    // progressive paths (DC/AC first passes, successive-approximation refinement) must reproduce it.
    const seq = samples(decodeJpegDct(firstFrame('CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm').data).samples);
    for (const name of ['CTImage.dcm_JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm', 'CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm']) {
      const prog = samples(decodeJpegDct(firstFrame(name).data).samples);
      expect(prog.length).toBe(512 * 512);
      expect(countDifferences(prog, seq)).toBe(0);
    }
  });

  it('agrees with libjpeg-turbo within 1 on the 8-bit baseline copy', async () => {
    const frame = firstFrame('CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm');
    const ours = decodeJpegDct(frame.data);
    expect(ours.precision).toBe(8);
    const mine = samples(ours.samples);
    const turbo = (await decodeFrame(frame)).pixels;
    let maxDiff = 0;
    for (let i = 0; i < turbo.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mine[i] - turbo[i]));
    // libjpeg-turbo's integer IDCT rounds differently from our double-precision one by at most 1.
    expect(maxDiff).toBeLessThanOrEqual(1);
  });
});

describe('decodeJpegDct on broken input', () => {
  const sof = (code: number): Uint8Array => new Uint8Array([0xff, 0xd8, 0xff, code, 0x00, 0x0b, 12, 0, 8, 0, 8, 1, 1, 0x11, 0, 0xff, 0xd9]);

  it('refuses data without an SOI marker', () => {
    expect(() => decodeJpegDct(new Uint8Array([0, 1, 2, 3]))).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/SOI/) }));
  });

  it('refuses arithmetic-coded frames (SOF9) by name', () => {
    expect(() => decodeJpegDct(sof(0xc9))).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/SOF9/) }));
  });

  it('refuses a frame whose quantisation table is missing', () => {
    expect(() => decodeJpegDct(sof(0xc1))).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/quantisation table 0/) }));
  });

  it('refuses a marker segment that runs past the end', () => {
    expect(() => decodeJpegDct(new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0]))).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED' }));
  });

  it('refuses a scan whose Huffman tables were never defined', () => {
    const data = new Uint8Array([...sof(0xc1).subarray(0, 15), 0xff, 0xda, 0, 8, 1, 1, 0x00, 0, 63, 0, 0x12, 0x34, 0xff, 0xd9]);
    expect(() => decodeJpegDct(data)).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/Huffman table/) }));
  });
});
