import { gzipSync } from 'fflate';
import { OpalError } from '../errors/index.ts';
import type { Volume } from '../volume/index.ts';
import { rotationToQuaternion, volumeToRasAffine } from './niftiAffine.ts';
import {
  HeaderOffset as H,
  NIFTI1_HEADER_SIZE,
  NIFTI1_VOX_OFFSET,
  NIFTI_UNITS_MM,
  NiftiDatatype,
  NiftiIntent,
  NiftiXform,
  type NiftiIntentName,
} from './niftiHeader.ts';

export interface EncodeNiftiOptions {
  /** Free text stored in the header's `descrip` (at most 79 ASCII characters are kept). */
  description?: string;
  /** `label` marks a labelmap (NIFTI_INTENT_LABEL) so viewers show it as segments, not intensities. */
  intent?: NiftiIntentName;
}

/** Directions within this of orthonormal are written as a qform as well as an sform. */
const ORTHONORMAL_TOLERANCE = 1e-4;

function datatypeOf(voxels: Volume['voxels']): { code: number; bitpix: number } {
  if (voxels instanceof Int16Array) return { code: NiftiDatatype.INT16, bitpix: 16 };
  if (voxels instanceof Uint8Array) return { code: NiftiDatatype.UINT8, bitpix: 8 };
  if (voxels instanceof Uint16Array) return { code: NiftiDatatype.UINT16, bitpix: 16 };
  if (voxels instanceof Float32Array) return { code: NiftiDatatype.FLOAT32, bitpix: 32 };
  throw new OpalError('E_BAD_ARGUMENT', 'NIfTI export supports Int16Array, Uint8Array, Uint16Array and Float32Array voxels');
}

function isOrthonormal(d: Volume['direction']): boolean {
  const col = (c: number): number[] => [d[3 * c], d[3 * c + 1], d[3 * c + 2]];
  const dot = (p: number[], q: number[]): number => p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
  const cs = [col(0), col(1), col(2)];
  for (let a = 0; a < 3; a++) {
    if (Math.abs(dot(cs[a], cs[a]) - 1) > ORTHONORMAL_TOLERANCE) return false;
    for (let b = a + 1; b < 3; b++) if (Math.abs(dot(cs[a], cs[b])) > ORTHONORMAL_TOLERANCE) return false;
  }
  return true;
}

/**
 * Writes a Volume as a single-file NIfTI-1 image (`.nii`), little endian, in RAS: the LPS geometry
 * becomes an affine whose x and y rows are negated. sform = qform (both code 1, scanner
 * anatomical), xyzt_units = mm, no scaling (scl_slope 1, scl_inter 0), datatype from the voxel
 * array (int16, uint8, uint16 or float32). A sheared grid has no quaternion: it is written with
 * its sform only (qform_code 0) rather than an approximation.
 */
export function encodeNifti1(volume: Volume, opts: EncodeNiftiOptions = {}): Uint8Array {
  const { dims, voxels } = volume;
  const count = dims[0] * dims[1] * dims[2];
  if (voxels.length !== count) {
    throw new OpalError('E_BAD_ARGUMENT', `voxel array has ${voxels.length} values, dims ${dims.join('x')} need ${count}`);
  }
  if (dims.some((n) => !Number.isInteger(n) || n < 1 || n > 32767)) {
    throw new OpalError('E_BAD_ARGUMENT', `NIfTI-1 dimensions must be 1..32767, got ${dims.join('x')}`);
  }
  const { code, bitpix } = datatypeOf(voxels);
  const dataBytes = voxels.byteLength;
  const out = new Uint8Array(NIFTI1_VOX_OFFSET + dataBytes);
  const v = new DataView(out.buffer);
  const le = true;

  v.setInt32(H.sizeofHdr, NIFTI1_HEADER_SIZE, le);
  v.setInt16(H.dim, 3, le);
  for (let i = 0; i < 3; i++) v.setInt16(H.dim + 2 * (i + 1), dims[i], le);
  for (let i = 4; i < 8; i++) v.setInt16(H.dim + 2 * i, 1, le);
  v.setInt16(H.intentCode, NiftiIntent[opts.intent ?? 'none'], le);
  v.setInt16(H.datatype, code, le);
  v.setInt16(H.bitpix, bitpix, le);

  const ras = volumeToRasAffine(volume);
  const orthonormal = isOrthonormal(volume.direction);
  const rasDirection = [
    -volume.direction[0], -volume.direction[1], volume.direction[2],
    -volume.direction[3], -volume.direction[4], volume.direction[5],
    -volume.direction[6], -volume.direction[7], volume.direction[8],
  ] as Volume['direction'];
  const q = orthonormal ? rotationToQuaternion(rasDirection) : undefined;

  v.setFloat32(H.pixdim, q?.qfac ?? 1, le);
  for (let i = 0; i < 3; i++) v.setFloat32(H.pixdim + 4 * (i + 1), volume.spacingMm[i], le);
  for (let i = 4; i < 8; i++) v.setFloat32(H.pixdim + 4 * i, 1, le);
  v.setFloat32(H.voxOffset, NIFTI1_VOX_OFFSET, le);
  v.setFloat32(H.sclSlope, 1, le);
  v.setFloat32(H.sclInter, 0, le);
  out[H.xyztUnits] = NIFTI_UNITS_MM;

  if (opts.description) {
    const text = opts.description.replace(/[^\x20-\x7e]/g, '?').slice(0, 79);
    for (let i = 0; i < text.length; i++) out[H.descrip + i] = text.charCodeAt(i);
  }

  if (q) {
    v.setInt16(H.qformCode, NiftiXform.SCANNER_ANAT, le);
    v.setFloat32(H.quaternB, q.b, le);
    v.setFloat32(H.quaternC, q.c, le);
    v.setFloat32(H.quaternD, q.d, le);
    v.setFloat32(H.qoffsetX, ras[3], le);
    v.setFloat32(H.qoffsetY, ras[7], le);
    v.setFloat32(H.qoffsetZ, ras[11], le);
  }
  v.setInt16(H.sformCode, NiftiXform.SCANNER_ANAT, le);
  for (let c = 0; c < 4; c++) {
    v.setFloat32(H.srowX + 4 * c, ras[c], le);
    v.setFloat32(H.srowY + 4 * c, ras[4 + c], le);
    v.setFloat32(H.srowZ + 4 * c, ras[8 + c], le);
  }
  const magic = 'n+1\0';
  for (let i = 0; i < 4; i++) out[H.magic + i] = magic.charCodeAt(i);
  // Bytes 348..351: the extension flag, all zero (no extensions).

  // Voxels: our typed arrays are little endian on every platform Node and Electron run on.
  out.set(new Uint8Array(voxels.buffer, voxels.byteOffset, dataBytes), NIFTI1_VOX_OFFSET);
  return out;
}

/** encodeNifti1, gzip-compressed: the content of a `.nii.gz` file. */
export function encodeNiftiGz(volume: Volume, opts: EncodeNiftiOptions = {}): Uint8Array {
  return gzipSync(encodeNifti1(volume, opts), { level: 6 });
}
