import { describe, expect, it } from 'vitest';
import { Store, initialState, nextBrushRadius, normaliseHuRange, DEFAULT_HU_RANGES, MAX_BRUSH_MM, MIN_BRUSH_MM } from './store.ts';
import { ERROR_ADVICE, adviceFor } from './errorMessages.ts';
import { ErrorCodes } from '../../../electron/common/errors/index.ts';
import { WINDOW_PRESETS, presetForKey, voiRangeOf, windowOfVoiRange } from '../viewport/windowPresets.ts';

describe('renderer store', () => {
  it('starts in the lung window with the infection overlay visible and navigation active', () => {
    const s = initialState();
    expect(s.window).toEqual({ windowWidthHu: 1500, windowLevelHu: -600 });
    expect(s.overlays.infection.visible).toBe(true);
    expect(s.tool.mode).toBe('navigate');
  });

  it('notifies subscribers with the new and previous state and stops after unsubscribe', () => {
    const store = new Store();
    const seen: [string, string][] = [];
    const off = store.subscribe((s, prev) => seen.push([prev.status, s.status]));
    store.update({ status: 'a' });
    store.update((s) => ({ status: `${s.status}b` }));
    off();
    store.update({ status: 'c' });
    expect(seen).toEqual([
      ['Open a CT folder to begin.', 'a'],
      ['a', 'ab'],
    ]);
    expect(store.state.status).toBe('c');
  });

  it('counts status messages: a patch with status (even the same text) is a new message, one without is not', () => {
    const store = new Store();
    const first = store.state.statusSeq;
    store.update({ status: 'Stroke of 12 voxels saved.' });
    store.update({ canUndo: true });
    expect(store.state.statusSeq).toBe(first + 1);
    store.update({ status: 'Stroke of 12 voxels saved.' });
    expect(store.state.statusSeq).toBe(first + 2);
  });

  it('HU limit starts off, with a ground-glass range below the consolidation range', () => {
    const { huLimit } = initialState().tool;
    expect(huLimit.enabled).toBe(false);
    expect(huLimit.ranges[1]).toEqual([-750, -300]);
    expect(huLimit.ranges[1][1]).toBeLessThanOrEqual(huLimit.ranges[2][0]);
    // Each state gets its own arrays: editing one must not change the defaults.
    huLimit.ranges[1][0] = 0;
    expect(DEFAULT_HU_RANGES[1][0]).toBe(-750);
  });

  it('normalises typed HU ranges: rounds, clamps to the CT range, swaps reversed bounds, falls back on junk', () => {
    expect(normaliseHuRange(-300.4, 150.6, [0, 1])).toEqual([-300, 151]);
    expect(normaliseHuRange(100, -500, [0, 1])).toEqual([-500, 100]);
    expect(normaliseHuRange(-5000, 9000, [0, 1])).toEqual([-1024, 3071]);
    expect(normaliseHuRange(Number.NaN, 3, [-750, -300])).toEqual([-750, -300]);
  });

  it('grows the brush on wheel up, shrinks it on wheel down and keeps it within bounds', () => {
    expect(nextBrushRadius(5, -100)).toBe(6);
    expect(nextBrushRadius(12, 100)).toBe(10);
    expect(nextBrushRadius(MAX_BRUSH_MM, -100)).toBe(MAX_BRUSH_MM);
    expect(nextBrushRadius(MIN_BRUSH_MM, 100)).toBe(MIN_BRUSH_MM);
  });
});

describe('error messages', () => {
  it('has advice for every error code of the catalogue', () => {
    for (const code of Object.keys(ErrorCodes)) expect(ERROR_ADVICE[code as keyof typeof ErrorCodes], code).toMatch(/\w/);
    expect(adviceFor('E_SOMETHING_NEW')).toBe(ERROR_ADVICE.E_INTERNAL);
  });
});

describe('window presets', () => {
  it('maps keys 1-5 to lung, mediastinum, bone and two more, and converts to VOI ranges both ways', () => {
    expect(WINDOW_PRESETS.map((p) => p.key)).toEqual(['1', '2', '3', '4', '5']);
    expect(presetForKey('2')).toMatchObject({ windowWidthHu: 400, windowLevelHu: 40 });
    expect(presetForKey('3')).toMatchObject({ windowWidthHu: 2500, windowLevelHu: 480 });
    expect(voiRangeOf(1500, -600)).toEqual({ lower: -1350, upper: 150 });
    expect(windowOfVoiRange({ lower: -1350, upper: 150 })).toEqual({ windowWidthHu: 1500, windowLevelHu: -600 });
    expect(presetForKey('9')).toBeUndefined();
  });
});
