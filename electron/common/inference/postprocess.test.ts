import { describe, expect, it } from 'vitest';
import { argmaxWithConfidence, softmaxChannels } from './postprocess.ts';

describe('softmaxChannels', () => {
  it('turns logits into probabilities per pixel over the class axis', () => {
    // 3 classes x 2 pixels; pixel 0 logits (0,0,0), pixel 1 logits (1000, 0, -1000) (stable)
    const l = new Float32Array([0, 1000, 0, 0, 0, -1000]);
    softmaxChannels(l, 3, 2);
    expect(l[0]).toBeCloseTo(1 / 3, 6);
    expect(l[2]).toBeCloseTo(1 / 3, 6);
    expect(l[1]).toBeCloseTo(1, 6);
    expect(l[3]).toBeCloseTo(0, 6);
    expect(l[5]).toBe(0);
  });
});

describe('argmaxWithConfidence', () => {
  it('picks the most probable class and scales its probability to 0-255, only where allowed', () => {
    // 3 classes x 3 pixels
    const probs = new Float32Array([
      0.125, 0.25, 0.5, /* c1 */ 0.75, 0.125, 0.25, /* c2 */ 0.125, 0.625, 0.25,
    ]);
    const labels = new Uint8Array(3);
    const conf = new Uint8Array(3);
    argmaxWithConfidence(probs, 3, 3, labels, conf);
    expect(Array.from(labels)).toEqual([1, 2, 0]);
    expect(Array.from(conf)).toEqual([191, 159, 128]);
    argmaxWithConfidence(probs, 3, 3, labels, conf, new Uint8Array([1, 0, 1]));
    expect(Array.from(labels)).toEqual([1, 0, 0]);
    expect(conf[1]).toBe(0);
  });
});
