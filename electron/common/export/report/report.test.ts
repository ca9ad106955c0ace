import { PDFDocument } from 'pdf-lib';
import { unzlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sampleMeasurements, sampleModel } from '../../../../test/exports/sampleMeasurements.ts';
import { syntheticStudy } from '../../../../test/exports/syntheticStudy.ts';
import { pdfShownText } from '../../../../test/exports/pdfText.ts';
import { InfectionLabel } from '../../volume/index.ts';
import { INVESTIGATIONAL_NOTICE, studyIdentifiersFromMeta } from '../measurementsJson.ts';
import { buildReportPdf, imageSideLabels, REPORT_MAX_LESIONS } from './buildReportPdf.ts';
import { chooseKeySlices } from './chooseKeySlices.ts';
import { encodePngRgb } from './encodePng.ts';
import { OVERLAY_COLOURS, renderKeySlice } from './renderKeySlice.ts';

describe('report.pdf', () => {
  it('opens with pdf-lib as A4 pages (numbers and images, then the lesion list) that show the notice, model, identifiers and severity', async () => {
    const s = syntheticStudy();
    const m = sampleMeasurements(s);
    const bytes = await buildReportPdf({
      volume: s.volume,
      lungs: s.lungs,
      infection: s.infection,
      measurements: m,
      model: sampleModel,
      study: studyIdentifiersFromMeta(s.volume.meta),
    });
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getPageCount()).toBe(2); // the sample has two lesions: their list is on page 2
    expect(pdf.getPages().map((p) => Math.round(p.getWidth()))).toEqual([595, 595]);
    const text = pdfShownText(bytes);
    expect(text).toContain(INVESTIGATIONAL_NOTICE);
    expect(text).toContain('Model: opal-infnet   Version: 0.1.0   Execution provider: cpu');
    expect(text).toContain('OPAL-TEST-0001');
    expect(text).toContain('Phantom Synthetic');
    expect(text).toContain(`Severity score: ${m.severity.total} / 30`);
    expect(text).toContain('Zone-based approximation');
    expect(text).toContain(m.lungs.right.volumeMl.toFixed(2));
    expect(text.split(INVESTIGATIONAL_NOTICE).length - 1).toBeGreaterThanOrEqual(4); // under the title and in the footer of each page
  });

  it("prints each zone's inputs, and a zone under the minimum plainly as score 0 with the reason", async () => {
    const s = syntheticStudy();
    const m = sampleMeasurements(s);
    const upper = m.lungs.left.zones.find((z) => z.zone === 'upper')!;
    Object.assign(upper, { infectionMl: 0.4, involvementPercent: 1.5, lesionInfectionMl: 0, lesionInvolvementPercent: 0, score: 0, belowMinimum: true });
    const text = pdfShownText(await buildReportPdf({ volume: s.volume, lungs: s.lungs, infection: s.infection, measurements: m, model: sampleModel, study: {} }));
    const lines = text.split('\n');
    const row = lines.slice(lines.indexOf('Left upper'), lines.indexOf('Left upper') + 7);
    expect(row).toEqual(['Left upper', upper.lungVolumeMl.toFixed(2), '0.40', '0.00 (0.00 %)', '1.5 %', '0', '0: under the minimum, 1.0 mL and 0.5 % in lesions']);
    expect(lines).toContain('Why this score');
    // The method paragraph wraps: read it with its lines joined.
    expect(lines.join(' ')).toContain('A zone scores above 0 only when at least 1.0 mL and 0.5 % of its volume is infection in lesions');
  });

  it('lists the lesions largest first on their own page, and counts the ones past the cap as "and N more"', async () => {
    const s = syntheticStudy();
    const m = sampleMeasurements(s);
    const one = m.lesions[0];
    m.lesions = Array.from({ length: REPORT_MAX_LESIONS + 3 }, (_, i) => ({ ...one, id: i + 1, volumeMl: 100 - i, meanConfidence: 0.87 }));
    const bytes = await buildReportPdf({ volume: s.volume, lungs: s.lungs, infection: s.infection, measurements: m, model: sampleModel, study: {} });
    const lines = pdfShownText(bytes).split('\n');
    expect(lines).toContain(`Lesions, largest first (${REPORT_MAX_LESIONS + 3})`);
    const first = lines.indexOf('Confidence') + 1;
    expect(lines.slice(first, first + 10)).toEqual(['1', '100.0', '0.03', '0.00', '-500', 'right', '-', one.centroidLpsMm.map((x) => x.toFixed(1)).join(', '), `${Math.round(one.centroidVoxel[2]) + 1}/6`, '0.87']);
    expect(lines).toContain(String(REPORT_MAX_LESIONS));
    expect(lines).not.toContain(String(REPORT_MAX_LESIONS + 1));
    expect(lines).toContain('and 3 more (177.0 mL in all, each at most 60.0 mL): every lesion is in lesions.csv and measurements.json.');
  });

  it('says there is no lesion, on one page, when there is none', async () => {
    const s = syntheticStudy();
    const m = sampleMeasurements(s);
    m.lesions = [];
    const bytes = await buildReportPdf({ volume: s.volume, lungs: s.lungs, infection: s.infection, measurements: m, model: sampleModel, study: {} });
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(1);
    expect(pdfShownText(bytes)).toContain('Lesions: none (no connected region of infection of at least 0.10 mL)');
  });

  it('prints "(not recorded)" for missing identifiers and replaces characters the PDF font lacks', async () => {
    const s = syntheticStudy();
    const text = pdfShownText(
      await buildReportPdf({
        volume: s.volume,
        lungs: s.lungs,
        infection: s.infection,
        measurements: sampleMeasurements(s),
        model: { ...sampleModel, name: 'net\u2192v2', edited: true },
        study: {},
      }),
    );
    expect(text).toContain('(not recorded)');
    expect(text).toContain('net?v2');
    expect(text).toContain('SEMIAUTOMATIC');
  });
});

