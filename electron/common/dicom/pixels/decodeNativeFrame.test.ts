import { describe, expect, it } from 'vitest';
import { decodeNativeFrame, swapBytes } from './decodeNativeFrame.ts';
import { interleavePlanes, toStoredValues } from './storedValues.ts';
import { TransferSyntax, type EncodedFrame } from './frames.ts';

function frame(data: Uint8Array, over: Partial<EncodedFrame> = {}): EncodedFrame {
  return {
    transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian,
    rows: 1,
    columns: data.length / 2,
    bitsAllocated: 16,
    bitsStored: 16,
    highBit: 15,
    pixelRepresentation: 0,
    samplesPerPixel: 1,
    photometricInterpretation: 'MONOCHROME2',
    data,
    ...over,
  };
}

describe('toStoredValues (PS3.5 8.1.1)', () => {
  it('sign-extends 12-bit two’s complement values', () => {
    const out = toStoredValues(new Uint16Array([0x0fff, 0x0800, 0x07ff, 0x0001]), { bitsStored: 12, highBit: 11, pixelRepresentation: 1 });
    expect(out).toBeInstanceOf(Int16Array);
    expect([...out]).toEqual([-1, -2048, 2047, 1]);
  });

  it('masks bits above High Bit for unsigned data (overlay bits in old files)', () => {
    const out = toStoredValues(new Uint16Array([0xf123, 0x1fff]), { bitsStored: 12, highBit: 11, pixelRepresentation: 0 });
    expect([...out]).toEqual([0x123, 0xfff]);
  });

  it('shifts values whose High Bit is not Bits Stored - 1', () => {
    // Bits Stored 12 in bits 4..15: stored value is the word shifted right by 4.
    const out = toStoredValues(new Uint16Array([0xfff0, 0x0010]), { bitsStored: 12, highBit: 15, pixelRepresentation: 1 });
    expect([...out]).toEqual([-1, 1]);
  });

  it('reads 16-bit signed data without touching the bits', () => {
    const raw = new Uint16Array([0xffff, 0x8000]);
    expect([...toStoredValues(raw, { bitsStored: 16, highBit: 15, pixelRepresentation: 1 })]).toEqual([-1, -32768]);
  });

  it('widens signed 8-bit data to Int16Array', () => {
    const out = toStoredValues(new Uint8Array([0xff, 0x7f]), { bitsStored: 8, highBit: 7, pixelRepresentation: 1 });
    expect(out).toBeInstanceOf(Int16Array);
    expect([...out]).toEqual([-1, 127]);
  });

  it('refuses Bits Stored that do not fit the samples with E_BAD_PIXEL_MODULE', () => {
    expect(() => toStoredValues(new Uint8Array(2), { bitsStored: 12, highBit: 11, pixelRepresentation: 0 })).toThrow(expect.objectContaining({ code: 'E_BAD_PIXEL_MODULE' }));
  });
});

describe('decodeNativeFrame', () => {
  it('swaps bytes of Explicit VR Big Endian 16-bit data', () => {
    const d = decodeNativeFrame(frame(new Uint8Array([0x01, 0x02, 0xff, 0xfe]), { transferSyntaxUid: TransferSyntax.ExplicitVRBigEndian, pixelRepresentation: 1 }));
    expect([...d.pixels]).toEqual([0x0102, -2]);
  });

  it('swaps 32-bit words of big-endian data', () => {
    const d = decodeNativeFrame(frame(new Uint8Array([0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe]), { transferSyntaxUid: TransferSyntax.ExplicitVRBigEndian, bitsAllocated: 32, bitsStored: 32, highBit: 31, pixelRepresentation: 1, columns: 2 }));
    expect(d.pixels).toBeInstanceOf(Int32Array);
    expect([...d.pixels]).toEqual([0x0102, -2]);
  });

  it('reads a frame that starts at an odd byte offset of the file buffer', () => {
    const file = new Uint8Array([9, 0x34, 0x12, 0x78, 0x56]);
    expect([...decodeNativeFrame(frame(file.subarray(1))).pixels]).toEqual([0x1234, 0x5678]);
  });

  it('interleaves planar RGB (Planar Configuration 1)', () => {
    const d = decodeNativeFrame(
      frame(new Uint8Array([1, 2, 10, 20, 100, 200]), { bitsAllocated: 8, bitsStored: 8, highBit: 7, samplesPerPixel: 3, columns: 2, photometricInterpretation: 'RGB', planarConfiguration: 1 }),
    );
    expect([...d.pixels]).toEqual([1, 10, 100, 2, 20, 200]);
  });

  it('unpacks 1-bit data least significant bit first', () => {
    const d = decodeNativeFrame(frame(new Uint8Array([0b10000101]), { bitsAllocated: 1, bitsStored: 1, highBit: 0, columns: 8 }));
    expect([...d.pixels]).toEqual([1, 0, 1, 0, 0, 0, 0, 1]);
  });

  it('fails with E_TRUNCATED when the frame is short', () => {
    expect(() => decodeNativeFrame(frame(new Uint8Array(4), { columns: 3 }))).toThrow(expect.objectContaining({ code: 'E_TRUNCATED' }));
  });

  it('swapBytes reverses each 16-bit word', () => {
    const b = new Uint8Array([1, 2, 3, 4]);
    swapBytes(b, 2);
    expect([...b]).toEqual([2, 1, 4, 3]);
  });

  it('interleavePlanes leaves single-sample data as it is', () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(interleavePlanes(a, 1)).toBe(a);
  });
});
