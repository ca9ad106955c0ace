/**
 * The DICOM source series a SEG refers to, taken from a loaded volume's metadata. A volume that
 * did not come from DICOM (a NIfTI file) has no SOP instances to reference: no SEG for it.
 *
 * The SEG lives on the grid of the acquired images: for a volume reordered from a coronal or
 * sagittal acquisition (meta.acquisition, see reformatToAxial) that is the acquired grid, and the
 * masks are put back on it (labelmapOnSegGrid), so every frame is one acquired image's own plane.
 * Missing slices ('' in sopInstanceUids, meta.missingSlices) get no frame.
 */
import { OpalError } from '../errors/index.ts';
import { toAcquisitionGrid, type Vec3, type Volume } from '../volume/index.ts';
import type { SegSourceSeries } from './dicomSeg.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The grid and per-image lists a SEG refers to: the acquired grid when the volume was reformatted. */
function segGrid<V extends Pick<Volume, 'dims' | 'meta'>>(volume: V): {
  grid: V | NonNullable<Volume['meta']['acquisition']>;
  uids: unknown;
  frameNumbers: unknown;
  positions: unknown;
  missing: Set<number>;
} {
  const m = volume.meta;
  const a = m.acquisition;
  if (a) return { grid: a, uids: a.sopInstanceUids, frameNumbers: a.frameNumbers, positions: a.imagePositionsMm, missing: new Set() };
  return { grid: volume, uids: m.sopInstanceUids, frameNumbers: m.frameNumbers, positions: m.imagePositionsMm, missing: new Set(Array.isArray(m.missingSlices) ? m.missingSlices : []) };
}

/** Why a SEG cannot be made for this volume, or undefined when it can. */
export function segUnavailableReason(volume: Pick<Volume, 'dims' | 'meta'>): string | undefined {
  const m = volume.meta;
  const { grid, uids, missing } = segGrid(volume);
  if (!Array.isArray(uids) || uids.length !== grid.dims[2] || uids.some((u, k) => !missing.has(k) && !str(u))) {
    return 'DICOM SEG needs the DICOM source images (one SOPInstanceUID per slice); this volume has none (e.g. it was loaded from NIfTI)';
  }
  for (const [key, name] of [
    ['sopClassUid', 'SOPClassUID'],
    ['studyInstanceUid', 'StudyInstanceUID'],
    ['seriesInstanceUid', 'SeriesInstanceUID'],
    ['frameOfReferenceUid', 'FrameOfReferenceUID'],
  ] as const) {
    if (!str(m[key])) return `DICOM SEG needs the source series' ${name}, which this volume lacks`;
  }
  return undefined;
}

export function segSourceFromVolume(volume: Volume): SegSourceSeries {
  const why = segUnavailableReason(volume);
  if (why) throw new OpalError('E_BAD_ARGUMENT', why);
  const m = volume.meta;
  const { grid, uids, frameNumbers: fn, positions, missing } = segGrid(volume);
  const nz = grid.dims[2];
  const frameNumbers = Array.isArray(fn) && fn.every((n) => Number.isInteger(n)) ? (fn as number[]) : undefined;
  const imagePositionsMm = Array.isArray(positions) && positions.length === nz && positions.every((p) => Array.isArray(p) && p.length === 3) ? (positions as Vec3[]) : undefined;
  return {
    volume: grid,
    sopInstanceUids: (uids as string[]).map((u, k) => (missing.has(k) ? '' : u)),
    referencedFrameNumbers: frameNumbers && frameNumbers.length === nz ? frameNumbers : undefined,
    imagePositionsMm,
    sopClassUid: m.sopClassUid as string,
    studyInstanceUid: m.studyInstanceUid as string,
    seriesInstanceUid: m.seriesInstanceUid as string,
    frameOfReferenceUid: m.frameOfReferenceUid as string,
    patientName: str(m.patientName),
    patientId: str(m.patientId),
    studyDate: str(m.studyDate),
    studyTime: str(m.studyTime),
    patientBirthDate: str(m.patientBirthDate),
    patientSex: str(m.patientSex),
    accessionNumber: str(m.accessionNumber),
    studyId: str(m.studyId),
    studyDescription: str(m.studyDescription),
  };
}

/** A labelmap of the volume on the grid its SEG uses (the acquired grid of a reformatted volume). */
export function labelmapOnSegGrid(volume: Pick<Volume, 'meta'>, labelmap: Uint8Array): Uint8Array {
  const a = volume.meta.acquisition;
  return a ? toAcquisitionGrid(labelmap, a) : labelmap;
}
