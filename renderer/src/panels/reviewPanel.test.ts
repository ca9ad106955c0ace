import { describe, expect, it } from 'vitest';
import { firstUnreviewed, stepCursor } from './reviewPanel.ts';

describe('review navigation', () => {
  it('steps through the ranked slices and stops at either end', () => {
    expect(stepCursor(0, 1, 3)).toBe(1);
    expect(stepCursor(2, 1, 3)).toBe(2);
    expect(stepCursor(0, -1, 3)).toBe(0);
    expect(stepCursor(0, 1, 0)).toBe(-1);
  });

  it('starts at the first unreviewed slice in rank order, or rank 1 when all are reviewed', () => {
    expect(firstUnreviewed([{ reviewed: true }, { reviewed: false }, { reviewed: false }])).toBe(1);
    expect(firstUnreviewed([{ reviewed: true }, { reviewed: true }])).toBe(0);
    expect(firstUnreviewed([])).toBe(-1);
  });
});
