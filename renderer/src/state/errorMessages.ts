import type { ErrorCode } from '../../../electron/common/errors/index.ts';

/**
 * What the app tells the user for each error code: what happened in their terms and what to do.
 * The engine's own message (with the file or slice) is shown beneath.
 */
export const ERROR_ADVICE: Record<ErrorCode, string> = {
  E_NOT_DICOM: 'This file is not a DICOM image. Choose the folder that holds the CT series.',
  E_NONSTANDARD_FILE: 'A file does not quite follow the DICOM standard; OPAL read it leniently. Check the images look right.',
  E_TRUNCATED: 'A file is incomplete (the copy may not have finished). Copy the study again.',
  E_NO_PIXEL_DATA: 'A DICOM object without an image (e.g. a report) was found; it is skipped.',
  E_BAD_PIXEL_MODULE: 'A file describes its image impossibly (rows, columns or bits). The file may be damaged; export it again.',
  E_TOO_LARGE: 'An image or volume is larger than OPAL accepts (see the limits in the README), or the file claims so; it was not read.',
  E_RESOURCE_LIMIT: 'Reading one file took more time or memory than OPAL allows for a single file, so it was skipped and the rest of the folder was read. The file may be damaged or built to stall readers.',
  E_LOSSY_COMPRESSION: 'These images were stored with lossy compression: small HU differences from the original are possible.',
  E_UNSUPPORTED_TS: 'The images use a compression OPAL cannot read. Export the study uncompressed from the PACS.',
  E_DECODE_FAILED: 'A compressed image could not be decoded. The file may be damaged.',
  E_NOT_CT: 'This series is not CT. OPAL segments chest CT only.',
  E_MIXED_SERIES: 'Files from different series are mixed. Pick one series in the list.',
  E_MISSING_SLICE: 'A slice is missing from the series: it is shown empty at its true place and not segmented, and volumes count it as its nearest image. Re-export the complete series if you can.',
  E_DUPLICATE_SLICE: 'Two slices share one position. Re-export the series without duplicates.',
  E_INCONSISTENT_GEOMETRY: 'Slices disagree on orientation, size or pixel spacing, so they cannot form one volume.',
  E_BAD_GEOMETRY: 'A file states its position, orientation or pixel spacing impossibly (wrong number of values, zero or negative spacing); it was not used. Export the series again.',
  E_GEOMETRY_MISMATCH: 'The mask was made on another series or grid (frame of reference, slice size, spacing or position differ), so it cannot be laid on this CT. Open the mask that belongs to this series.',
  E_UNKNOWN_SEGMENT: 'Some segments of the opened mask have codes and names OPAL does not know, so they were left out (or counted approximately, as said). From the command line they can be mapped with --map NUMBER=MEANING.',
  E_DUPLICATE_SOP_UID: 'Several images carry the same SOPInstanceUID (an anonymiser slip): they load and segment, but a DICOM SEG cannot tell them apart, so none is written. The other exports are.',
  E_NOT_AXIAL: 'The series is not axial: coronal and sagittal series are reordered to axial exactly; an oblique series is refused. Use an axial reconstruction.',
  E_GANTRY_TILT: 'The series was acquired with gantry tilt, which OPAL does not resample. Use an untilted reconstruction.',
  E_UNEVEN_SPACING: 'The slices are not evenly spaced; volumes and distances along the body axis may be off.',
  E_FILE_CHANGED: 'A file changed while it was read. Wait until copying has finished, then open the folder again.',
  E_EMPTY_FOLDER: 'No DICOM images were found in this folder.',
  E_NOT_FOUND: 'The file or folder does not exist (or cannot be read).',
  E_UNREADABLE: 'A file could not be read: you may not have permission to read it, or it is not a regular file (e.g. a pipe).',
  E_BAD_NIFTI: 'This is not a valid NIfTI file.',
  E_BAD_ARGUMENT: 'The request was not valid.',
  E_MODEL_MISSING: 'The segmentation model is not installed.',
  E_MODEL_HASH: 'The model file does not match its manifest and was refused. Reinstall OPAL.',
  E_MODEL_MANIFEST: 'The model description is invalid. Reinstall OPAL.',
  E_MODEL_LOAD: 'The model could not be loaded on this computer.',
  E_NO_LUNGS: 'No lungs were found in this volume. Is it a chest CT?',
  E_CANCELLED: 'Cancelled.',
  E_UNSAVED_EDITS: 'The labelmap holds your edits: choose whether to keep them (the model relabels only what you did not touch) or to discard them.',
  E_WRITE_FAILED: 'The output could not be written. Check the folder exists and you may write to it.',
  E_PATH_NOT_GRANTED: 'OPAL reads and writes only folders you chose with its Browse/Choose buttons, the File menu, a dropped folder or the recent list (and the folders inside them). Choose the folder again.',
  E_INTERNAL: 'Something went wrong inside OPAL. Please report it with the message below.',
};

export function adviceFor(code: string): string {
  return (ERROR_ADVICE as Record<string, string | undefined>)[code] ?? ERROR_ADVICE.E_INTERNAL;
}
