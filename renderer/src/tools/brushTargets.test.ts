import { describe, expect, it } from 'vitest';
import { BRUSH_TARGETS, brushTargetFor, brushTargetOf, nextBrushTarget } from './brushTargets.ts';
import { InfectionLabel, LungLabel } from '../../../electron/common/volume/index.ts';

describe('brush targets', () => {
  it('paint the infection labels and the right and left lungs with the engine\'s label values', () => {
    expect(brushTargetOf('1')).toMatchObject({ labelmap: 'infection', label: InfectionLabel.GroundGlassOpacity, overlayId: 'opal-infection' });
    expect(brushTargetOf('2')).toMatchObject({ labelmap: 'infection', label: InfectionLabel.Consolidation });
    expect(brushTargetOf('lungs-1')).toMatchObject({ labelmap: 'lungs', label: LungLabel.RightLung, name: 'Right lung', overlayId: 'opal-lungs' });
    expect(brushTargetOf('lungs-2')).toMatchObject({ labelmap: 'lungs', label: LungLabel.LeftLung, name: 'Left lung' });
  });

  it('map back from labelmap and label, and fall back to ground-glass for an unknown value', () => {
    for (const t of BRUSH_TARGETS) expect(brushTargetFor(t.labelmap, t.label)).toBe(t);
    expect(brushTargetOf('lungs-3').value).toBe('1');
  });

  it('the L key steps ground-glass, consolidation, right lung, left lung and round again', () => {
    let t = brushTargetOf('1');
    const seen = [];
    for (let n = 0; n < 5; n++) seen.push((t = nextBrushTarget(t)).name);
    expect(seen).toEqual(['Consolidation', 'Right lung', 'Left lung', 'Ground-glass', 'Consolidation']);
  });
});
