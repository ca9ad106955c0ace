/**
 * lesions.csv: one row per lesion, largest first (RFC 4180, CRLF line ends, header first), written
 * beside measurements.csv with the csv format. Each row repeats the study identifiers so that the
 * files of a cohort can be concatenated. Columns are only ever appended.
 *
 * Centroids are LPS millimetres (DICOM patient coordinates: x to the patient's left, y posterior,
 * z superior) and voxel indices (i column, j row, k slice, 0-based, fractional); the bounding box is
 * inclusive voxel indices; mean_confidence is 0-1 (empty when the model gave none, e.g. a lesion
 * painted by hand); edited_ml is the part of the lesion whose label a person changed.
 */
import type { Lesion } from '../quant/index.ts';
import { CSV_LINE_END, escapeCsvCell, type CsvCell } from './measurementsCsv.ts';
import type { MeasurementsDocument } from './measurementsJson.ts';

interface LesionColumn {
  name: string;
  value(lesion: Lesion, doc: MeasurementsDocument): CsvCell;
  text?: boolean;
}

const COLUMNS: LesionColumn[] = [
  { name: 'patient_id', value: (_, d) => d.study.patientId, text: true },
  { name: 'study_instance_uid', value: (_, d) => d.study.studyInstanceUid, text: true },
  { name: 'series_instance_uid', value: (_, d) => d.study.seriesInstanceUid, text: true },
  { name: 'lesion_id', value: (l) => l.id },
  { name: 'volume_ml', value: (l) => l.volumeMl },
  { name: 'ggo_ml', value: (l) => l.groundGlassMl },
  { name: 'consolidation_ml', value: (l) => l.consolidationMl },
  { name: 'mean_hu', value: (l) => l.meanHu },
  { name: 'lung', value: (l) => l.lung, text: true },
  { name: 'zone', value: (l) => l.zone, text: true },
  ...(['x', 'y', 'z'] as const).map((axis, a): LesionColumn => ({ name: `centroid_${axis}_mm`, value: (l) => l.centroidLpsMm[a] })),
  ...(['i', 'j', 'k'] as const).map((axis, a): LesionColumn => ({ name: `centroid_${axis}`, value: (l) => l.centroidVoxel[a] })),
  ...(['i', 'j', 'k'] as const).flatMap((axis, a): LesionColumn[] => [
    { name: `bbox_${axis}_min`, value: (l) => l.boundingBoxVoxel.min[a] },
    { name: `bbox_${axis}_max`, value: (l) => l.boundingBoxVoxel.max[a] },
  ]),
  { name: 'mean_confidence', value: (l) => l.meanConfidence },
  { name: 'edited_ml', value: (l) => l.editedMl },
];

export function lesionsCsvHeader(): string {
  return COLUMNS.map((c) => c.name).join(',');
}

/** lesions.csv for one study: the header, then one row per lesion (only the header when there is none). */
export function encodeLesionsCsv(doc: MeasurementsDocument): string {
  const rows = (doc.measurements.lesions ?? []).map((l) => COLUMNS.map((c) => escapeCsvCell(c.value(l, doc), c.text === true)).join(','));
  return [lesionsCsvHeader(), ...rows].map((line) => `${line}${CSV_LINE_END}`).join('');
}
