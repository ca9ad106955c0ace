import { afterEach, describe, expect, it } from 'vitest';
import { installRenderScale, renderScale, setRenderScale } from './renderScale.ts';

describe('render scale', () => {
  afterEach(() => setRenderScale(1));

  it('makes devicePixelRatio report the display ratio times the scale, read afresh each time', () => {
    // A stand-in for window: the ratio is an accessor on its prototype, as in Chromium.
    let display = 2;
    const proto = {};
    Object.defineProperty(proto, 'devicePixelRatio', { configurable: true, get: () => display });
    const win = Object.create(proto) as Window & typeof globalThis;
    installRenderScale(win);
    expect(win.devicePixelRatio).toBe(2);
    setRenderScale(0.5);
    expect(renderScale()).toBe(0.5);
    expect(win.devicePixelRatio).toBe(1);
    display = 3; // moved to another monitor
    expect(win.devicePixelRatio).toBe(1.5);
    setRenderScale(1);
    expect(win.devicePixelRatio).toBe(3);
  });

  it('refuses a scale outside (0, 1]', () => {
    expect(() => setRenderScale(0)).toThrow(RangeError);
    expect(() => setRenderScale(1.5)).toThrow(RangeError);
    expect(() => setRenderScale(Number.NaN)).toThrow(RangeError);
  });
});
