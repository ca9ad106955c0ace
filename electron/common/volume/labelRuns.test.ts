import { describe, expect, it } from 'vitest';
import { applyLabelRuns, decodeLabelRuns, encodeLabelRuns, uniformLabelRuns } from './labelRuns.ts';

function randomLabelmap(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  let v = 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    if (s % 97 === 0) v = s % 3; // runs of varied length, labels 0..2
    out[i] = v;
  }
  return out;
}

describe('label runs (the preview overlay on the wire)', () => {
  it('round-trips labelmaps: empty, all one label, random runs, and a run longer than 2^16', () => {
    for (const labels of [new Uint8Array(0), new Uint8Array(1000).fill(2), randomLabelmap(50_000, 7), (() => { const a = new Uint8Array(200_000); a.fill(1, 100, 90_000); return a; })()]) {
      expect(decodeLabelRuns(encodeLabelRuns(labels))).toEqual(labels);
    }
  });

  it('a uniform labelmap has the same message as its encoding', () => {
    expect(uniformLabelRuns(1234)).toEqual(encodeLabelRuns(new Uint8Array(1234)));
    expect(uniformLabelRuns(7, 2)).toEqual(encodeLabelRuns(new Uint8Array(7).fill(2)));
    expect(uniformLabelRuns(0)).toEqual(encodeLabelRuns(new Uint8Array(0)));
  });

  it('is small for a sparse labelmap: one lesion in 64 slices of 128x128 takes tens of bytes', () => {
    const labels = new Uint8Array(128 * 128 * 64);
    for (let k = 30; k < 34; k++) for (let j = 60; j < 64; j++) labels.fill(1, k * 128 * 128 + j * 128 + 60, k * 128 * 128 + j * 128 + 64);
    const runs = encodeLabelRuns(labels);
    expect(runs.byteLength).toBe(8 + (16 * 2 + 1) * 5);
  });

  it('applies in place and names exactly the slices whose labels changed', () => {
    const slice = 100;
    const before = randomLabelmap(slice * 20, 3);
    const after = before.slice();
    after[3 * slice + 5] = after[3 * slice + 5] === 1 ? 2 : 1;
    after.fill(0, 10 * slice, 12 * slice);
    const expected = [3, ...[10, 11].filter((k) => before.subarray(k * slice, (k + 1) * slice).some((x) => x !== 0))];
    const target = before.slice();
    expect(applyLabelRuns(target, encodeLabelRuns(after), slice)).toEqual(expected);
    expect(target).toEqual(after);
    expect(applyLabelRuns(target, encodeLabelRuns(after), slice)).toEqual([]);
  });

  it('refuses a message of another size or a corrupt one and leaves the target as it was', () => {
    const target = new Uint8Array(300).fill(1);
    expect(() => applyLabelRuns(target, encodeLabelRuns(new Uint8Array(299)), 100)).toThrow(RangeError);
    const bad = encodeLabelRuns(new Uint8Array(300));
    new DataView(bad.buffer).setUint32(8, 7, true); // first run length no longer adds up
    expect(() => applyLabelRuns(target, bad, 100)).toThrow(/add up/);
    expect(() => decodeLabelRuns(bad.subarray(0, 6))).toThrow(/header/);
    expect(target.every((x) => x === 1)).toBe(true);
  });
});
