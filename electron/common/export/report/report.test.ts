import { PDFDocument } from 'pdf-lib';
import { unzlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sampleMeasurements, sampleModel } from '../../../../test/exports/sampleMeasurements.ts';
import { syntheticStudy } from '../../../../test/exports/syntheticStudy.ts';
import { pdfShownText } from '../../../../test/exports/pdfText.ts';
import { InfectionLabel } from '../../volume/index.ts';
import { INVESTIGATIONAL_NOTICE, studyIdentifiersFromMeta } from '../measurementsJson.ts';
import { buildReportPdf } from './buildReportPdf.ts';
import { chooseKeySlices } from './chooseKeySlices.ts';
import { encodePngRgb } from './encodePng.ts';
import { OVERLAY_COLOURS, renderKeySlice } from './renderKeySlice.ts';

describe('report.pdf', () => {
  it('opens with pdf-lib as one A4 page that shows the notice, model, identifiers and severity', async () => {
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
    expect(pdf.getPageCount()).toBe(1);
    expect(Math.round(pdf.getPage(0).getWidth())).toBe(595);
    const text = pdfShownText(bytes);
    expect(text).toContain(INVESTIGATIONAL_NOTICE);
    expect(text).toContain('Model: opal-infnet   Version: 0.1.0   Execution provider: cpu');
    expect(text).toContain('OPAL-TEST-0001');
    expect(text).toContain('Phantom Synthetic');
    expect(text).toContain(`Severity score: ${m.severity.total} / 30`);
    expect(text).toContain('Zone-based approximation');
    expect(text).toContain(m.lungs.right.volumeMl.toFixed(2));
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
