/**
 * The one error catalogue of OPAL. Every failure caused by user input carries a code from here and
 * a message a radiologist understands; the UI and the CLI show the message, scripts key on the code.
 */
export const ErrorCodes = {
  E_NOT_DICOM: 'Not a DICOM file',
  E_NONSTANDARD_FILE: 'The file departs from the DICOM file format but could be read',
  E_TRUNCATED: 'The file ends before its data does',
  E_NO_PIXEL_DATA: 'DICOM object without image pixels',
  E_BAD_PIXEL_MODULE: 'The image description (rows, columns, bits) in the file is invalid',
  E_TOO_LARGE: 'The image or volume is larger than OPAL accepts',
  E_RESOURCE_LIMIT: 'Reading the file took more time or memory than OPAL allows for one file',
  E_UNSUPPORTED_TS: 'Unsupported transfer syntax',
  E_LOSSY_COMPRESSION: 'The image was stored with lossy compression',
  E_DECODE_FAILED: 'The compressed image could not be decoded',
  E_NOT_CT: 'Not a CT image',
  E_MIXED_SERIES: 'Files from different series were mixed',
  E_MISSING_SLICE: 'A slice is missing from the series',
  E_DUPLICATE_SLICE: 'Two slices share one position',
  E_DUPLICATE_SOP_UID: 'Several images carry the same SOPInstanceUID',
  E_NOT_AXIAL: 'The series was not acquired as axial slices',
  E_INCONSISTENT_GEOMETRY: 'Slices disagree on orientation, size or pixel spacing',
  E_BAD_GEOMETRY: 'The image position, orientation or pixel spacing in the file is invalid',
  E_GEOMETRY_MISMATCH: 'The mask does not lie on this CT (other series, frame of reference, size or position)',
  E_UNKNOWN_SEGMENT: 'A segment of the mask has no meaning OPAL knows, or was counted approximately',
  E_GANTRY_TILT: 'Gantry-tilted acquisition',
  E_UNEVEN_SPACING: 'Slices are not evenly spaced',
  E_FILE_CHANGED: 'The file changed while it was being read',
  E_EMPTY_FOLDER: 'No DICOM images found',
  E_NOT_FOUND: 'File or folder not found',
  E_UNREADABLE: 'The file could not be read (permission denied or not a regular file)',
  E_BAD_NIFTI: 'Not a valid NIfTI file',
  E_BAD_ARGUMENT: 'Invalid argument',
  E_MODEL_MISSING: 'Model file not found',
  E_MODEL_HASH: 'Model file does not match its manifest',
  E_MODEL_MANIFEST: 'Model manifest is invalid',
  E_MODEL_LOAD: 'Model could not be loaded',
  E_NO_LUNGS: 'No lungs found in the volume',
  E_CANCELLED: 'Cancelled by the user',
  E_UNSAVED_EDITS: 'This would replace edits made by hand; choose to keep or discard them first',
  E_WRITE_FAILED: 'The output could not be written',
  E_PATH_NOT_GRANTED: 'The folder was not chosen in a folder dialog of OPAL',
  E_INTERNAL: 'Internal error',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface OpalErrorJson {
  code: ErrorCode;
  message: string;
  /** Where the problem is (a file path, a slice position), when there is one. */
  detail?: string;
}

export class OpalError extends Error {
  readonly code: ErrorCode;
  readonly detail?: string;

  constructor(code: ErrorCode, message?: string, detail?: string) {
    super(message ?? ErrorCodes[code]);
    this.name = 'OpalError';
    this.code = code;
    this.detail = detail;
  }

  toJSON(): OpalErrorJson {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

export function isOpalError(e: unknown): e is OpalError {
  return e instanceof OpalError;
}

/** Wraps anything thrown into an OpalError so that callers never handle raw exceptions. */
export function toOpalError(e: unknown, fallback: ErrorCode = 'E_INTERNAL'): OpalError {
  if (e instanceof OpalError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new OpalError(fallback, message);
}
