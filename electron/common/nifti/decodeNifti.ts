import { gunzipSync } from 'fflate';
import { OpalError } from '../errors/index.ts';
import type { Vec3, Volume, VoxelArray } from '../volume/index.ts';
import { affineToGeometry, flipXY, qformToAffine, type Affine3x4 } from './niftiAffine.ts';
import {
  HeaderOffset as H,
  NIFTI1_HEADER_SIZE,
  NIFTI2_HEADER_SIZE,
  NIFTI_DATATYPE_BYTES,
  NIFTI_DATATYPE_NAMES,
  NiftiDatatype,
} from './niftiHeader.ts';

/** Above this |cos| between two voxel axes the affine counts as sheared (float32 noise is ~1e-7). */
const SHEAR_TOLERANCE = 1e-3;

/** Which of NIfTI's three ways to place voxels in space was used (nifti1.h "methods" 1-3). */
export type NiftiXformSource = 'sform' | 'qform' | 'pixdim';

function bad(message: string): OpalError {
  return new OpalError('E_BAD_NIFTI', `Not a valid NIfTI file: ${message}`);
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function readCString(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const c = bytes[offset + i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim();
}

/**
 * Reads a NIfTI-1 image (`.nii`, or `.nii.gz` detected by its gzip signature) into a Volume.
 *
 * Geometry: the sform is used when sform_code > 0, else the qform when qform_code > 0, else the
 * voxel sizes alone (NIfTI-1 methods 3, 2, 1). NIfTI's RAS world becomes OPAL's LPS here, once, by
 * negating the x and y rows of the affine. A sheared affine is kept exactly (voxelToPatient gives
 * the file's world coordinates) and reported in `meta.warnings`.
 *
 * Voxels: uint8 stays Uint8Array (masks), int16/int8 become Int16Array, uint16 Uint16Array, and
 * float data Float32Array; scl_slope/scl_inter are applied, giving Int16Array when the scaled
 * values are whole numbers within int16 (CT in HU) and Float32Array otherwise.
 *
 * @throws OpalError E_BAD_NIFTI for anything that is not a readable 3-D NIfTI-1 file.
 */
export function decodeNifti(input: Uint8Array): Volume {
  let bytes = input;
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw bad(`the gzip stream is damaged or truncated (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (bytes.length < NIFTI1_HEADER_SIZE) {
    throw bad(`the file has ${bytes.length} bytes, fewer than the ${NIFTI1_HEADER_SIZE} of a NIfTI-1 header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  if (view.getInt32(0, true) === NIFTI1_HEADER_SIZE) le = true;
  else if (view.getInt32(0, false) === NIFTI1_HEADER_SIZE) le = false;
  else if (view.getInt32(0, true) === NIFTI2_HEADER_SIZE || view.getInt32(0, false) === NIFTI2_HEADER_SIZE) {
    throw bad('this is a NIfTI-2 file; OPAL reads NIfTI-1 (save it as NIfTI-1, e.g. with nibabel or dcm2niix)');
  } else {
    throw bad('the header does not start with sizeof_hdr = 348');
  }
  const magic = readCString(bytes, H.magic, 4);
  if (magic === 'ni1') {
    throw bad('this is the header of a two-file NIfTI pair (.hdr/.img); convert it to a single .nii file');
  }
  if (magic !== 'n+1') throw bad(`unknown magic "${magic}" (expected "n+1"; Analyze 7.5 files are not supported)`);

  const i16 = (o: number): number => view.getInt16(o, le);
  const f32 = (o: number): number => view.getFloat32(o, le);

  const ndim = i16(H.dim);
  if (ndim < 1 || ndim > 7) throw bad(`dim[0] = ${ndim} is outside 1..7`);
  const dim: number[] = [];
  for (let i = 1; i <= 7; i++) dim.push(i <= ndim ? i16(H.dim + 2 * i) : 1);
  if (dim.slice(0, ndim).some((n) => n < 1)) throw bad(`non-positive image size ${dim.slice(0, ndim).join('x')}`);
  const extra = dim.slice(3).reduce((a, b) => a * b, 1);
  if (extra !== 1) {
    throw bad(`the image has ${extra} volumes (${dim.slice(0, ndim).join('x')}); OPAL reads one 3-D volume per file`);
  }
  const dims: Vec3 = [dim[0], dim[1], dim[2]];

  const datatype = i16(H.datatype);
  const bytesPer = NIFTI_DATATYPE_BYTES[datatype];
  if (bytesPer === undefined) {
    const name = NIFTI_DATATYPE_NAMES[datatype] ?? `code ${datatype}`;
    throw bad(`unsupported voxel datatype ${name} (OPAL reads uint8, int8, int16, uint16, int32, float32, float64)`);
  }
  const voxOffset = f32(H.voxOffset);
  if (!Number.isFinite(voxOffset) || voxOffset < NIFTI1_HEADER_SIZE || voxOffset !== Math.floor(voxOffset)) {
    throw bad(`vox_offset = ${voxOffset} is not a whole number of bytes past the header`);
  }
  const count = dims[0] * dims[1] * dims[2];
  const need = voxOffset + count * bytesPer;
  if (bytes.length < need) {
    throw bad(`the file is truncated: ${dims.join('x')} ${NIFTI_DATATYPE_NAMES[datatype]} voxels need ${need} bytes, it has ${bytes.length}`);
  }

  const warnings: string[] = [];
  const pixdim: number[] = [];
  for (let i = 0; i < 8; i++) pixdim.push(f32(H.pixdim + 4 * i));
  const voxelSize = [pixdim[1], pixdim[2], pixdim[3]].map((p, a) => (a < ndim && Number.isFinite(p) && p !== 0 ? Math.abs(p) : 1)) as Vec3;

  const qformCode = i16(H.qformCode);
  const sformCode = i16(H.sformCode);
  const qform = (): Affine3x4 =>
    qformToAffine(
      { b: f32(H.quaternB), c: f32(H.quaternC), d: f32(H.quaternD), qfac: pixdim[0] < 0 ? -1 : 1 },
      voxelSize,
      [f32(H.qoffsetX), f32(H.qoffsetY), f32(H.qoffsetZ)],
    );
  let ras: Affine3x4;
  let xformSource: NiftiXformSource;
  if (sformCode > 0) {
    ras = [0, 1, 2, 3].map((c) => f32(H.srowX + 4 * c)).concat(
      [0, 1, 2, 3].map((c) => f32(H.srowY + 4 * c)),
      [0, 1, 2, 3].map((c) => f32(H.srowZ + 4 * c)),
    ) as Affine3x4;
    xformSource = 'sform';
    if (qformCode > 0) {
      const q = qform();
      const diff = Math.max(...q.map((x, n) => Math.abs(x - ras[n])));
      if (diff > 1e-3) warnings.push(`The sform and qform of this NIfTI file disagree (by up to ${diff.toFixed(3)} mm); the sform was used.`);
    }
  } else if (qformCode > 0) {
    ras = qform();
    xformSource = 'qform';
  } else {
    // Method 1 (Analyze compatibility): voxel sizes only, no orientation.
    ras = [voxelSize[0], 0, 0, 0, 0, voxelSize[1], 0, 0, 0, 0, voxelSize[2], 0];
    xformSource = 'pixdim';
    warnings.push('This NIfTI file has no orientation (qform_code = sform_code = 0); RAS axes were assumed.');
  }
  const geometry = affineToGeometry(flipXY(ras));
  if (!geometry) throw bad(`the ${xformSource} affine is degenerate (a voxel axis has zero or invalid length)`);
  if (geometry.shear > SHEAR_TOLERANCE) {
    const deg = 90 - (Math.acos(Math.min(1, geometry.shear)) * 180) / Math.PI;
    warnings.push(`The ${xformSource} affine is sheared (voxel axes ${deg.toFixed(2)}° from perpendicular, e.g. gantry tilt); positions follow the file exactly, but 3-D views assume perpendicular axes.`);
  }

  const slopeRaw = f32(H.sclSlope);
  const interRaw = f32(H.sclInter);
  const scaled = Number.isFinite(slopeRaw) && slopeRaw !== 0 && !(slopeRaw === 1 && (interRaw === 0 || !Number.isFinite(interRaw)));
  const slope = scaled ? slopeRaw : 1;
  const inter = scaled && Number.isFinite(interRaw) ? interRaw : 0;

  const voxels = readVoxels(bytes, voxOffset, count, datatype, le, slope, inter);
  return {
    dims,
    spacingMm: geometry.spacingMm.map(float32Decimal) as Vec3,
    originMm: geometry.originMm.map(float32Decimal) as Vec3,
    direction: geometry.direction,
    voxels,
    meta: {
      source: 'nifti',
      niftiDatatype: NIFTI_DATATYPE_NAMES[datatype],
      niftiXform: xformSource,
      niftiIntentCode: i16(H.intentCode),
      niftiDescription: readCString(bytes, H.descrip, 80),
      warnings,
    },
  };
}

/**
 * The shortest decimal that a float32 header field stands for (0.7 rather than 0.700000021510767):
 * 7 significant digits identify a float32 uniquely enough for millimetre geometry.
 */
function float32Decimal(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(7));
}

type RawArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Float32Array | Float64Array;

function rawView(bytes: Uint8Array, offset: number, count: number, datatype: number, le: boolean): RawArray {
  const bytesPer = NIFTI_DATATYPE_BYTES[datatype];
  // A fresh copy: aligned for typed-array views, and the caller's buffer is never modified.
  const copy = bytes.slice(offset, offset + count * bytesPer);
  if (!le && bytesPer > 1) {
    for (let p = 0; p < copy.length; p += bytesPer) {
      for (let a = p, b = p + bytesPer - 1; a < b; a++, b--) {
        const t = copy[a];
        copy[a] = copy[b];
        copy[b] = t;
      }
    }
  }
  const buf = copy.buffer;
  switch (datatype) {
    case NiftiDatatype.UINT8: return copy;
    case NiftiDatatype.INT8: return new Int8Array(buf);
    case NiftiDatatype.INT16: return new Int16Array(buf);
    case NiftiDatatype.UINT16: return new Uint16Array(buf);
    case NiftiDatatype.INT32: return new Int32Array(buf);
    case NiftiDatatype.FLOAT32: return new Float32Array(buf);
    case NiftiDatatype.FLOAT64: return new Float64Array(buf);
    default: throw bad(`unsupported datatype ${datatype}`);
  }
}

function readVoxels(bytes: Uint8Array, offset: number, count: number, datatype: number, le: boolean, slope: number, inter: number): VoxelArray {
  const raw = rawView(bytes, offset, count, datatype, le);
  const identity = slope === 1 && inter === 0;
  const isFloat = raw instanceof Float32Array || raw instanceof Float64Array;
  if (identity) {
    if (raw instanceof Uint8Array || raw instanceof Int16Array || raw instanceof Uint16Array || raw instanceof Float32Array) return raw;
    if (raw instanceof Int8Array) return Int16Array.from(raw);
    if (raw instanceof Float64Array) return Float32Array.from(raw);
  }
  // Scaled (or int32) data: whole numbers within int16 stay integers (HU), anything else is float.
  if (!isFloat && Number.isInteger(slope) && Number.isInteger(inter)) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let n = 0; n < count; n++) {
      const v = raw[n];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const a = lo * slope + inter;
    const b = hi * slope + inter;
    if (Math.min(a, b) >= -32768 && Math.max(a, b) <= 32767) {
      const out = new Int16Array(count);
      for (let n = 0; n < count; n++) out[n] = raw[n] * slope + inter;
      return out;
    }
  }
  const out = new Float32Array(count);
  for (let n = 0; n < count; n++) out[n] = raw[n] * slope + inter;
  return out;
}
