/**
 * The scale bar's length: the longest "round" length (5 mm, 1, 2, 5, 10, 20 cm) that fits in
 * `maxPx` screen pixels at `mmPerPx` millimetres per CSS pixel (pixel spacing ÷ zoom), and its
 * length in pixels. Pure; the overlay draws it.
 */
export interface ScaleBar {
  mm: number;
  px: number;
  label: string;
}

export const SCALE_BAR_LENGTHS_MM: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500];

export function chooseScaleBar(mmPerPx: number, maxPx: number, minPx = 24): ScaleBar | undefined {
  if (!(mmPerPx > 0) || !(maxPx > 0)) return undefined;
  let best: ScaleBar | undefined;
  for (const mm of SCALE_BAR_LENGTHS_MM) {
    const px = mm / mmPerPx;
    if (px > maxPx) break;
    if (px >= minPx) best = { mm, px, label: mm >= 10 ? `${mm / 10} cm` : `${mm} mm` };
  }
  return best;
}
