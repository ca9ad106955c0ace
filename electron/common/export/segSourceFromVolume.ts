/**
 * The DICOM source series a SEG refers to, taken from a loaded volume's metadata. A volume that
 * did not come from DICOM (a NIfTI file) has no SOP instances to reference: no SEG for it.
 */
import { OpalError } from '../errors/index.ts';
import type { Volume } from '../volume/index.ts';
import type { SegSourceSeries } from './dicomSeg.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Why a SEG cannot be made for this volume, or undefined when it can. */
export function segUnavailableReason(volume: Pick<Volume, 'dims' | 'meta'>): string | undefined {
  const m = volume.meta;
  const uids = m.sopInstanceUids;
  if (!Array.isArray(uids) || uids.length !== volume.dims[2] || uids.some((u) => !str(u))) {
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
  const frameNumbers = Array.isArray(m.frameNumbers) && m.frameNumbers.every((n) => Number.isInteger(n)) ? (m.frameNumbers as number[]) : undefined;
  return {
    volume,
    sopInstanceUids: m.sopInstanceUids as string[],
    referencedFrameNumbers: frameNumbers && frameNumbers.length === volume.dims[2] ? frameNumbers : undefined,
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
