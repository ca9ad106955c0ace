import { describe, expect, it } from 'vitest';
import { TransferSyntax, type EncodedFrame } from '../../common/dicom/pixels/frames.ts';
import { decodeFrame } from './decodeFrame.ts';
import { encodeFrameJ2k } from './encodeFrameJ2k.ts';
import { encodeFrameHtj2k } from './encodeFrameHtj2k.ts';
import { encodeFrameJpegLs } from './encodeFrameJpegLs.ts';

/** A CT-like slice: air outside a disc of soft tissue with a gradient, values -1024..~1000. */
function slice(rows: number, columns: number): Int16Array {
  return Int16Array.from({ length: rows * columns }, (_, i) => {
    const x = (i % columns) - columns / 2;
    const y = Math.floor(i / columns) - rows / 2;
    return x * x + y * y < (rows / 2.5) ** 2 ? 40 + ((x * 3 + y * 5) % 200) : -1024;
  });
}

function frameOf(uid: string, data: Uint8Array, rows: number, columns: number): EncodedFrame {
  return { transferSyntaxUid: uid, rows, columns, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', data };
}

const differences = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).filter((v, i) => v !== b[i]).length;

describe('frame encoders', () => {
  const pixels = slice(64, 80);

  it('encodes JPEG-LS losslessly: decoding gives back every stored value', async () => {
    const data = await encodeFrameJpegLs({ pixels, rows: 64, columns: 80 });
    expect([...data.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xf7]); // SOI, SOF55 (JPEG-LS)
    expect(data.length).toBeLessThan(pixels.byteLength);
    const d = await decodeFrame(frameOf(TransferSyntax.JPEGLSLossless, data, 64, 80));
    expect(differences(d.pixels, pixels)).toBe(0);
    expect(d.lossy).toBe(false);
  });

  it('bounds the error by NEAR in near-lossless JPEG-LS and reports it lossy', async () => {
    const data = await encodeFrameJpegLs({ pixels, rows: 64, columns: 80 }, { nearLossless: 3 });
    const d = await decodeFrame(frameOf(TransferSyntax.JPEGLSNearLossless, data, 64, 80));
    expect(Math.max(...Array.from(d.pixels, (v, i) => Math.abs(v - pixels[i])))).toBeLessThanOrEqual(3);
    expect(d.lossy).toBe(true);
  });

  it('encodes lossless JPEG 2000: decoding gives back every stored value', async () => {
    const data = await encodeFrameJ2k({ pixels, rows: 64, columns: 80 });
    expect([...data.subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]); // SOC, SIZ
    const d = await decodeFrame(frameOf(TransferSyntax.JPEG2000Lossless, data, 64, 80));
    expect(differences(d.pixels, pixels)).toBe(0);
  });

  it('encodes lossless HTJ2K of signed 16-bit CT values: decoding gives back every stored value', async () => {
    const data = await encodeFrameHtj2k({ pixels, rows: 64, columns: 80 });
    expect([...data.subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]);
    const d = await decodeFrame(frameOf(TransferSyntax.HTJ2KLossless, data, 64, 80));
    expect(d.pixels).toBeInstanceOf(Int16Array);
    expect(differences(d.pixels, pixels)).toBe(0);
    expect(d.lossy).toBe(false);
  });

  it('refuses a pixel count that does not match the frame size with E_BAD_ARGUMENT', async () => {
    await expect(encodeFrameJpegLs({ pixels, rows: 10, columns: 10 })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    await expect(encodeFrameJ2k({ pixels, rows: 10, columns: 10 })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });
});
