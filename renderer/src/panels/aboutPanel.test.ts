import { describe, expect, it } from 'vitest';
import { modelMetricLines } from './aboutPanel.ts';

describe('About panel model numbers', () => {
  it("states the shipped model's validation Dice with its interval and its false positives", () => {
    // The shape train.sh writes into models/manifests/*.json (sandboxed renderer tests read no files).
    const manifest = {
      metrics: {
        split: '10 labelled slices held out of the 50',
        diceInfection: 0.663,
        diceGgo: 0.5713,
        ci95Bootstrap: { dice_infection: [0.585, 0.7346], dice_ggo: [0.3812, 0.679] },
        falsePositiveNonCovidCt: { infectionMl: 28, percentOfLungs: 0.73 },
      } as Record<string, unknown>,
    };
    const lines = modelMetricLines(manifest.metrics);
    const dice = manifest.metrics.diceInfection as number;
    expect(lines[0]).toBe(`Validation Dice, infection: ${dice.toFixed(3)} (95 % CI ${(manifest.metrics.ci95Bootstrap as Record<string, number[]>).dice_infection.map((x) => x.toFixed(2)).join('–')})`);
    expect(lines).toContain('Dice, ground-glass: 0.571 (95 % CI 0.38–0.68)');
    expect(lines).toContain('False positives on a CT without COVID-19: 28 mL (0.73 % of the lungs)');
  });

  it('skips what a manifest does not have', () => {
    expect(modelMetricLines(undefined)).toEqual([]);
    expect(modelMetricLines({ diceInfection: 0.5 })).toEqual(['Validation Dice, infection: 0.500']);
  });
});
