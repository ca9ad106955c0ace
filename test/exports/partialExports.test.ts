import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DONE_MARKER, doneMarkerSchema } from '../../electron/main/exports/doneMarker.ts';
import { ExportsIncompleteError, writeExports, type ExportRequest } from '../../electron/main/exports/writeExports.ts';
import { sampleMeasurements, sampleModel } from './sampleMeasurements.ts';
import { syntheticStudy } from './syntheticStudy.ts';

const scratch = mkdtempSync(join(tmpdir(), 'opal-partial-export-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/** The synthetic study as an anonymiser left it: every slice carries one SOPInstanceUID. */
function duplicateUidRequest(): ExportRequest {
  const s = syntheticStudy();
  const uid = '1.2.826.0.1.3680043.8.498.4242';
  return {
    volume: { ...s.volume, meta: { ...s.volume.meta, sopInstanceUids: s.source.sopInstanceUids.map(() => uid) } },
    lungs: s.lungs,
    infection: s.infection,
    measurements: sampleMeasurements(s),
    model: sampleModel,
    formats: ['seg', 'nifti', 'csv', 'json', 'pdf'],
    generatedAt: new Date('2026-01-02T03:04:05Z'),
  };
}

describe('one export format failing', () => {
  it('writes every other format when the DICOM SEG cannot be made, then reports the SEG with its own code and reason', async () => {
    const dir = join(scratch, `case${n++}`);
    let error: unknown;
    try {
      await writeExports(dir, duplicateUidRequest());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExportsIncompleteError);
    const e = error as ExportsIncompleteError;
    expect(e.code).toBe('E_DUPLICATE_SOP_UID');
    expect(e.message).toMatch(/^DICOM SEG not written: \d+ source images share SOPInstanceUID/);
    expect(e.failures.map((f) => [f.format, f.error.code])).toEqual([['seg', 'E_DUPLICATE_SOP_UID']]);
    expect(e.written.map((w) => w.format)).toEqual(['nifti', 'nifti', 'json', 'csv', 'csv', 'pdf']);
    expect(readdirSync(dir).sort()).toEqual([DONE_MARKER, 'infection.nii.gz', 'lesions.csv', 'lungs.nii.gz', 'measurements.csv', 'measurements.json', 'report.pdf']);
    expect(existsSync(join(dir, 'seg.dcm'))).toBe(false);
    // The other formats are committed as one set; the done-marker records the SEG's failure.
    const marker = doneMarkerSchema.parse(JSON.parse(readFileSync(join(dir, DONE_MARKER), 'utf8')));
    expect(marker.files.sort()).toEqual(['infection.nii.gz', 'lesions.csv', 'lungs.nii.gz', 'measurements.csv', 'measurements.json', 'report.pdf']);
    expect(marker.failed.map((f) => [f.format, f.code])).toEqual([['seg', 'E_DUPLICATE_SOP_UID']]);
  });
});
