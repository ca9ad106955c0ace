import { describe, expect, it } from 'vitest';
import { pixelsToModelInput, resizeBilinear, windowToModelInput } from './preprocess.ts';

const spec = { windowCenterHu: -500, windowWidthHu: 1000, mean: 0.5, std: 0.25 };

describe('windowToModelInput', () => {
  it('clamps to the window and normalises with mean and std', () => {
    const out = new Float32Array(5);
    windowToModelInput([-2000, -1000, -500, 0, 3000], spec, out);
    expect(Array.from(out)).toEqual([-2, -2, 0, 2, 2]);
  });

  it('maps an 8-bit pixel the way the window maps HU', () => {
    const a = new Float32Array(1);
    const b = new Float32Array(1);
    windowToModelInput([-750], spec, a); // w = 0.25
    pixelsToModelInput([63.75], spec, b);
    expect(a[0]).toBeCloseTo(b[0], 6);
  });
});

describe('resizeBilinear', () => {
  it('upsamples 2x2 to 4x4 like PyTorch bilinear with align_corners=False', () => {
    const out = new Float32Array(16);
    resizeBilinear([0, 1, 2, 3], 2, 2, out, 4, 4);
    expect(Array.from(out)).toEqual([
      0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3,
    ]);
  });

  it('downsamples by two as the mean of pixel pairs', () => {
    const out = new Float32Array(2);
    resizeBilinear([0, 1, 2, 3], 4, 1, out, 2, 1);
    expect(Array.from(out)).toEqual([0.5, 2.5]);
  });

  it('is the identity at the same size and honours offsets', () => {
    const src = [9, 9, 1, 2, 3, 4, 5, 6];
    const out = new Float32Array(8);
    resizeBilinear(src, 3, 2, out, 3, 2, 2, 1);
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
  });
});
