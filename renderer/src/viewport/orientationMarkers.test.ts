import { describe, expect, it } from 'vitest';
import { acquiredPlane, edgeLetters, lettersOf } from './orientationMarkers.ts';

describe('orientation markers', () => {
  it('radiological axial, sagittal and coronal views (cornerstone3D MPR cameras)', () => {
    expect(edgeLetters({ viewUp: [0, -1, 0], viewPlaneNormal: [0, 0, -1] })).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
    expect(edgeLetters({ viewUp: [0, 0, 1], viewPlaneNormal: [1, 0, 0] })).toEqual({ top: 'S', bottom: 'I', left: 'A', right: 'P' });
    expect(edgeLetters({ viewUp: [0, 0, 1], viewPlaneNormal: [0, -1, 0] })).toEqual({ top: 'S', bottom: 'I', left: 'R', right: 'L' });
  });

  it('follows the camera: a horizontal flip swaps R and L, a vertical flip A and P', () => {
    // cornerstone3D flips horizontally by negating the view-plane normal, vertically by also negating viewUp.
    expect(edgeLetters({ viewUp: [0, -1, 0], viewPlaneNormal: [0, 0, 1] })).toEqual({ top: 'A', bottom: 'P', left: 'L', right: 'R' });
    expect(edgeLetters({ viewUp: [0, 1, 0], viewPlaneNormal: [0, 0, 1] })).toEqual({ top: 'P', bottom: 'A', left: 'R', right: 'L' });
  });

  it('a series in its acquired orientation: feet-first with rows to the patient right', () => {
    // Image rows run to the patient's right (-x), columns posterior (+y), slices head → feet: the
    // acquisition camera has viewUp = -column = A and looks along the slice direction.
    expect(edgeLetters({ viewUp: [0, -1, 0], viewPlaneNormal: [0, 0, 1] })).toEqual({ top: 'A', bottom: 'P', left: 'L', right: 'R' });
  });

  it('oblique directions read as two or three letters, main axis first', () => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    expect(lettersOf([c, -s, 0])).toBe('LA');
    expect(lettersOf([-s, 0, c])).toBe('SR');
    expect(lettersOf([0.99, 0.1, 0.05])).toBe('L');
    expect(lettersOf([0.6, 0.6, -0.53])).toBe('LPI');
    expect(lettersOf([0, 0, 0])).toBe('');
  });
});

describe('acquiredPlane', () => {
  it('names the viewport of the slice direction, whatever its sign or a small tilt', () => {
    expect(acquiredPlane([1, 0, 0, 0, 1, 0, 0, 0, 1])).toBe('axial');
    expect(acquiredPlane([-1, 0, 0, 0, 1, 0, 0, 0, -1])).toBe('axial');
    expect(acquiredPlane([1, 0, 0, 0, 0, -1, 0, 1, 0])).toBe('coronal');
    expect(acquiredPlane([0, 1, 0, 0, 0, -1, -1, 0, 0])).toBe('sagittal');
    expect(acquiredPlane([1, 0, 0, 0, 0.97, 0.26, 0, -0.26, 0.97])).toBe('axial');
  });
});
