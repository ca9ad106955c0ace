import { describe, expect, it } from 'vitest';
import { closeDisk2d, fillHoles2d, floodFromBorder2d, squaredDistance2d } from './slice2d.ts';

describe('slice2d', () => {
  it('marks only the background reachable from the border', () => {
    // 5x5 ring of 1s around a hole of 0 at the centre
    const s = new Uint8Array(25);
    for (let j = 1; j <= 3; j++) for (let i = 1; i <= 3; i++) s[i + 5 * j] = 1;
    s[12] = 0;
    const changed = floodFromBorder2d(s, 5, 5, 0, 7);
    expect(changed).toBe(16);
    expect(s[12]).toBe(0);
    expect(s[0]).toBe(7);
  });

  it('fills enclosed holes and nothing else', () => {
    const s = new Uint8Array(25);
    for (let j = 1; j <= 3; j++) for (let i = 1; i <= 3; i++) s[i + 5 * j] = 1;
    s[12] = 0;
    fillHoles2d(s, 5, 5);
    expect(s.reduce((a, b) => a + b, 0)).toBe(9);
  });

  it('computes exact squared distances on an anisotropic grid', () => {
    const site = new Uint8Array(7 * 5);
    site[3 + 7 * 2] = 1;
    const out = new Float64Array(35);
    squaredDistance2d(site, 7, 5, 2, 0.5, out);
    for (let j = 0; j < 5; j++) {
      for (let i = 0; i < 7; i++)
        expect(out[i + 7 * j]).toBeCloseTo(((i - 3) * 2) ** 2 + ((j - 2) * 0.5) ** 2, 9);
    }
  });

  it('closes a notch narrower than the disk and keeps a wide one open', () => {
    const nx = 40;
    const ny = 30;
    const make = (notchWidth: number): Uint8Array => {
      const s = new Uint8Array(nx * ny);
      for (let j = 8; j < 22; j++) for (let i = 8; i < 32; i++) s[i + nx * j] = 1;
      // notch cut from the top edge, 5 px deep
      const i0 = 20 - Math.floor(notchWidth / 2);
      for (let j = 8; j < 13; j++) for (let i = i0; i < i0 + notchWidth; i++) s[i + nx * j] = 0;
      return s;
    };
    const narrow = make(2);
    closeDisk2d(narrow, nx, ny, 1, 1, 3, new Float64Array(nx * ny), new Uint8Array(nx * ny));
    expect(narrow[20 + nx * 10]).toBe(1);
    const wide = make(14);
    closeDisk2d(wide, nx, ny, 1, 1, 3, new Float64Array(nx * ny), new Uint8Array(nx * ny));
    expect(wide[20 + nx * 9]).toBe(0);
  });
});
