/**
 * Window presets (keys 1-5). Width and level in Hounsfield units; the lung window is the default
 * for chest CT reading (DESIGN.md §3.4).
 */
export interface WindowPreset {
  key: '1' | '2' | '3' | '4' | '5';
  name: string;
  windowWidthHu: number;
  windowLevelHu: number;
}

export const WINDOW_PRESETS: readonly WindowPreset[] = [
  { key: '1', name: 'Lung', windowWidthHu: 1500, windowLevelHu: -600 },
  { key: '2', name: 'Mediastinum', windowWidthHu: 400, windowLevelHu: 40 },
  { key: '3', name: 'Bone', windowWidthHu: 2500, windowLevelHu: 480 },
  { key: '4', name: 'Soft tissue', windowWidthHu: 350, windowLevelHu: 50 },
  { key: '5', name: 'Ground-glass (narrow lung)', windowWidthHu: 1000, windowLevelHu: -700 },
];

export const DEFAULT_PRESET: WindowPreset = WINDOW_PRESETS[0];

export function presetForKey(key: string): WindowPreset | undefined {
  return WINDOW_PRESETS.find((p) => p.key === key);
}

/** cornerstone's VOI range: lower and upper HU of the window. */
export function voiRangeOf(windowWidthHu: number, windowLevelHu: number): { lower: number; upper: number } {
  return { lower: windowLevelHu - windowWidthHu / 2, upper: windowLevelHu + windowWidthHu / 2 };
}

/** Inverse of voiRangeOf. */
export function windowOfVoiRange(range: { lower: number; upper: number }): { windowWidthHu: number; windowLevelHu: number } {
  return { windowWidthHu: range.upper - range.lower, windowLevelHu: (range.upper + range.lower) / 2 };
}
