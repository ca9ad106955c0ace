import { describe, expect, it } from 'vitest';
import type { Lesion } from '../../../electron/common/quant/Measurements.ts';
import { DEFAULT_LESION_SORT, nextLesionSort, sortLesions } from './lesionSort.ts';

function lesion(id: number, over: Partial<Lesion>): Lesion {
  return {
    id,
    volumeMl: 1,
    groundGlassMl: 1,
    consolidationMl: 0,
    meanHu: -500,
    lung: 'right',
    zone: 'upper',
    centroidLpsMm: [0, 0, 0],
    centroidVoxel: [0, 0, 0],
    boundingBoxVoxel: { min: [0, 0, 0], max: [0, 0, 0] },
    meanConfidence: 0.9,
    editedMl: 0,
    ...over,
  };
}

const list = [
  lesion(1, { volumeMl: 9, groundGlassMl: 9, meanHu: -600, lung: 'left', zone: 'lower', centroidVoxel: [1, 1, 30], centroidLpsMm: [0, 0, 30], meanConfidence: 0.7 }),
  lesion(2, { volumeMl: 4, groundGlassMl: 1, consolidationMl: 3, meanHu: -50, lung: 'right', zone: 'lower', centroidVoxel: [1, 1, 5], centroidLpsMm: [0, 0, 5], meanConfidence: null }),
  lesion(3, { volumeMl: 2, groundGlassMl: 2, meanHu: -450, lung: 'right', zone: 'upper', centroidVoxel: [1, 1, 12], centroidLpsMm: [0, 0, 12], meanConfidence: 0.95 }),
];
const ids = (l: Lesion[]) => l.map((x) => x.id);

describe('sortLesions', () => {
  it('lists largest first by default, and smallest first when flipped', () => {
    expect(ids(sortLesions(list, DEFAULT_LESION_SORT))).toEqual([1, 2, 3]);
    expect(ids(sortLesions(list, nextLesionSort(DEFAULT_LESION_SORT, 'volumeMl')))).toEqual([3, 2, 1]);
  });

  it('sorts by slice, by place (right lung first, upper to lower) and by share of consolidation', () => {
    expect(ids(sortLesions(list, { key: 'slice', descending: false }))).toEqual([2, 3, 1]);
    // Stored feet first (k runs down): slice 1 is the most inferior, so the order follows height, not k.
    const feetFirst = list.map((l) => ({ ...l, centroidLpsMm: [0, 0, -l.centroidVoxel[2]] as [number, number, number] }));
    expect(ids(sortLesions(feetFirst, { key: 'slice', descending: false }))).toEqual([1, 3, 2]);
    expect(ids(sortLesions(list, { key: 'place', descending: false }))).toEqual([3, 2, 1]);
    expect(ids(sortLesions(list, { key: 'consolidationMl', descending: true }))).toEqual([2, 1, 3]);
  });

  it('puts a lesion without model confidence last in either direction', () => {
    expect(ids(sortLesions(list, { key: 'meanConfidence', descending: false }))).toEqual([1, 3, 2]);
    expect(ids(sortLesions(list, { key: 'meanConfidence', descending: true }))).toEqual([3, 1, 2]);
  });

  it('starts a new column in its natural direction and flips the current one', () => {
    expect(nextLesionSort(DEFAULT_LESION_SORT, 'slice')).toEqual({ key: 'slice', descending: false });
    expect(nextLesionSort({ key: 'slice', descending: false }, 'slice')).toEqual({ key: 'slice', descending: true });
    expect(nextLesionSort({ key: 'slice', descending: false }, 'meanConfidence')).toEqual({ key: 'meanConfidence', descending: true });
  });
});
