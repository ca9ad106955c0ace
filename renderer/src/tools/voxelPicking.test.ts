import { describe, expect, it } from 'vitest';
import { worldToIjk, nearestVoxelIndex } from './voxelPicking.ts';
import { voxelToPatient, type Mat3 } from '../../../electron/common/volume/index.ts';

describe('worldToIjk', () => {
  it('inverts voxelToPatient for an oblique, anisotropic geometry', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const direction: Mat3 = [c, s, 0, -s, c, 0, 0, 0, -1];
    const g = { dims: [10, 12, 14] as [number, number, number], spacingMm: [0.7, 0.8, 2.5] as [number, number, number], originMm: [-100, 20, 300] as [number, number, number], direction };
    const p = voxelToPatient(g, 3, 7, 11);
    const ijk = worldToIjk(g, p);
    expect(ijk[0]).toBeCloseTo(3, 9);
    expect(ijk[1]).toBeCloseTo(7, 9);
    expect(ijk[2]).toBeCloseTo(11, 9);
    expect(nearestVoxelIndex(g.dims, ijk)).toBe(3 + 10 * (7 + 12 * 11));
    expect(nearestVoxelIndex(g.dims, [-0.6, 0, 0])).toBe(-1);
    expect(nearestVoxelIndex(g.dims, [0, 0, 13.6])).toBe(-1);
  });
});
