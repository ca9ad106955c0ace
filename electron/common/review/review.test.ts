import { describe, expect, it } from 'vitest';
import type { Mat3, Vec3 } from '../volume/index.ts';
import { confidenceLevels, rankReviewSlices, UNCERTAIN_BELOW } from './reviewQueue.ts';
import { reviewLongText, reviewRecord, reviewShortText } from './reviewRecord.ts';

const DIMS: Vec3 = [4, 4, 6];
const N = DIMS[0] * DIMS[1] * DIMS[2];
const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const HEAD_FIRST: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, -1];
const at = (i: number, j: number, k: number): number => i + DIMS[0] * (j + DIMS[1] * k);

/** Every voxel confident background (p = 0.94) in the "lungs", the outer ring outside the lungs. */
function study(direction: Mat3 = IDENTITY) {
  const confidence = new Uint8Array(N);
  for (let k = 0; k < DIMS[2]; k++) for (let j = 1; j < 3; j++) for (let i = 1; i < 3; i++) confidence[at(i, j, k)] = 240;
  return { dims: DIMS, spacingMm: [10, 10, 10] as Vec3, direction, infection: new Uint8Array(N), confidence, editedMask: null as Uint8Array | null };
}

describe('rankReviewSlices', () => {
  it('ranks slices by uncertain volume in mL, most uncertain first, and leaves out slices with nothing to review', () => {
    const s = study();
    s.confidence[at(1, 1, 2)] = 100; // slice k=2: one uncertain voxel (1 mL)
    s.confidence[at(1, 1, 4)] = 120; // slice k=4: two
    s.confidence[at(2, 1, 4)] = 150;
    const q = rankReviewSlices(s);
    expect(q.map((x) => [x.rank, x.k, x.sliceNumber, x.uncertainMl])).toEqual([
      [1, 4, 5, 2],
      [2, 2, 3, 1],
    ]);
  });

  it('gives each slice the centre of its uncertain voxels, else of its infection', () => {
    const s = study();
    s.confidence[at(1, 1, 2)] = 100;
    s.confidence[at(2, 2, 2)] = 100;
    s.infection[at(1, 2, 3)] = 1;
    const q = rankReviewSlices(s);
    expect(q.find((x) => x.k === 2)?.centreVoxel).toEqual([1.5, 1.5, 2]);
    expect(q.find((x) => x.k === 3)?.centreVoxel).toEqual([1, 2, 3]);
  });

  it('counts a voxel at exactly 0.6 as certain, and voxels the model did not run on (0) never', () => {
    const s = study();
    s.confidence[at(1, 1, 1)] = UNCERTAIN_BELOW; // p = 0.6: not uncertain
    s.confidence[at(0, 0, 1)] = 0; // outside the lungs
    expect(rankReviewSlices(s)).toEqual([]);
    s.confidence[at(1, 1, 1)] = UNCERTAIN_BELOW - 1;
    expect(rankReviewSlices(s).map((x) => x.k)).toEqual([1]);
  });

  it('keeps slices with infection but no uncertainty after the uncertain ones, larger infection first, and reports its mean confidence', () => {
    const s = study();
    s.infection[at(1, 1, 0)] = 1;
    s.confidence[at(1, 1, 0)] = 204; // 0.8
    s.infection[at(1, 1, 3)] = 2;
    s.infection[at(2, 2, 3)] = 2;
    s.confidence[at(1, 1, 3)] = 255;
    s.confidence[at(2, 2, 3)] = 153;
    s.confidence[at(1, 2, 5)] = 90; // uncertain background
    const q = rankReviewSlices(s);
    expect(q.map((x) => x.k)).toEqual([5, 3, 0]);
    expect(q[1].infectionMl).toBe(2);
    expect(q[1].meanInfectionConfidence).toBeCloseTo(0.8, 6);
    expect(q[2].meanInfectionConfidence).toBeCloseTo(0.8, 6);
    expect(q[0].meanInfectionConfidence).toBeNull();
  });

  it('leaves voxels painted by hand out of the score and of the mean confidence', () => {
    const s = study();
    s.confidence[at(1, 1, 2)] = 100;
    s.infection[at(1, 1, 2)] = 1;
    s.editedMask = new Uint8Array(N);
    s.editedMask[at(1, 1, 2)] = 1;
    const q = rankReviewSlices(s);
    expect(q).toHaveLength(1); // still infection to look at
    expect(q[0].uncertainMl).toBe(0);
    expect(q[0].meanInfectionConfidence).toBeNull();
  });

  it('numbers slices 1 = most inferior for a head-first series too', () => {
    const s = study(HEAD_FIRST);
    s.confidence[at(1, 1, 0)] = 100; // k = 0 is the most superior slice here
    expect(rankReviewSlices(s)[0].sliceNumber).toBe(DIMS[2]);
  });

  it('ranks an imported mask (no confidence) by infection volume', () => {
    const s = { ...study(), confidence: null };
    s.infection[at(1, 1, 1)] = 1;
    s.infection[at(1, 1, 4)] = 1;
    s.infection[at(2, 1, 4)] = 2;
    expect(rankReviewSlices(s).map((x) => [x.k, x.uncertainMl, x.infectionMl])).toEqual([
      [4, 0, 2],
      [1, 0, 1],
    ]);
  });

  it('refuses arrays that do not fit the volume', () => {
    expect(() => rankReviewSlices({ ...study(), infection: new Uint8Array(5) })).toThrow(RangeError);
  });
});

describe('confidenceLevels', () => {
  it('bins into confident/none 0, unsure 1 (0.6-0.8), uncertain 2 (< 0.6), hand-painted voxels 0', () => {
    const c = Uint8Array.from([0, 85, 152, 153, 203, 204, 255, 100]);
    const edited = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...confidenceLevels(c, edited)]).toEqual([0, 2, 2, 1, 1, 0, 0, 0]);
  });
});

describe('reviewRecord', () => {
  const queue = [
    { k: 4, sliceNumber: 5, rank: 1, uncertainMl: 2, infectionMl: 0, meanInfectionConfidence: null, centreVoxel: [0, 0, 4] as [number, number, number] },
    { k: 2, sliceNumber: 3, rank: 2, uncertainMl: 1, infectionMl: 0, meanInfectionConfidence: null, centreVoxel: [0, 0, 2] as [number, number, number] },
  ];
  it('records ranked and reviewed slice numbers (reviewed ascending, once each) and the edited flag', () => {
    const r = reviewRecord({ queue, reviewedSliceNumbers: [5, 3, 5], maskEdited: true });
    expect(r).toMatchObject({ slicesRanked: 2, slicesReviewed: 2, rankedSliceNumbers: [5, 3], reviewedSliceNumbers: [3, 5], maskEdited: true });
    expect(reviewShortText(r)).toBe('reviewed 2 of 2 slices, edited');
    expect(reviewLongText(r)).toContain('Reviewed slices: 3, 5.');
  });
  it('keeps the long text within a DICOM LT, cutting the list at a comma', () => {
    const many = Array.from({ length: 5000 }, (_, i) => i + 1);
    const text = reviewLongText(reviewRecord({ queue, reviewedSliceNumbers: many, maskEdited: false }));
    expect(text.length).toBeLessThanOrEqual(10240);
    expect(text).toMatch(/\d…\.$/);
  });
});
