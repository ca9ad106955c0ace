import { describe, expect, it } from 'vitest';
import { brushRadiusPx } from './brushOutline.ts';
import { chooseScaleBar } from '../viewport/scaleBar.ts';

describe('brushRadiusPx (the brush outline at the cursor)', () => {
  it('is the radius in millimetres divided by the millimetres per screen pixel', () => {
    expect(brushRadiusPx(5, 0.5)).toBe(10);
    expect(brushRadiusPx(5, 0.703125)).toBeCloseTo(7.111, 3); // 360 mm over 512 pixels at zoom 1
    expect(brushRadiusPx(12.5, 0.25)).toBe(50);
  });

  it('doubles on screen when the zoom doubles (half the millimetres per pixel)', () => {
    const mmPerPx = 0.68;
    expect(brushRadiusPx(7, mmPerPx / 2)! / brushRadiusPx(7, mmPerPx)!).toBeCloseTo(2, 12);
  });

  it('agrees with the scale bar: a brush of radius L/2 spans the bar of length L', () => {
    for (const mmPerPx of [0.3, 0.7, 1.4]) {
      const bar = chooseScaleBar(mmPerPx, 200)!;
      expect(2 * brushRadiusPx(bar.mm / 2, mmPerPx)!).toBeCloseTo(bar.px, 9);
    }
  });

  it('is undefined (no outline) without a zoom or a radius', () => {
    for (const [r, s] of [[0, 1], [5, 0], [5, Number.NaN], [Number.POSITIVE_INFINITY, 1], [-1, 1]]) expect(brushRadiusPx(r, s)).toBeUndefined();
  });
});
