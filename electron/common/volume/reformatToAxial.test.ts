import { describe, expect, it } from 'vitest';
import { reformatToAxial, toAcquisitionGrid } from './reformatToAxial.ts';
import { voxelToPatient, type Mat3, type Vec3, type Volume } from './Volume.ts';

/** A coronal acquisition: rows towards the patient's left, columns towards the feet, slices towards the back. */
function coronalVolume(): Volume<Int16Array> {
  const dims: Vec3 = [5, 4, 3];
  const voxels = new Int16Array(5 * 4 * 3).map((_, p) => p - 30);
  const direction: Mat3 = [1, 0, 0, 0, 0, -1, 0, 1, 0];
  return {
    dims,
    spacingMm: [0.7, 1.5, 2.5],
    originMm: [-100, -50, 40],
    direction,
    voxels,
    meta: { sopInstanceUids: ['1.1', '1.2', '1.3'], frameNumbers: [1, 1, 1], slicePositionsMm: [-50, -47.5, -45], seriesInstanceUid: '9.9' },
  };
}

describe('reformatToAxial', () => {
  it('reorders a coronal volume so that i runs to the left, j to the back and k to the head', () => {
    const axial = reformatToAxial(coronalVolume(), 'coronal');
    expect(axial.dims).toEqual([5, 3, 4]);
    expect(axial.spacingMm).toEqual([0.7, 2.5, 1.5]);
    expect(axial.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('keeps every voxel value at its own patient position (an exact permutation, no interpolation)', () => {
    const coronal = coronalVolume();
    const axial = reformatToAxial(coronal, 'coronal');
    const at = new Map<string, number>();
    const key = (p: Vec3): string => p.map((v) => v.toFixed(6)).join(',');
    const [nx, ny, nz] = coronal.dims;
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) at.set(key(voxelToPatient(coronal, i, j, k)), coronal.voxels[i + nx * (j + ny * k)]);
    const [ax, ay, az] = axial.dims;
    let checked = 0;
    for (let k = 0; k < az; k++)
      for (let j = 0; j < ay; j++)
        for (let i = 0; i < ax; i++) {
          expect(axial.voxels[i + ax * (j + ay * k)]).toBe(at.get(key(voxelToPatient(axial, i, j, k))));
          checked++;
        }
    expect(checked).toBe(coronal.voxels.length);
    expect([...axial.voxels].sort((a, b) => a - b)).toEqual([...coronal.voxels].sort((a, b) => a - b));
  });

  it('moves the per-image lists with the acquired grid into meta.acquisition', () => {
    const axial = reformatToAxial(coronalVolume(), 'coronal');
    expect(axial.meta.sopInstanceUids).toBeUndefined();
    expect(axial.meta.acquisition).toMatchObject({ plane: 'coronal', dims: [5, 4, 3], sopInstanceUids: ['1.1', '1.2', '1.3'], axes: [0, 2, 1], flips: [false, false, true] });
    expect(axial.meta.seriesInstanceUid).toBe('9.9');
  });

  it('puts a mask of the axial volume back on the acquired grid voxel for voxel', () => {
    const coronal = coronalVolume();
    const axial = reformatToAxial(coronal, 'coronal');
    const mask = Uint8Array.from(axial.voxels, (v) => (v + 30) % 251);
    const back = toAcquisitionGrid(mask, axial.meta.acquisition!);
    expect(Array.from(back)).toEqual(Array.from(coronal.voxels, (v) => (v + 30) % 251));
  });

  it('reorders a sagittal volume whose rows run to the front', () => {
    // Rows towards anterior (-y), columns towards the feet (-z), slices towards the patient's left (+x)... normal = -y × -z = +x.
    const v: Volume<Int16Array> = { dims: [3, 4, 2], spacingMm: [1, 2, 3], originMm: [0, 0, 0], direction: [0, -1, 0, 0, 0, -1, 1, 0, 0], voxels: new Int16Array(24).map((_, p) => p), meta: {} };
    const axial = reformatToAxial(v, 'sagittal');
    expect(axial.dims).toEqual([2, 3, 4]);
    expect(axial.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // The corner voxel (0,0,0) of the axial volume is the right-anterior-inferior one.
    expect(axial.originMm).toEqual(voxelToPatient(v, 2, 3, 0));
    expect(axial.voxels[0]).toBe(v.voxels[2 + 3 * 3]);
  });

  it('returns an axial volume unchanged', () => {
    const v: Volume<Int16Array> = { dims: [2, 2, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], voxels: new Int16Array(8), meta: {} };
    expect(reformatToAxial(v, 'coronal')).toBe(v);
  });
});
