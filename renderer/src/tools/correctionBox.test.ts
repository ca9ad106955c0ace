import { describe, expect, it } from 'vitest';
import { boxAroundVoxel, boxFromDrag, inCorrectionBox, normalAxisOf } from './correctionBox.ts';

describe('correction boxes', () => {
  const dims = [128, 128, 40];
  const spacing = [0.5, 0.5, 2];

  it('a drag in the axial plane spans its rectangle and half its larger side above and below the slice', () => {
    const box = boxFromDrag(dims, spacing, [10.2, 20.6, 15], [29.7, 30.1, 15], normalAxisOf('axial'));
    // 20 voxels × 0.5 mm = 10 mm wide: 5 mm = 2.5 → 3 slices on either side (rounded).
    expect(box).toEqual({ from: [10, 21, 12], to: [30, 30, 18] });
  });

  it('a drag in the coronal plane reaches along j, and boxes are clipped to the volume', () => {
    const box = boxFromDrag(dims, spacing, [120, 3, 38], [140, 3, 30], normalAxisOf('coronal'));
    // i 120..140 → clipped to 127; k 30..38 spans 9 slices × 2 mm = 18 mm, wider than i (21 × 0.5 mm = 10.5 mm): 9 mm = 18 voxels of j.
    expect(box).toEqual({ from: [120, 0, 30], to: [127, 21, 38] });
    expect(normalAxisOf('sagittal')).toBe(0);
  });

  it('a click makes a cube of ±15 mm in millimetres, not voxels', () => {
    const box = boxAroundVoxel(dims, spacing, [64.4, 64, 20]);
    expect(box).toEqual({ from: [34, 34, 12], to: [94, 94, 28] });
    expect(inCorrectionBox(box, 34, 94, 12)).toBe(true);
    expect(inCorrectionBox(box, 33, 94, 12)).toBe(false);
  });
});
