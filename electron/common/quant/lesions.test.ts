import { describe, expect, it } from 'vitest';
import type { Mat3, Vec3 } from '../volume/index.ts';
import { findLesions, MIN_LESION_VOLUME_ML, sliceZoneTable, type LesionInput } from './lesions.ts';

const DIMS: Vec3 = [20, 10, 9];
const N = DIMS[0] * DIMS[1] * DIMS[2];
const at = (i: number, j: number, k: number): number => i + DIMS[0] * (j + DIMS[1] * k);

/** Right lung at i < 10, left lung at i >= 10, on every slice; zones: thirds of k (high k upper). */
function study(spacingMm: Vec3 = [10, 10, 10]): LesionInput & { infection: Uint8Array } {
  const lungs = new Uint8Array(N);
  for (let k = 0; k < DIMS[2]; k++) for (let j = 0; j < DIMS[1]; j++) for (let i = 0; i < DIMS[0]; i++) lungs[at(i, j, k)] = i < 10 ? 1 : 2;
  const zones = sliceZoneTable(DIMS[2], 0, DIMS[2] - 1, true);
  return { lungs, infection: new Uint8Array(N), dims: DIMS, spacingMm, sliceZones: [zones, zones, zones] };
}

function paintBox(inf: Uint8Array, [i0, i1]: [number, number], [j0, j1]: [number, number], [k0, k1]: [number, number], label: number): void {
  for (let k = k0; k <= k1; k++) for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) inf[at(i, j, k)] = label;
}

describe('sliceZoneTable', () => {
  it('gives each slice of the extent its third, lower third first from the inferior end', () => {
    expect([...sliceZoneTable(8, 1, 6, true)]).toEqual([-1, 2, 2, 1, 1, 0, 0, -1]);
    expect([...sliceZoneTable(8, 1, 6, false)]).toEqual([-1, 0, 0, 1, 1, 2, 2, -1]);
    expect([...sliceZoneTable(3, -1, -1, true)]).toEqual([-1, -1, -1]);
  });
});

