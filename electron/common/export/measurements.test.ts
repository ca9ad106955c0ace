import { describe, expect, it } from 'vitest';
import { sampleMeasurements, sampleModel } from '../../../test/exports/sampleMeasurements.ts';
import { syntheticStudy } from '../../../test/exports/syntheticStudy.ts';
import { csvHeader, csvRow, encodeMeasurementsCsv, CSV_LINE_END } from './measurementsCsv.ts';
import {
  encodeMeasurementsJson,
  INVESTIGATIONAL_NOTICE,
  measurementsDocument,
  measurementsDocumentSchema,
  studyIdentifiersFromMeta,
} from './measurementsJson.ts';

function doc(overrides: { patientId?: string } = {}) {
  const s = syntheticStudy();
  const study = { ...studyIdentifiersFromMeta(s.volume.meta), ...overrides };
  return measurementsDocument({ measurements: sampleMeasurements(s), model: sampleModel, study, generatedAt: new Date('2026-11-23T10:00:00Z') });
}

/** Splits one RFC 4180 line into cells (quotes, doubled quotes, commas inside quotes). */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

describe('measurements.json', () => {
  it('validates against the exported schema and round-trips through JSON', () => {
    const text = encodeMeasurementsJson(doc());
    const parsed = measurementsDocumentSchema.parse(JSON.parse(text));
    expect(parsed).toEqual(doc());
    expect(parsed.notice).toBe(INVESTIGATIONAL_NOTICE);
    expect(parsed.study.studyInstanceUid).toBe('1.2.826.0.1.3680043.8.498.1001');
    expect(parsed.model.name).toBe('opal-infnet');
  });

  it('rejects a document with a negative volume or a severity above 30', () => {
    const bad = doc();
    bad.measurements.lungs.right.volumeMl = -1;
    expect(measurementsDocumentSchema.safeParse(bad).success).toBe(false);
    const bad2 = doc();
    bad2.measurements.severity.total = 31;
    expect(() => encodeMeasurementsJson(bad2)).toThrow();
  });
});

describe('measurements.csv', () => {
  it('has the header and one row whose cells carry the numbers', () => {
    const d = doc();
    const lines = encodeMeasurementsCsv(d).split(CSV_LINE_END);
    expect(lines).toHaveLength(3); // header, row, empty after the final line end
    expect(lines[2]).toBe('');
    const header = parseCsvLine(lines[0]);
    const row = parseCsvLine(lines[1]);
    expect(row).toHaveLength(header.length);
    const cell = (name: string) => row[header.indexOf(name)];
    const m = d.measurements;
    expect(Number(cell('lungs_total_ml'))).toBeCloseTo(m.lungs.totalVolumeMl, 3);
    expect(Number(cell('ggo_ml'))).toBeCloseTo(m.infection.groundGlassMl, 3);
    expect(Number(cell('consolidation_ml'))).toBeCloseTo(m.infection.consolidationMl, 3);
    expect(Number(cell('right_involvement_pct'))).toBeCloseTo(m.lungs.right.involvementPercent, 3);
    expect(Number(cell('left_lower_score'))).toBe(m.lungs.left.zones.find((z) => z.zone === 'lower')?.score);
    expect(Number(cell('severity_total'))).toBe(m.severity.total);
    expect(cell('model_name')).toBe('opal-infnet');
    expect(cell('severity_method')).toBe(m.severity.method);
    expect(cell('study_instance_uid')).toBe(d.study.studyInstanceUid);
  });

  it('keeps a stable header: unique names, the severity and model columns present', () => {
    const header = csvHeader().split(',');
    expect(new Set(header).size).toBe(header.length);
    expect(header.slice(0, 3)).toEqual(['patient_id', 'study_instance_uid', 'series_instance_uid']);
    expect(header).toContain('severity_total');
    expect(header).toContain('execution_provider');
  });

  it('quotes commas and quotes and defuses spreadsheet formulas in identifiers', () => {
    const header = csvHeader().split(',');
    const row = parseCsvLine(csvRow(doc({ patientId: '=HYPERLINK("x"),1' })));
    expect(row).toHaveLength(header.length);
    expect(row[header.indexOf('patient_id')]).toBe('\'=HYPERLINK("x"),1');
  });

  it('builds a cohort: one header and one row per study', () => {
    const cohort = [csvHeader(), csvRow(doc({ patientId: 'A' })), csvRow(doc({ patientId: 'B' }))].join(CSV_LINE_END);
    const lines = cohort.split(CSV_LINE_END).map(parseCsvLine);
    expect(lines.map((l) => l[0])).toEqual(['patient_id', 'A', 'B']);
  });
});
