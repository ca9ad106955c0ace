import { describe, expect, it } from 'vitest';
import { InteractiveResolution, movingScaleForPixelBudget } from './interactiveResolution.ts';

/** Manual clock: timers fire only when the test advances time. */
function fakeClock() {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimer: (fn: () => void, ms: number) => {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimer: (h: unknown) => void timers.delete(h as number),
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
    pending: () => timers.size,
  };
}

function make() {
  const clock = fakeClock();
  const applied: number[] = [];
  const ir = new InteractiveResolution({ movingScale: 0.5, settleMs: 200, apply: (s) => applied.push(s), ...clock });
  return { ir, clock, applied };
}

describe('InteractiveResolution', () => {
  it('does nothing while disabled (full resolution on a GPU)', () => {
    const { ir, clock, applied } = make();
    ir.motion();
    ir.hold();
    ir.release();
    clock.advance(1000);
    expect(applied).toEqual([]);
    expect(ir.currentScale).toBe(1);
  });

  it('drops to the moving scale once per burst of motion and returns to full resolution after the settle time', () => {
    const { ir, clock, applied } = make();
    ir.setEnabled(true);
    for (let i = 0; i < 10; i++) {
      ir.motion();
      clock.advance(50); // continuous scrolling: the settle timer keeps being restarted
    }
    expect(applied).toEqual([0.5]);
    expect(ir.currentScale).toBe(0.5);
    clock.advance(149);
    expect(applied).toEqual([0.5]);
    clock.advance(1);
    expect(applied).toEqual([0.5, 1]);
    expect(clock.pending()).toBe(0);
  });

  it('stays at the moving scale for as long as a drag is held, then settles', () => {
    const { ir, clock, applied } = make();
    ir.setEnabled(true);
    ir.hold();
    ir.motion();
    clock.advance(5000);
    expect(applied).toEqual([0.5]);
    ir.release();
    clock.advance(200);
    expect(applied).toEqual([0.5, 1]);
  });

  it('a click without motion changes nothing', () => {
    const { ir, clock, applied } = make();
    ir.setEnabled(true);
    ir.hold();
    ir.release();
    clock.advance(1000);
    expect(applied).toEqual([]);
  });

  it('disabling mid-motion restores full resolution at once and cancels the timer', () => {
    const { ir, clock, applied } = make();
    ir.setEnabled(true);
    ir.motion();
    ir.setEnabled(false);
    expect(applied).toEqual([0.5, 1]);
    expect(clock.pending()).toBe(0);
    ir.motion();
    expect(applied).toEqual([0.5, 1]);
  });

  it('rejects a scale that would not lower the resolution', () => {
    expect(() => new InteractiveResolution({ movingScale: 1, settleMs: 1, apply: () => undefined })).toThrow(RangeError);
    expect(() => new InteractiveResolution({ movingScale: 0, settleMs: 1, apply: () => undefined })).toThrow(RangeError);
  });
});

describe('movingScaleForPixelBudget', () => {
  it('is half resolution for a small viewport, less for a large one, never below the floor', () => {
    expect(movingScaleForPixelBudget(454 * 394)).toBe(0.5); // the bench's 1400x860 window
    const fullHd = movingScaleForPixelBudget(830 * 500); // a 1080p window split 2x2
    expect(fullHd).toBeCloseTo(Math.sqrt(60_000 / (830 * 500)), 6);
    expect(830 * 500 * fullHd * fullHd).toBeCloseTo(60_000, 0);
    expect(movingScaleForPixelBudget(4000 * 4000)).toBe(0.25);
    expect(movingScaleForPixelBudget(0)).toBe(0.5);
  });

  it('is read when a motion begins, not on every event', () => {
    let calls = 0;
    const applied: number[] = [];
    const ir = new InteractiveResolution({ movingScale: () => (calls++, 0.3), settleMs: 10, apply: (s) => applied.push(s), setTimer: () => 1, clearTimer: () => undefined });
    ir.setEnabled(true);
    ir.motion();
    ir.motion();
    expect(calls).toBe(1);
    expect(applied).toEqual([0.3]);
  });
});
