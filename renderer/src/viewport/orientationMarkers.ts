/**
 * Orientation letters for the four edges of a viewport (the OHIF/cornerstone3D convention), from
 * the camera in LPS patient coordinates: +x = patient Left, +y = Posterior, +z = Superior.
 * Pure: the viewer passes the camera's viewUp and viewPlaneNormal; cornerstone3D's screen-right
 * vector is viewUp × viewPlaneNormal (its MPR_CAMERA_VALUES: axial viewUp [0,-1,0], normal
 * [0,0,-1], right [1,0,0]). Because the letters come from the camera, they stay right after a
 * flip or rotation and for any way the series was stored.
 */
export type Vec3 = readonly [number, number, number];

export interface EdgeLetters {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

const POSITIVE = ['L', 'P', 'S'] as const;
const NEGATIVE = ['R', 'A', 'I'] as const;

/**
 * Letters for one LPS direction: the main axis first, then any other axis with at least
 * `obliqueShare` of the length (an oblique view reads e.g. "LA"); at most three letters.
 */
export function lettersOf(v: Vec3, obliqueShare = 0.25): string {
  const len = Math.hypot(v[0], v[1], v[2]);
  if (!(len > 0)) return '';
  const parts = [0, 1, 2]
    .map((axis) => ({ axis, c: v[axis] / len }))
    .filter((p, _, all) => Math.abs(p.c) >= obliqueShare || Math.abs(p.c) === Math.max(...all.map((q) => Math.abs(q.c))))
    .sort((a, b) => Math.abs(b.c) - Math.abs(a.c));
  return parts.map((p) => (p.c > 0 ? POSITIVE[p.axis] : NEGATIVE[p.axis])).join('');
}

export function cross(a: Vec3, b: Vec3): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

const neg = (v: Vec3): [number, number, number] => [-v[0], -v[1], -v[2]];

/** Letters at the four edges of a view with this camera. */
export function edgeLetters(camera: { viewUp: Vec3; viewPlaneNormal: Vec3 }): EdgeLetters {
  const right = cross(camera.viewUp, camera.viewPlaneNormal);
  return { top: lettersOf(camera.viewUp), bottom: lettersOf(neg(camera.viewUp)), right: lettersOf(right), left: lettersOf(neg(right)) };
}

/**
 * The viewport that shows a series' acquired plane: the one whose standard normal lies nearest the
 * slice direction (the direction matrix's third column, LPS): z axial, y coronal, x sagittal.
 */
export function acquiredPlane(direction: readonly number[]): 'axial' | 'coronal' | 'sagittal' {
  const n = [Math.abs(direction[6]), Math.abs(direction[7]), Math.abs(direction[8])];
  if (n[2] >= n[0] && n[2] >= n[1]) return 'axial';
  return n[1] >= n[0] ? 'coronal' : 'sagittal';
}
