import type { Mat3, Vec3, Volume } from '../volume/index.ts';

/**
 * A 3x4 affine, row-major: [r00 r01 r02 t0, r10 r11 r12 t1, r20 r21 r22 t2]. It maps a voxel index
 * (i, j, k) to millimetres: p = R · (i, j, k) + t.
 */
export type Affine3x4 = [number, number, number, number, number, number, number, number, number, number, number, number];

/** NIfTI's quaternion representation of a rotation plus the handedness flag qfac (pixdim[0]). */
export interface NiftiQuaternion {
  b: number;
  c: number;
  d: number;
  /** +1, or -1 when the k axis is mirrored (a left-handed voxel grid). */
  qfac: 1 | -1;
}

/**
 * The qform affine (NIfTI-1 "method 2", nifti1.h): rotation from the quaternion (b, c, d) with
 * a = sqrt(1 - b² - c² - d²), voxel sizes from pixdim[1..3], k scaled by qfac, offset from qoffset.
 */
export function qformToAffine(q: NiftiQuaternion, pixdimMm: Vec3, offset: Vec3): Affine3x4 {
  let { b, c, d } = q;
  const sumSq = b * b + c * c + d * d;
  let a: number;
  if (1 - sumSq > 1e-7) {
    a = Math.sqrt(1 - sumSq);
  } else {
    // |(b,c,d)| = 1 up to float32 rounding: a 180° rotation (nifti1_io renormalises the same way).
    const n = Math.sqrt(sumSq);
    b /= n;
    c /= n;
    d /= n;
    a = 0;
  }
  const r = [
    a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
    2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
    2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c,
  ];
  const sx = pixdimMm[0];
  const sy = pixdimMm[1];
  const sz = pixdimMm[2] * q.qfac;
  return [
    r[0] * sx, r[1] * sy, r[2] * sz, offset[0],
    r[3] * sx, r[4] * sy, r[5] * sz, offset[1],
    r[6] * sx, r[7] * sy, r[8] * sz, offset[2],
  ];
}

/**
 * Quaternion of an orthonormal 3x3 matrix given as its three column vectors (nifti1_io's
 * nifti_mat44_to_quatern for a matrix without scaling). A left-handed matrix gets qfac = -1 and
 * its third column flipped first, as NIfTI-1 prescribes.
 */
export function rotationToQuaternion(direction: Mat3): NiftiQuaternion {
  // direction holds columns one after another: column c = direction[3c..3c+2]; R[row][col].
  const R = (row: number, col: number): number => direction[col * 3 + row];
  const r00 = R(0, 0), r01 = R(0, 1);
  const r10 = R(1, 0), r11 = R(1, 1);
  const r20 = R(2, 0), r21 = R(2, 1);
  let r02 = R(0, 2), r12 = R(1, 2), r22 = R(2, 2);
  const det = r00 * (r11 * r22 - r12 * r21) - r01 * (r10 * r22 - r12 * r20) + r02 * (r10 * r21 - r11 * r20);
  let qfac: 1 | -1 = 1;
  if (det < 0) {
    qfac = -1;
    r02 = -r02;
    r12 = -r12;
    r22 = -r22;
  }
  let a = r00 + r11 + r22 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r21 - r12)) / a;
    c = (0.25 * (r02 - r20)) / a;
    d = (0.25 * (r10 - r01)) / a;
  } else {
    const xd = 1 + r00 - (r11 + r22);
    const yd = 1 + r11 - (r00 + r22);
    const zd = 1 + r22 - (r00 + r11);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r01 + r10)) / b;
      d = (0.25 * (r02 + r20)) / b;
      a = (0.25 * (r21 - r12)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r01 + r10)) / c;
      d = (0.25 * (r12 + r21)) / c;
      a = (0.25 * (r02 - r20)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r02 + r20)) / d;
      c = (0.25 * (r12 + r21)) / d;
      a = (0.25 * (r10 - r01)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac };
}

/** Negates the x and y rows: RAS <-> LPS (the same operation both ways). */
export function flipXY(a: Affine3x4): Affine3x4 {
  return [-a[0], -a[1], -a[2], -a[3], -a[4], -a[5], -a[6], -a[7], a[8], a[9], a[10], a[11]];
}

export interface AffineGeometry {
  spacingMm: Vec3;
  originMm: Vec3;
  direction: Mat3;
  /** Largest |cos| between two voxel axes: 0 for an orthogonal grid, > 0 for a sheared one. */
  shear: number;
}

/**
 * Splits an LPS affine into Volume geometry: spacing = column lengths, direction = unit columns,
 * origin = translation. Returns undefined when a column has zero (or non-finite) length.
 */
export function affineToGeometry(lps: Affine3x4): AffineGeometry | undefined {
  const cols: Vec3[] = [0, 1, 2].map((c) => [lps[c], lps[4 + c], lps[8 + c]] as Vec3);
  const spacing = cols.map((v) => Math.hypot(v[0], v[1], v[2]));
  if (spacing.some((s) => !(s > 0) || !Number.isFinite(s))) return undefined;
  if (![lps[3], lps[7], lps[11]].every(Number.isFinite)) return undefined;
  const unit = cols.map((v, c) => v.map((x) => x / spacing[c]) as Vec3);
  const dot = (p: Vec3, q: Vec3): number => p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
  const shear = Math.max(Math.abs(dot(unit[0], unit[1])), Math.abs(dot(unit[0], unit[2])), Math.abs(dot(unit[1], unit[2])));
  return {
    spacingMm: spacing as Vec3,
    originMm: [lps[3], lps[7], lps[11]],
    direction: [...unit[0], ...unit[1], ...unit[2]] as Mat3,
    shear,
  };
}

/** The RAS affine (NIfTI's convention) of a Volume whose geometry is LPS. */
export function volumeToRasAffine(v: Pick<Volume, 'spacingMm' | 'originMm' | 'direction'>): Affine3x4 {
  const d = v.direction;
  const [si, sj, sk] = v.spacingMm;
  const lps: Affine3x4 = [
    d[0] * si, d[3] * sj, d[6] * sk, v.originMm[0],
    d[1] * si, d[4] * sj, d[7] * sk, v.originMm[1],
    d[2] * si, d[5] * sj, d[8] * sk, v.originMm[2],
  ];
  return flipXY(lps);
}
