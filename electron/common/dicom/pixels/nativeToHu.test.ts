import { describe, expect, it } from 'vitest';
import { canConvertNative16, nativeLittleEndian16ToHu, type Native16Layout } from './nativeToHu.ts';
import { toStoredValues } from './storedValues.ts';

/** The reference: the general decoder's stored values, then slope/intercept, one voxel at a time. */
function reference(raw: Uint16Array, h: Native16Layout): number[] {
  const stored = toStoredValues(Uint16Array.from(raw), h);
  return Array.from(stored, (v) => v * h.rescaleSlope + h.rescaleIntercept);
}

function randomWords(n: number, seed: number): Uint16Array {
  const out = new Uint16Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 16; // every bit pattern, including garbage above BitsStored
  }
  return out;
}

const layouts: [string, Native16Layout][] = [
  ['unsigned 12-bit, intercept -1024 (the usual CT)', { bitsStored: 12, highBit: 11, pixelRepresentation: 0, rescaleSlope: 1, rescaleIntercept: -1024 }],
  ['signed 16-bit, intercept 0', { bitsStored: 16, highBit: 15, pixelRepresentation: 1, rescaleSlope: 1, rescaleIntercept: 0 }],
  ['signed 12-bit, sign extension, intercept 24', { bitsStored: 12, highBit: 11, pixelRepresentation: 1, rescaleSlope: 1, rescaleIntercept: 24 }],
  ['unsigned 15-bit, intercept -32768', { bitsStored: 15, highBit: 14, pixelRepresentation: 0, rescaleSlope: 1, rescaleIntercept: -32768 }],
  ['signed 13-bit, intercept -1000', { bitsStored: 13, highBit: 12, pixelRepresentation: 1, rescaleSlope: 1, rescaleIntercept: -1000 }],
];

describe('nativeLittleEndian16ToHu', () => {
  for (const [name, h] of layouts) {
    it(`equals stored values x slope + intercept: ${name}`, () => {
      expect(canConvertNative16(h)).toBe(true);
      for (const n of [1, 7, 4096, 4099]) {
        const raw = randomWords(n, n + h.bitsStored);
        const want = reference(raw, h);
        // Aligned source and destination (the two-voxels-per-word path).
        const out = new Int16Array(n + 8);
        nativeLittleEndian16ToHu(new Uint8Array(raw.buffer), n, h, out, 4);
        expect(Array.from(out.subarray(4, 4 + n))).toEqual(want);
        expect(Array.from(out.subarray(0, 4))).toEqual([0, 0, 0, 0]);
        expect(Array.from(out.subarray(4 + n))).toEqual([0, 0, 0, 0]);
        // A source at an odd offset inside the file buffer and an odd destination offset (byte path).
        const shifted = new Uint8Array(2 * n + 1);
        shifted.set(new Uint8Array(raw.buffer), 1);
        const out2 = new Int16Array(n + 1);
        nativeLittleEndian16ToHu(shifted.subarray(1), n, h, out2, 1);
        expect(Array.from(out2.subarray(1))).toEqual(want);
      }
    });
  }

  it('copies signed 16-bit samples with intercept 0 unchanged', () => {
    const raw = randomWords(1000, 3);
    const out = new Int16Array(1000);
    nativeLittleEndian16ToHu(new Uint8Array(raw.buffer), 1000, layouts[1][1], out, 0);
    expect(Array.from(out)).toEqual(Array.from(new Int16Array(raw.buffer)));
  });

  it('refuses layouts it cannot convert exactly', () => {
    const base = layouts[0][1];
    expect(canConvertNative16({ ...base, rescaleSlope: 2 })).toBe(false);
    expect(canConvertNative16({ ...base, rescaleIntercept: -1024.5 })).toBe(false);
    expect(canConvertNative16({ ...base, highBit: 15 })).toBe(false); // bits not at the bottom of the word
    expect(canConvertNative16({ ...base, bitsStored: 16, highBit: 15 })).toBe(false); // 65535 - 1024 > int16
    expect(canConvertNative16({ ...base, bitsStored: 16, highBit: 15, pixelRepresentation: 1, rescaleIntercept: -1024 })).toBe(false);
  });
});