describe('key images', () => {
  it("labels the patient's right and left from the row direction", () => {
    expect(imageSideLabels([1, 0, 0, 0, 1, 0, 0, 0, 1])).toEqual(['R', 'L']);
    expect(imageSideLabels([-1, 0, 0, 0, 1, 0, 0, 0, -1])).toEqual(['L', 'R']);
    expect(imageSideLabels([0, 1, 0, 0, 0, -1, 1, 0, 0])).toBeUndefined(); // sagittal rows run anterior-posterior
  });

  it('chooses the slices with the largest infection area, in slice order', () => {
    const s = syntheticStudy();
    const keys = chooseKeySlices(s.volume.dims, s.lungs, s.infection, 3);
    // Slice 3 has GGO (9) + consolidation (6), slice 2 GGO only (9).
    expect(keys.map((k) => [k.sliceIndex, k.infectionVoxels, k.reason])).toEqual([
      [2, 9, 'largest-infection'],
      [3, 15, 'largest-infection'],
    ]);
  });

  it('falls back to lung levels without infection and to the middle slice without lungs', () => {
    const s = syntheticStudy();
    const none = new Uint8Array(s.infection.length);
    expect(chooseKeySlices(s.volume.dims, s.lungs, none, 3).map((k) => k.sliceIndex)).toEqual([2, 3]);
    expect(chooseKeySlices(s.volume.dims, none, none, 3)).toEqual([{ sliceIndex: 3, infectionVoxels: 0, reason: 'volume-middle' }]);
  });

  it('renders the lung window, the infection colour and the lung outline', () => {
    const s = syntheticStudy();
    const img = renderKeySlice(s.volume, s.lungs, s.infection, 3);
    const px = (i: number, j: number) => Array.from(img.rgb.subarray((i + 13 * j) * 3, (i + 13 * j) * 3 + 3));
    // Soft tissue (40 HU) lies inside the lung window (-1350..150 HU): a light grey.
    expect(px(0, 0)).toEqual([Math.round(((40 + 1350) / 1500) * 255), Math.round(((40 + 1350) / 1500) * 255), Math.round(((40 + 1350) / 1500) * 255)]);
    expect(px(1, 2)).toEqual([...OVERLAY_COLOURS.rightLungOutline]); // lung edge
    const ggo = px(3, 4); // inside GGO, not on the lung edge: grey blended with yellow
    expect(s.infection[3 + 13 * (4 + 11 * 3)]).toBe(InfectionLabel.GroundGlassOpacity);
    expect(ggo[0]).toBeGreaterThan(ggo[2]);
  });

  it('encodes a PNG whose pixels inflate back to the image', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const png = encodePngRgb(rgb, 2, 2);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const idatLen = new DataView(png.buffer).getUint32(33);
    const raw = unzlibSync(png.subarray(41, 41 + idatLen));
    // Undo the Sub filter of each 2-pixel row.
    const back: number[] = [];
    for (let y = 0; y < 2; y++) {
      const row = raw.subarray(y * 7 + 1, y * 7 + 7);
      expect(raw[y * 7]).toBe(1);
      for (let x = 0; x < 6; x++) back.push((row[x] + (x >= 3 ? back[y * 6 + x - 3] : 0)) & 0xff);
    }
    expect(back).toEqual(Array.from(rgb));
  });
});
