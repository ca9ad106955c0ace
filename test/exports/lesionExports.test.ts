import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lesionsCsvHeader } from '../../electron/common/export/lesionsCsv.ts';
import { measurementsDocumentSchema } from '../../electron/common/export/measurementsJson.ts';
import { lesionClass, sliceRangeLabel } from '../../electron/common/export/report/buildReportPdf.ts';
import { axialSliceNumber } from '../../electron/common/volume/sliceNumbering.ts';
import { generateChestPhantom } from '../../electron/common/phantom/index.ts';
import { quantify } from '../../electron/common/quant/index.ts';
import { writeExports } from '../../electron/main/exports/writeExports.ts';
import { pdfShownText } from './pdfText.ts';
import { sampleModel } from './sampleMeasurements.ts';

/** The lesion list and the score's inputs through the real exports, on the chest phantom's truth masks. */
describe('lesion list and score inputs in the exported files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opal-lesion-exports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const p = generateChestPhantom({ seed: 2, size: 128, slices: 40 });
  const confidence = new Uint8Array(p.lungs.length).map((_, v) => (p.lungs[v] !== 0 ? 204 : 0)); // 0.8 inside the lungs
  const measurements = quantify({
    lungs: p.lungs,
    infection: p.infection,
    dims: p.volume.dims,
    spacingMm: p.volume.spacingMm,
    direction: p.volume.direction,
    originMm: p.volume.originMm,
    hu: p.volume.voxels as Int16Array,
    confidence,
  });
  const written = writeExports(dir, { volume: p.volume, lungs: p.lungs, infection: p.infection, measurements, model: sampleModel, formats: ['json', 'csv', 'pdf'] });

  it('writes lesions.csv beside measurements.csv: one row per lesion, largest first', async () => {
    expect((await written).map((w) => w.path.slice(dir.length + 1))).toEqual(['measurements.json', 'measurements.csv', 'lesions.csv', 'report.pdf']);
    const lines = readFileSync(join(dir, 'lesions.csv'), 'utf8').split('\r\n');
    expect(lines[0]).toBe(lesionsCsvHeader());
    const rows = lines.slice(1, -1).map((l) => l.split(','));
    expect(rows).toHaveLength(measurements.lesions.length);
    const col = (name: string) => lines[0].split(',').indexOf(name);
    const volumes = rows.map((r) => Number(r[col('volume_ml')]));
    expect(volumes).toEqual([...volumes].sort((a, b) => b - a));
    expect(rows.map((r) => r[col('lesion_id')])).toEqual(rows.map((_, i) => String(i + 1)));
    expect(rows.every((r) => r[col('mean_confidence')] === '0.8')).toBe(true);
    expect(new Set(rows.map((r) => r[col('lung')]))).toEqual(new Set(['right', 'left']));
  });

  it('puts the lesions and every zone\'s score inputs in measurements.json', async () => {
    await written;
    const doc = measurementsDocumentSchema.parse(JSON.parse(readFileSync(join(dir, 'measurements.json'), 'utf8')));
    expect(doc.measurements.lesions).toEqual(measurements.lesions);
    expect(doc.measurements.infection.lesionCount).toBe(measurements.lesions.length);
    for (const z of [...doc.measurements.lungs.right.zones, ...doc.measurements.lungs.left.zones]) {
      expect(z).toMatchObject({ belowMinimum: false, scoreReason: expect.stringMatching(/% involved/) });
      expect(z.lesionInfectionMl).toBeGreaterThan(0);
    }
  });

  it('prints the lesion table in report.pdf', async () => {
    await written;
    const lines = pdfShownText(readFileSync(join(dir, 'report.pdf'))).split('\n');
    expect(lines).toContain(`Lesions, largest first (${measurements.lesions.length})`);
    const biggest = measurements.lesions[0];
    const first = lines.indexOf('Confidence') + 1;
    const ml = (x: number) => x.toFixed(x < 10 ? 2 : 1);
    // The centre slice in brackets is the number the viewer's lesion list shows (axialSliceNumber of the centroid).
    const slices = `${sliceRangeLabel(p.volume, biggest.boundingBoxVoxel.min[2], biggest.boundingBoxVoxel.max[2])} (${axialSliceNumber(p.volume, biggest.centroidVoxel[2])})`;
    expect(lines.slice(first, first + 10)).toEqual([
      '1', biggest.lung, biggest.zone, ml(biggest.volumeMl), lesionClass(biggest), ml(biggest.groundGlassMl), ml(biggest.consolidationMl), slices, String(Math.round(biggest.meanHu!)), '0.80',
    ]);
  });
});
