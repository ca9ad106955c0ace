import type { LabelmapKind } from '../../../electron/common/ipc/contract.ts';

/**
 * What the brush and eraser paint (the toolbar's target selector, `#brush-label`): an infection
 * label, or one lung of the lung labelmap (1 right, 2 left: electron/common/volume LungLabel) so an
 * annotator adds diseased lung the mask missed or takes liver or the diaphragm's dome out of it.
 */
export interface BrushTargetChoice {
  /** The `<option>` value. */
  value: string;
  labelmap: LabelmapKind;
  label: 1 | 2;
  name: string;
  /** The viewer's overlay (segmentation id) that shows this labelmap. */
  overlayId: 'opal-infection' | 'opal-lungs';
}

export const BRUSH_TARGETS: readonly BrushTargetChoice[] = [
  { value: '1', labelmap: 'infection', label: 1, name: 'Ground-glass', overlayId: 'opal-infection' },
  { value: '2', labelmap: 'infection', label: 2, name: 'Consolidation', overlayId: 'opal-infection' },
  { value: 'lungs-1', labelmap: 'lungs', label: 1, name: 'Right lung', overlayId: 'opal-lungs' },
  { value: 'lungs-2', labelmap: 'lungs', label: 2, name: 'Left lung', overlayId: 'opal-lungs' },
];

/** The choice of an option value (an unknown one: ground-glass). */
export function brushTargetOf(value: string): BrushTargetChoice {
  return BRUSH_TARGETS.find((t) => t.value === value) ?? BRUSH_TARGETS[0];
}

/** The choice for a labelmap and label (the store keeps these two). */
export function brushTargetFor(labelmap: LabelmapKind, label: number): BrushTargetChoice {
  return BRUSH_TARGETS.find((t) => t.labelmap === labelmap && t.label === label) ?? BRUSH_TARGETS[0];
}

/** The next target in the selector's order (the L key), wrapping round. */
export function nextBrushTarget(current: BrushTargetChoice): BrushTargetChoice {
  return BRUSH_TARGETS[(BRUSH_TARGETS.indexOf(current) + 1) % BRUSH_TARGETS.length];
}
