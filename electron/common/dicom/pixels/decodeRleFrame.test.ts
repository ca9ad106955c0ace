import { describe, expect, it } from 'vitest';
import { decodeRleFrame, unpackBitsSegment } from './decodeRleFrame.ts';
import { TransferSyntax, type EncodedFrame } from './frames.ts';

/** Builds an RLE frame: 64-byte header (segment count + offsets, little endian) then the segments. */
function rleFrame(segments: number[][]): Uint8Array {
  const body = segments.map((s) => (s.length % 2 ? [...s, 0] : s)); // segments are even-padded
  const total = 64 + body.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, segments.length, true);
  let at = 64;
  body.forEach((s, i) => {
    view.setUint32(4 + 4 * i, at, true);
    out.set(s, at);
    at += s.length;
  });
  return out;
}

function frame(data: Uint8Array, over: Partial<EncodedFrame>): EncodedFrame {
  return {
    transferSyntaxUid: TransferSyntax.RLELossless,
    rows: 2,
    columns: 3,
    bitsAllocated: 8,
    bitsStored: 8,
    highBit: 7,
    pixelRepresentation: 0,
    samplesPerPixel: 1,
    photometricInterpretation: 'MONOCHROME2',
    data,
    ...over,
  };
}

describe('PackBits segments (PS3.5 G.3.1)', () => {
  it('copies a literal run of n+1 bytes', () => {
    const out = new Uint8Array(3);
    expect(unpackBitsSegment(new Uint8Array([2, 7, 8, 9]), 0, 4, out, 0, 1, 3)).toBe(3);
    expect([...out]).toEqual([7, 8, 9]);
  });

  it('repeats one byte 1-n times for a replicate run', () => {
    const out = new Uint8Array(4);
    expect(unpackBitsSegment(new Uint8Array([256 - 3, 5]), 0, 2, out, 0, 1, 4)).toBe(4);
    expect([...out]).toEqual([5, 5, 5, 5]);
  });

  it('skips the no-op header -128', () => {
    const out = new Uint8Array(2);
    unpackBitsSegment(new Uint8Array([128, 1, 4, 6]), 0, 4, out, 0, 1, 2);
    expect([...out]).toEqual([4, 6]);
  });

  it('writes with a stride so that planes land interleaved', () => {
    const out = new Uint8Array(6);
    unpackBitsSegment(new Uint8Array([256 - 2, 9]), 0, 2, out, 1, 2, 3);
    expect([...out]).toEqual([0, 9, 0, 9, 0, 9]);
  });

  it('fails when a literal run goes past the segment end', () => {
    expect(() => unpackBitsSegment(new Uint8Array([5, 1, 2]), 0, 3, new Uint8Array(6), 0, 1, 6)).toThrow(/past the end/);
  });
});

describe('decodeRleFrame', () => {
  it('decodes an 8-bit frame from one segment and ignores segment padding', () => {
    const d = decodeRleFrame(frame(rleFrame([[256 - 2, 10, 2, 20, 30, 40]]), {}));
    expect([...d.pixels]).toEqual([10, 10, 10, 20, 30, 40]);
    expect(d.pixels).toBeInstanceOf(Uint8Array);
  });

  it('puts the most significant byte segment first for 16-bit signed samples', () => {
    // Values -2 (0xFFFE), 256 (0x0100), 1000 (0x03E8), 0, -1000 (0xFC18), 7
    const msb = [0xff, 0x01, 0x03, 0x00, 0xfc, 0x00];
    const lsb = [0xfe, 0x00, 0xe8, 0x00, 0x18, 0x07];
    const d = decodeRleFrame(frame(rleFrame([[5, ...msb], [5, ...lsb]]), { bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1 }));
    expect(d.pixels).toBeInstanceOf(Int16Array);
    expect([...d.pixels]).toEqual([-2, 256, 1000, 0, -1000, 7]);
  });

  it('sign-extends from Bits Stored 12', () => {
    // 0x0FFF is -1 in 12-bit two's complement, 0x0800 is -2048, 0x07FF is 2047.
    const msb = [0x0f, 0x08, 0x07, 0, 0, 0];
    const lsb = [0xff, 0x00, 0xff, 1, 2, 3];
    const d = decodeRleFrame(frame(rleFrame([[5, ...msb], [5, ...lsb]]), { bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 1 }));
    expect([...d.pixels]).toEqual([-1, -2048, 2047, 1, 2, 3]);
  });

  it('interleaves the three planes of an RGB frame', () => {
    const d = decodeRleFrame(frame(rleFrame([[256 - 5, 1], [256 - 5, 2], [256 - 5, 3]]), { samplesPerPixel: 3, photometricInterpretation: 'RGB', planarConfiguration: 1 }));
    expect([...d.pixels.subarray(0, 6)]).toEqual([1, 2, 3, 1, 2, 3]);
    expect(d.pixels.length).toBe(18);
  });

  it('fails with E_DECODE_FAILED when the header lists the wrong number of segments', () => {
    expect(() => decodeRleFrame(frame(rleFrame([[5, 1, 2, 3, 4, 5, 6]]), { bitsAllocated: 16, bitsStored: 16, highBit: 15 }))).toThrow(
      expect.objectContaining({ code: 'E_DECODE_FAILED' }),
    );
  });

  it('fails with E_DECODE_FAILED when a segment is short of pixels', () => {
    expect(() => decodeRleFrame(frame(rleFrame([[1, 1, 2, 128]]), {}))).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/2 bytes; the image needs 6/) }));
  });

  it('fails with E_DECODE_FAILED when a segment offset points outside the frame', () => {
    const data = rleFrame([[5, 1, 2, 3, 4, 5, 6]]);
    new DataView(data.buffer).setUint32(4, 9999, true);
    expect(() => decodeRleFrame(frame(data, {}))).toThrow(expect.objectContaining({ code: 'E_DECODE_FAILED' }));
  });
});
