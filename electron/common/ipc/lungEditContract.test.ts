import { describe, expect, it } from 'vitest';
import { contract } from './contract.ts';

const handle = 'v0123456789ab';

describe('contract: lung strokes and the interpolation plane', () => {
  it('commitStroke takes an optional target, infection or lungs, and nothing else', () => {
    const args = contract.commitStroke.args;
    const diff = { indices: [1, 2], values: [1, 2] };
    expect(args.safeParse({ volumeHandle: handle, diff }).success).toBe(true);
    expect(args.safeParse({ volumeHandle: handle, diff, target: 'infection' }).success).toBe(true);
    expect(args.safeParse({ volumeHandle: handle, diff, target: 'lungs' }).success).toBe(true);
    expect(args.safeParse({ volumeHandle: handle, diff, target: 'ct' }).success).toBe(false);
    // Lung values are 0, 1 (right) and 2 (left): a third lung does not exist.
    expect(args.safeParse({ volumeHandle: handle, diff: { indices: [1], values: [3] }, target: 'lungs' }).success).toBe(false);
  });

  it('interpolateSlices takes the plane axial, coronal or sagittal (default axial)', () => {
    const args = contract.interpolateSlices.args;
    for (const plane of ['axial', 'coronal', 'sagittal']) expect(args.safeParse({ volumeHandle: handle, maxGapSlices: 3, plane }).success, plane).toBe(true);
    expect(args.safeParse({ volumeHandle: handle, maxGapSlices: 3 }).success).toBe(true);
    expect(args.safeParse({ volumeHandle: handle, maxGapSlices: 3, plane: 'oblique' }).success).toBe(false);
  });
});
