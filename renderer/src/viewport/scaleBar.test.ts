import { describe, expect, it } from 'vitest';
import { chooseScaleBar } from './scaleBar.ts';

describe('chooseScaleBar', () => {
  it('picks the longest round length that fits, with its pixel length', () => {
    // 0.7 mm pixels shown 1:1 in a 512-pixel-wide view, bar up to a third of it.
    expect(chooseScaleBar(0.7, 170)).toEqual({ mm: 100, px: 100 / 0.7, label: '10 cm' });
    // Zoomed 4x: 0.175 mm per screen pixel.
    expect(chooseScaleBar(0.175, 170)).toEqual({ mm: 20, px: 20 / 0.175, label: '2 cm' });
    expect(chooseScaleBar(0.05, 170)?.label).toBe('5 mm');
    expect(chooseScaleBar(0.01, 170)?.label).toBe('1 mm');
  });

  it('gives none when nothing fits or the scale is unknown', () => {
    expect(chooseScaleBar(50, 100)).toBeUndefined();
    expect(chooseScaleBar(0, 100)).toBeUndefined();
    expect(chooseScaleBar(Number.NaN, 100)).toBeUndefined();
  });
});
