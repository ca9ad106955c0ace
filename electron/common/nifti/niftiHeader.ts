/**
 * NIfTI-1 header layout and codes (nifti1.h, NIfTI-1 Data Format Working Group, 2004). One header of
 * 348 bytes, then a 4-byte extension flag, then the voxels at `vox_offset` (352 for a `.nii` file
 * without extensions).
 */
export const NIFTI1_HEADER_SIZE = 348;
export const NIFTI2_HEADER_SIZE = 540;
/** Header + the 4-byte extension flag: where the voxels of a file we write begin. */
export const NIFTI1_VOX_OFFSET = 352;

/** Byte offsets of the NIfTI-1 header fields OPAL reads or writes. */
export const HeaderOffset = {
  sizeofHdr: 0,
  dimInfo: 39,
  dim: 40, // short[8]
  intentP1: 56,
  intentCode: 68,
  datatype: 70,
  bitpix: 72,
  pixdim: 76, // float[8]
  voxOffset: 108,
  sclSlope: 112,
  sclInter: 116,
  xyztUnits: 123,
  calMax: 124,
  calMin: 128,
  descrip: 148, // char[80]
  auxFile: 228, // char[24]
  qformCode: 252,
  sformCode: 254,
  quaternB: 256,
  quaternC: 260,
  quaternD: 264,
  qoffsetX: 268,
  qoffsetY: 272,
  qoffsetZ: 276,
  srowX: 280, // float[4]
  srowY: 296,
  srowZ: 312,
  intentName: 328, // char[16]
  magic: 344, // char[4]
} as const;

/** NIfTI-1 datatype codes (nifti1.h `DT_*`) with their sizes in bytes. */
export const NiftiDatatype = {
  UINT8: 2,
  INT16: 4,
  INT32: 8,
  FLOAT32: 16,
  FLOAT64: 64,
  INT8: 256,
  UINT16: 512,
} as const;
export type NiftiDatatype = (typeof NiftiDatatype)[keyof typeof NiftiDatatype];

export const NIFTI_DATATYPE_BYTES: Record<number, number> = { 2: 1, 4: 2, 8: 4, 16: 4, 64: 8, 256: 1, 512: 2 };
export const NIFTI_DATATYPE_NAMES: Record<number, string> = {
  2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 64: 'float64', 256: 'int8', 512: 'uint16',
  1: 'binary', 32: 'complex64', 128: 'rgb24', 768: 'uint32', 1024: 'int64', 1280: 'uint64', 1536: 'float128', 2304: 'rgba32',
};

/** `qform_code`/`sform_code` values (nifti1.h `NIFTI_XFORM_*`). */
export const NiftiXform = { UNKNOWN: 0, SCANNER_ANAT: 1, ALIGNED_ANAT: 2, TALAIRACH: 3, MNI_152: 4 } as const;

/** Intent codes OPAL writes (nifti1.h `NIFTI_INTENT_*`). */
export const NiftiIntent = { none: 0, label: 1002 } as const;
export type NiftiIntentName = keyof typeof NiftiIntent;

/** xyzt_units: NIFTI_UNITS_MM (2) for space; time units unused. */
export const NIFTI_UNITS_MM = 2;
