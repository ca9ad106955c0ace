import { describe, expect, it } from 'vitest';
import { isOpalError } from '../errors/index.ts';
import { sampleMeasurements, sampleModel } from '../../../test/exports/sampleMeasurements.ts';
import { syntheticStudy } from '../../../test/exports/syntheticStudy.ts';
import { csvHeader, csvRow, encodeMeasurementsCsv, CSV_LINE_END } from './measurementsCsv.ts';
import { encodeLesionsCsv, lesionsCsvHeader } from './lesionsCsv.ts';
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

  it('carries the lesion list (largest first) and the score minimum, and still reads a document written before them', () => {
    const d = doc();
    const parsed = measurementsDocumentSchema.parse(JSON.parse(encodeMeasurementsJson(d)));
    expect(parsed.measurements.lesions).toHaveLength(2);
    expect(parsed.measurements.lesions?.[0]).toMatchObject({ id: 1, lung: 'right', groundGlassMl: expect.closeTo(0.027, 9), consolidationMl: 0, meanHu: -500 });
    expect(parsed.measurements.lesions?.[1]).toMatchObject({ id: 2, lung: 'left', consolidationMl: expect.closeTo(0.009, 9), meanHu: 20 });
    expect(parsed.measurements.severity.minimum).toEqual({ zoneInvolvementPercent: 0.5, zoneLesionMl: 1, lesionVolumeMl: 0.1 });
    expect(parsed.measurements.lungs.right.zones[0]).toHaveProperty('scoreReason');

    const old = JSON.parse(encodeMeasurementsJson(d)) as { measurements: Record<string, unknown> & { severity: Record<string, unknown>; lungs: { right: { zones: Record<string, unknown>[] }; left: { zones: Record<string, unknown>[] } } } };
    delete old.measurements.lesions;
    delete old.measurements.severity.minimum;
    for (const z of [...old.measurements.lungs.right.zones, ...old.measurements.lungs.left.zones]) {
      for (const k of ['lesionInfectionMl', 'lesionInvolvementPercent', 'belowMinimum', 'scoreReason']) delete z[k];
    }
    expect(measurementsDocumentSchema.safeParse(old).success).toBe(true);
  });

  it('rejects a negative volume, and refuses to export a severity above 30 with E_BAD_ARGUMENT', () => {
    const bad = doc();
    bad.measurements.lungs.right.volumeMl = -1;
    expect(measurementsDocumentSchema.safeParse(bad).success).toBe(false);
    const bad2 = doc();
    bad2.measurements.severity.total = 31;
    let code: string | undefined;
    try {
      encodeMeasurementsJson(bad2);
    } catch (e) {
      code = isOpalError(e) ? e.code : undefined;
    }
    expect(code).toBe('E_BAD_ARGUMENT');
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

  it("appends the score's inputs after every earlier column, per zone", () => {
    const header = csvHeader().split(',');
    const first = header.indexOf('infection_outside_lungs_ml');
    expect(first).toBeGreaterThan(header.indexOf('warnings'));
    expect(header.slice(first + 1, first + 4)).toEqual(['severity_min_zone_lesion_ml', 'severity_min_zone_involvement_pct', 'lesion_min_volume_ml']);
    expect(header.slice(-5)).toEqual(['left_lower_lung_ml', 'left_lower_infection_ml', 'left_lower_lesion_ml', 'left_lower_lesion_involvement_pct', 'left_lower_below_minimum']);
    const d = doc();
    const row = parseCsvLine(csvRow(d));
    const cell = (name: string) => row[header.indexOf(name)];
    const upper = d.measurements.lungs.right.zones.find((z) => z.zone === 'upper')!;
    expect(Number(cell('right_upper_lung_ml'))).toBeCloseTo(upper.lungVolumeMl, 3);
    expect(Number(cell('right_upper_infection_ml'))).toBeCloseTo(upper.infectionMl, 3);
    expect(Number(cell('right_upper_lesion_ml'))).toBeCloseTo(upper.lesionInfectionMl!, 3);
    expect(cell('right_upper_below_minimum')).toBe('false');
    expect(Number(cell('severity_min_zone_lesion_ml'))).toBe(1);
    expect(Number(cell('severity_min_zone_involvement_pct'))).toBe(0.5);
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

describe('lesions.csv', () => {
  it('has one row per lesion, largest first, with volume, class mix, HU, place, centroid, box and confidence', () => {
    const d = doc();
    const lines = encodeLesionsCsv(d).split(CSV_LINE_END);
    expect(lines).toHaveLength(4); // header, two lesions, empty after the final line end
    const header = parseCsvLine(lines[0]);
    expect(header).toEqual(lesionsCsvHeader().split(','));
    expect(new Set(header).size).toBe(header.length);
    const rows = lines.slice(1, 3).map(parseCsvLine);
    const cell = (r: number, name: string) => rows[r][header.indexOf(name)];
    const [big, small] = d.measurements.lesions!;
    expect(rows.map((_, r) => cell(r, 'lesion_id'))).toEqual(['1', '2']);
    expect(Number(cell(0, 'volume_ml'))).toBeCloseTo(big.volumeMl, 3);
    expect(Number(cell(0, 'ggo_ml'))).toBeCloseTo(0.027, 3);
    expect(cell(0, 'consolidation_ml')).toBe('0');
    expect(cell(0, 'mean_hu')).toBe('-500');
    expect([cell(0, 'lung'), cell(1, 'lung')]).toEqual(['right', 'left']);
    expect(cell(0, 'zone')).toBe(''); // the sample gives no zones
    expect(cell(0, 'mean_confidence')).toBe(''); // no model confidence given
    expect([cell(0, 'centroid_x_mm'), cell(0, 'centroid_y_mm'), cell(0, 'centroid_z_mm')].map(Number)).toEqual(big.centroidLpsMm.map((x) => Math.round(x * 1000) / 1000));
    expect([cell(1, 'centroid_i'), cell(1, 'centroid_j'), cell(1, 'centroid_k')].map(Number)).toEqual(small.centroidVoxel);
    expect([cell(0, 'bbox_i_min'), cell(0, 'bbox_i_max'), cell(0, 'bbox_j_min'), cell(0, 'bbox_j_max'), cell(0, 'bbox_k_min'), cell(0, 'bbox_k_max')]).toEqual(['2', '4', '3', '5', '2', '3']);
    expect(cell(0, 'study_instance_uid')).toBe(d.study.studyInstanceUid);
  });

  it('is only the header when there is no lesion', () => {
    const d = doc();
    d.measurements.lesions = [];
    expect(encodeLesionsCsv(d)).toBe(`${lesionsCsvHeader()}${CSV_LINE_END}`);
  });
});