describe('findLesions', () => {
  it('measures volume and class mix in mL, and lists lesions largest first with ids in that order', () => {
    const s = study(); // 1 mL voxels
    paintBox(s.infection, [1, 3], [1, 2], [0, 0], 1); // 6 GGO voxels
    paintBox(s.infection, [1, 3], [3, 3], [0, 0], 2); // + 3 consolidation, touching: one lesion of 9 mL
    paintBox(s.infection, [12, 13], [5, 5], [6, 6], 2); // 2 mL, separate
    const { lesions } = findLesions(s);
    expect(lesions.map((l) => [l.id, l.volumeMl, l.groundGlassMl, l.consolidationMl])).toEqual([
      [1, 9, 6, 3],
      [2, 2, 0, 2],
    ]);
  });

  it('joins voxels that touch only at a corner (26-connectivity)', () => {
    const s = study();
    s.infection[at(2, 2, 2)] = 1;
    s.infection[at(3, 3, 3)] = 1;
    expect(findLesions(s).lesions.map((l) => l.volumeMl)).toEqual([2]);
  });

  it(`drops components below the minimum volume (${MIN_LESION_VOLUME_ML} mL): specks are not lesions`, () => {
    const s = study([1, 1, 1]); // 1 mm³ voxels: 100 voxels = 0.1 mL
    paintBox(s.infection, [0, 9], [0, 9], [0, 0], 1); // 100 voxels: a lesion
    paintBox(s.infection, [10, 19], [0, 8], [4, 4], 1); // 90 voxels
    paintBox(s.infection, [10, 18], [9, 9], [4, 4], 1); // + 9 = 99 voxels: not a lesion
    const r = findLesions(s);
    expect(r.lesions).toHaveLength(1);
    expect(r.lesions[0].volumeMl).toBeCloseTo(0.1, 12);
    expect(r.lesions[0].lung).toBe('right');
    expect(findLesions({ ...s, minVolumeMl: 0.05 }).lesions).toHaveLength(2);
  });

  it('puts the centroid in voxel indices and in LPS millimetres through origin, spacing and direction', () => {
    const s = study([2, 3, 5]);
    paintBox(s.infection, [4, 6], [2, 3], [7, 8], 1);
    const origin: Vec3 = [-100, 50, 200];
    const flipped: Mat3 = [-1, 0, 0, 0, -1, 0, 0, 0, -1];
    const [lesion] = findLesions({ ...s, originMm: origin, direction: flipped, minVolumeMl: 0 }).lesions;
    expect(lesion.centroidVoxel).toEqual([5, 2.5, 7.5]);
    expect(lesion.centroidLpsMm).toEqual([-100 - 5 * 2, 50 - 2.5 * 3, 200 - 7.5 * 5]);
    expect(lesion.boundingBoxVoxel).toEqual({ min: [4, 2, 7], max: [6, 3, 8] });
  });

  it('takes the lung and the zone that hold most of its voxels (the score zones), and "outside" off the lungs', () => {
    const s = study();
    // 9 slices: lower k 0-2, middle k 3-5, upper k 6-8
    paintBox(s.infection, [14, 16], [4, 4], [4, 6], 2); // k 4,5 middle (6 voxels), k 6 upper (3 voxels)
    const r = findLesions(s);
    expect(r.lesions[0]).toMatchObject({ lung: 'left', zone: 'middle' });
    expect(r.lesionVoxelsByZone[3 * 2 + 1]).toBe(6); // left middle
    expect(r.lesionVoxelsByZone[3 * 2 + 0]).toBe(3); // left upper

    const off = study();
    off.lungs.fill(0, at(0, 0, 0), at(0, 0, 1)); // slice 0 has no lung
    paintBox(off.infection, [2, 3], [2, 2], [0, 0], 1);
    expect(findLesions(off).lesions[0]).toMatchObject({ lung: 'outside', zone: 'lower' });
  });

  it('reports the mean HU when the CT is given, null otherwise', () => {
    const s = study();
    paintBox(s.infection, [1, 2], [1, 1], [1, 1], 1);
    const hu = new Int16Array(N).fill(-850);
    hu[at(1, 1, 1)] = -600;
    hu[at(2, 1, 1)] = -400;
    expect(findLesions({ ...s, hu }).lesions[0].meanHu).toBe(-500);
    expect(findLesions(s).lesions[0].meanHu).toBeNull();
  });

  it("averages the model's confidence over the voxels that keep its label; painted voxels are left out and counted as edited", () => {
    const s = study();
    paintBox(s.infection, [1, 4], [1, 1], [1, 1], 1); // 4 GGO voxels now
    const model = s.infection.slice();
    model[at(4, 1, 1)] = 0; // the model called this one background: painted by hand
    model[at(3, 1, 1)] = 2; // and this one consolidation: relabelled by hand
    const confidence = new Uint8Array(N);
    confidence[at(1, 1, 1)] = 255;
    confidence[at(2, 1, 1)] = 153;
    confidence[at(3, 1, 1)] = 250; // its confidence is in consolidation, not in the GGO painted now
    confidence[at(4, 1, 1)] = 240; // p(background)
    const [lesion] = findLesions({ ...s, confidence, modelInfection: model }).lesions;
    expect(lesion.meanConfidence).toBeCloseTo((255 + 153) / 2 / 255, 4);
    expect(lesion.editedMl).toBe(2);

    // A lesion painted entirely by hand has no model confidence.
    const painted = findLesions({ ...s, confidence, modelInfection: new Uint8Array(N) }).lesions[0];
    expect(painted.meanConfidence).toBeNull();
    expect(painted.editedMl).toBe(4);
    // Without the model labels every voxel counts; a voxel with confidence 0 (none given) does not.
    confidence[at(4, 1, 1)] = 0;
    expect(findLesions({ ...s, confidence }).lesions[0].meanConfidence).toBeCloseTo((255 + 153 + 250) / 3 / 255, 4);
    expect(findLesions(s).lesions[0].meanConfidence).toBeNull();
  });

  it('finds nothing in an empty labelmap', () => {
    const r = findLesions(study());
    expect(r.lesions).toEqual([]);
    expect([...r.lesionVoxelsByZone]).toEqual(new Array(9).fill(0));
  });
});
