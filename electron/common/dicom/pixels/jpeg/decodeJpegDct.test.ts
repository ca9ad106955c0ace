import { describe, expect, it } from 'vitest';
import { decodeJpegDct } from './decodeJpegDct.ts';

/**
 * A hand-made 12-bit extended sequential (SOF1) codestream of two 8x8 blocks (16x8 pixels), with a
 * restart interval of one block: block 1 has DC difference +8, then RST0, then block 2 DC difference +16.
 * Quantisation is all ones, so a flat block's samples are DC/8 + 2048 (T.81 A.3.1 level shift).
 */
function twoBlockJpeg(withRestart: boolean): Uint8Array {
  const dqt = [0xff, 0xdb, 0x00, 0x43, 0x00, ...new Array<number>(64).fill(1)];
  // DC table 0: three 2-bit codes 00, 01, 10 for categories 0, 4, 5. AC table 0: one 1-bit code 0 = EOB.
  const dhtDc = [0xff, 0xc4, 0x00, 0x16, 0x00, 0, 3, ...new Array<number>(14).fill(0), 0, 4, 5];
  const dhtAc = [0xff, 0xc4, 0x00, 0x14, 0x10, 1, ...new Array<number>(15).fill(0), 0x00];
  const sof1 = [0xff, 0xc1, 0x00, 0x0b, 12, 0, 8, 0, 16, 1, 1, 0x11, 0];
  const dri = withRestart ? [0xff, 0xdd, 0x00, 0x04, 0x00, 0x01] : [];
  const sos = [0xff, 0xda, 0x00, 0x08, 1, 1, 0x00, 0, 63, 0];
  // Block 1: '01' + '1000' + '0' (EOB), padded with 1s → 0x61. Block 2: '10' + '10000' + '0' → 0xA0.
  // Without restart the two blocks' bits run on: 0110000 1010000 0 → 0x61 0x40.
  const scan = withRestart ? [0x61, 0xff, 0xd0, 0xa0] : [0x61, 0x40];
  return new Uint8Array([0xff, 0xd8, ...dqt, ...dhtDc, ...dhtAc, ...sof1, ...dri, ...sos, ...scan, 0xff, 0xd9]);
}

describe('decodeJpegDct', () => {
  it('decodes a 12-bit sequential codestream and resets the DC prediction at a restart marker', () => {
    const img = decodeJpegDct(twoBlockJpeg(true));
    expect([img.width, img.height, img.precision, img.components]).toEqual([16, 8, 12, 1]);
    const px = new Uint16Array(img.samples.buffer, img.samples.byteOffset, 16 * 8);
    expect(px[0]).toBe(2049); // 8 / 8 + 2048
    expect(px[8]).toBe(2050); // prediction reset: 16 / 8 + 2048
    expect(new Set(px.subarray(0, 8)).size).toBe(1);
  });

  it('keeps the DC prediction running across blocks without restart intervals', () => {
    const img = decodeJpegDct(twoBlockJpeg(false));
    const px = new Uint16Array(img.samples.buffer, img.samples.byteOffset, 16 * 8);
    expect([px[0], px[8]]).toEqual([2049, 2051]); // (8 + 16) / 8 + 2048
  });

  it('fails with E_DECODE_FAILED when the codestream ends inside the scan', () => {
    const data = twoBlockJpeg(false);
    const cut = data.subarray(0, data.length - 3); // drops the last scan byte and EOI
    expect(() => decodeJpegDct(cut)).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/truncated/) }));
  });

  it('fails with E_DECODE_FAILED when a promised restart marker is missing', () => {
    const data = twoBlockJpeg(true);
    const noRst = new Uint8Array([...data.subarray(0, data.length - 5), 0xa0, 0xff, 0xd9]);
    expect(() => decodeJpegDct(noRst)).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/restart marker/) }));
  });
});
