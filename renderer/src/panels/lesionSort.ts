import type { Lesion } from '../../../electron/common/quant/Measurements.ts';

/** Columns the lesion panel sorts by. */
export type LesionSortKey = 'id' | 'volumeMl' | 'consolidationMl' | 'meanHu' | 'place' | 'slice' | 'meanConfidence';

export interface LesionSort {
  key: LesionSortKey;
  descending: boolean;
}

/** Largest first, as the engine lists them. */
export const DEFAULT_LESION_SORT: LesionSort = { key: 'volumeMl', descending: true };

const ZONE_ORDER = { upper: 0, middle: 1, lower: 2 } as const;
const LUNG_ORDER = { right: 0, left: 1, outside: 2 } as const;

/** The value a lesion sorts by; null (no HU, no model confidence) sorts last in either direction. */
function sortValue(l: Lesion, key: LesionSortKey): number | null {
  switch (key) {
    case 'id':
      return l.id;
    case 'volumeMl':
      return l.volumeMl;
    case 'consolidationMl':
      // The class mix: share of consolidation (0 all ground-glass, 1 all consolidation).
      return l.volumeMl > 0 ? l.consolidationMl / l.volumeMl : 0;
    case 'meanHu':
      return l.meanHu;
    case 'place':
      return LUNG_ORDER[l.lung] * 10 + (l.zone ? ZONE_ORDER[l.zone] : 3);
    case 'slice':
      // Slice numbers count from the feet up (sliceNumbering.ts) whatever the stored order: sort by height.
      return l.centroidLpsMm[2];
    case 'meanConfidence':
      return l.meanConfidence;
  }
}

/** A sorted copy; ties keep the engine's order (largest first). */
export function sortLesions(lesions: readonly Lesion[], sort: LesionSort): Lesion[] {
  const sign = sort.descending ? -1 : 1;
  return [...lesions].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null || vb === null) return va === vb ? a.id - b.id : va === null ? 1 : -1;
    return sign * (va - vb) || a.id - b.id;
  });
}

/** Clicking a column: the same column flips the direction; a new one starts in its natural direction. */
export function nextLesionSort(current: LesionSort, key: LesionSortKey): LesionSort {
  if (current.key === key) return { key, descending: !current.descending };
  // Sizes, densities and confidences read best largest first; ids, places and slices in order.
  const descending = key === 'volumeMl' || key === 'consolidationMl' || key === 'meanHu' || key === 'meanConfidence';
  return { key, descending };
}
