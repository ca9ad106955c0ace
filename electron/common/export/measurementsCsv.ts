/**
 * measurements.csv: one row per study (RFC 4180, CRLF line ends, header first). The columns are
 * stable: new columns are only ever appended, so cohort sheets built by `opal segment --batch`
 * (csvHeader() once, then csvRow() per study) stay readable by older scripts.
 */
import type { LungSide, LungZone } from '../quant/index.ts';
import type { MeasurementsDocument } from './measurementsJson.ts';

export const CSV_LINE_END = '\r\n';

const SIDES: LungSide[] = ['right', 'left'];
const ZONES: LungZone[] = ['upper', 'middle', 'lower'];

export type CsvCell = string | number | boolean | null | undefined;
type Cell = CsvCell;
interface Column {
  name: string;
  value(doc: MeasurementsDocument): Cell;
  /** Free text (identifiers, names): quoted when needed and guarded against spreadsheet formulas. */
  text?: boolean;
}

const lung = (doc: MeasurementsDocument, side: LungSide): MeasurementsDocument['measurements']['lungs'][LungSide] => doc.measurements.lungs[side];
const zone = (doc: MeasurementsDocument, side: LungSide, z: LungZone) => lung(doc, side).zones.find((x) => x.zone === z);

const COLUMNS: Column[] = [
  { name: 'patient_id', value: (d) => d.study.patientId, text: true },
  { name: 'study_instance_uid', value: (d) => d.study.studyInstanceUid, text: true },
  { name: 'series_instance_uid', value: (d) => d.study.seriesInstanceUid, text: true },
  { name: 'study_date', value: (d) => d.study.studyDate, text: true },
  { name: 'generated_at', value: (d) => d.generatedAt, text: true },
  { name: 'model_name', value: (d) => d.model.name, text: true },
  { name: 'model_version', value: (d) => d.model.version, text: true },
  { name: 'model_sha256', value: (d) => d.model.sha256, text: true },
  { name: 'execution_provider', value: (d) => d.model.executionProvider, text: true },
  { name: 'edited', value: (d) => d.model.edited },
  { name: 'lungs_total_ml', value: (d) => d.measurements.lungs.totalVolumeMl },
  { name: 'ggo_ml', value: (d) => d.measurements.infection.groundGlassMl },
  { name: 'consolidation_ml', value: (d) => d.measurements.infection.consolidationMl },
  { name: 'infection_ml', value: (d) => d.measurements.infection.totalMl },
  { name: 'lesion_count', value: (d) => d.measurements.infection.lesionCount },
  ...SIDES.flatMap((side): Column[] => [
    { name: `${side}_lung_ml`, value: (d) => lung(d, side).volumeMl },
    { name: `${side}_ggo_ml`, value: (d) => lung(d, side).groundGlassMl },
    { name: `${side}_consolidation_ml`, value: (d) => lung(d, side).consolidationMl },
    { name: `${side}_infection_ml`, value: (d) => lung(d, side).infectionMl },
    { name: `${side}_involvement_pct`, value: (d) => lung(d, side).involvementPercent },
    ...ZONES.flatMap((z): Column[] => [
      { name: `${side}_${z}_involvement_pct`, value: (d) => zone(d, side, z)?.involvementPercent },
      { name: `${side}_${z}_score`, value: (d) => zone(d, side, z)?.score },
    ]),
  ]),
  { name: 'severity_total', value: (d) => d.measurements.severity.total },
  { name: 'severity_max', value: (d) => d.measurements.severity.max },
  { name: 'severity_method', value: (d) => d.measurements.severity.method, text: true },
  { name: 'warnings', value: (d) => d.measurements.warnings.join('; '), text: true },
  // Appended (columns are only ever appended): infection outside both lung masks.
  { name: 'infection_outside_lungs_ml', value: (d) => d.measurements.infection.outsideLungsMl },
  // Appended: the severity score's inputs. A zone scores above 0 only when its infection in
  // lesions reaches both minimums; below_minimum says a zone had infection but too little.
  { name: 'severity_min_zone_lesion_ml', value: (d) => d.measurements.severity.minimum?.zoneLesionMl },
  { name: 'severity_min_zone_involvement_pct', value: (d) => d.measurements.severity.minimum?.zoneInvolvementPercent },
  { name: 'lesion_min_volume_ml', value: (d) => d.measurements.severity.minimum?.lesionVolumeMl },
  ...SIDES.flatMap((side): Column[] =>
    ZONES.flatMap((z): Column[] => [
      { name: `${side}_${z}_lung_ml`, value: (d) => zone(d, side, z)?.lungVolumeMl },
      { name: `${side}_${z}_infection_ml`, value: (d) => zone(d, side, z)?.infectionMl },
      { name: `${side}_${z}_lesion_ml`, value: (d) => zone(d, side, z)?.lesionInfectionMl },
      { name: `${side}_${z}_lesion_involvement_pct`, value: (d) => zone(d, side, z)?.lesionInvolvementPercent },
      { name: `${side}_${z}_below_minimum`, value: (d) => zone(d, side, z)?.belowMinimum },
    ]),
  ),
];

function formatNumber(x: number): string {
  // Three decimals are well below a voxel (about 0.0005 mL at 0.7 x 0.7 x 1 mm).
  return String(Math.round(x * 1000) / 1000);
}

/** One CSV cell: numbers to three decimals, free text quoted when needed and guarded against formulas. */
export function escapeCsvCell(cell: Cell, text: boolean): string {
  if (cell === undefined || cell === null) return '';
  if (typeof cell === 'number') return formatNumber(cell);
  if (typeof cell === 'boolean') return cell ? 'true' : 'false';
  let s = cell;
  // A leading = + - @ would run as a formula in a spreadsheet (CSV injection): keep it text.
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The header line (no line end). */
export function csvHeader(): string {
  return COLUMNS.map((c) => c.name).join(',');
}

/** One study's row (no line end), columns in csvHeader() order. */
export function csvRow(doc: MeasurementsDocument): string {
  return COLUMNS.map((c) => escapeCsvCell(c.value(doc), c.text === true)).join(',');
}

/** measurements.csv for one study: header and one row. */
export function encodeMeasurementsCsv(doc: MeasurementsDocument): string {
  return `${csvHeader()}${CSV_LINE_END}${csvRow(doc)}${CSV_LINE_END}`;
}
