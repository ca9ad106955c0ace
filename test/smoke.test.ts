import { describe, expect, it } from 'vitest';
import { OpalError, toOpalError } from '../electron/common/errors/index.ts';
import { voxelToPatient, voxelToPatientAffine } from '../electron/common/volume/index.ts';

describe('error catalogue', () => {
  it('keeps the code and a readable message', () => {
    const e = new OpalError('E_NOT_DICOM', 'x.txt is not a DICOM file');
    expect(e.toJSON()).toEqual({ code: 'E_NOT_DICOM', message: 'x.txt is not a DICOM file' });
    expect(toOpalError(new Error('boom')).code).toBe('E_INTERNAL');
  });
});

describe('volume geometry', () => {
  it('maps voxel indices through spacing, direction axes and origin', () => {
    // axis i = +y (posterior), axis j = -x, axis k = +z
    const v = { spacingMm: [0.5, 2, 3] as [number, number, number], originMm: [10, 20, 30] as [number, number, number], direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number] };
    expect(voxelToPatient(v, 2, 1, 1)).toEqual([10 - 2, 20 + 1, 33]);
    const a = voxelToPatientAffine(v);
    const p = [0, 1, 2].map((r) => a[r * 4] * 2 + a[r * 4 + 1] * 1 + a[r * 4 + 2] * 1 + a[r * 4 + 3]);
    expect(p).toEqual([8, 21, 33]);
  });
});
