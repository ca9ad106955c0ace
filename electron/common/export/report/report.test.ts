import { PDFDocument } from 'pdf-lib';
import { unzlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sampleMeasurements, sampleModel } from '../../../../test/exports/sampleMeasurements.ts';
import { syntheticStudy } from '../../../../test/exports/syntheticStudy.ts';
import { pdfShownText } from '../../../../test/exports/pdfText.ts';
import { InfectionLabel, LungLabel, type Mat3 } from '../../volume/index.ts';
import { axialSliceNumber } from '../../volume/sliceNumbering.ts';
import { INVESTIGATIONAL_NOTICE, studyIdentifiersFromMeta } from '../measurementsJson.ts';
import { buildReportPdf, imageEdgeLabels, imageSideLabels, keySliceContent, lesionClass, REPORT_MAX_LESIONS, sliceRangeLabel } from './buildReportPdf.ts';
import { chooseKeySlices } from './chooseKeySlices.ts';
import { encodePngRgb } from './encodePng.ts';
import { modelCardText, type ReportModelCard } from './modelCardText.ts';
import { keyImageCrop, LUNG_WINDOW, OVERLAY_COLOURS, renderKeySlice } from './renderKeySlice.ts';

const card: ReportModelCard = {
  architecture: 'cmunext-s',
  metrics: {
    split: '10 labelled slices held out of the 50',
    diceInfection: 0.663,
    diceGgo: 0.5713,
    sensitivityInfection: 0.658,
    ci95Bootstrap: { dice_infection: [0.585, 0.7346], dice_ggo: [0.3812, 0.679] },
    params: 417379,
    heldoutPseudoVolume: { volume: 'Data-1', diceVsPseudoLabelMean: 0.21, falsePositiveAreaPercentMean: null },
  },
  training: { data: 'COVID-SemiSeg, 40 labelled slices' },
  intendedUse: 'research/investigational use only',
  license: 'Research use only.',
};

async function build(edit?: (m: ReturnType<typeof sampleMeasurements>) => void, modelCard: ReportModelCard | null = card) {
  const s = syntheticStudy();
  const m = sampleMeasurements(s);
  edit?.(m);
  const bytes = await buildReportPdf({ volume: s.volume, lungs: s.lungs, infection: s.infection, measurements: m, model: sampleModel, study: studyIdentifiersFromMeta(s.volume.meta), modelCard: modelCard ?? undefined });
  return { s, m, bytes, text: pdfShownText(bytes), lines: pdfShownText(bytes).split('\n') };
}

/** The report of the unedited sample, built once for the tests that only read it. */
let plain: ReturnType<typeof build> | undefined;
function report(edit?: (m: ReturnType<typeof sampleMeasurements>) => void, modelCard: ReportModelCard | null = card): ReturnType<typeof build> {
  if (edit || modelCard !== card) return build(edit, modelCard);
  plain ??= build();
  return plain;
}

describe('report.pdf', () => {
  it('opens as A4 pages: summary, key images, lesions and model card, each numbered "Page i of n" with the notice', async () => {
    const { m, bytes, text } = await report();
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getPageCount()).toBe(3);
    expect(pdf.getPages().map((p) => Math.round(p.getWidth()))).toEqual([595, 595, 595]);
    for (let i = 1; i <= 3; i++) expect(text).toContain(`Page ${i} of 3`);
    expect(text).not.toContain('Page 4 of');
    expect(text.split(INVESTIGATIONAL_NOTICE).length - 1).toBeGreaterThanOrEqual(4); // under the title and in each footer
    expect(text).toContain('Model: opal-infnet   Version: 0.1.0   Execution provider: cpu');
    expect(text).toContain(`Model SHA-256: ${'b'.repeat(64)}`);
    expect(text).toContain('OPAL-TEST-0001');
    expect(text).toContain('Phantom Synthetic');
    expect(text).toContain(`Severity score: ${m.severity.total} / 30 (zone-based approximation)`);
    expect(text).toContain('Key images: page 2. Lesion table: page 3. Model card: page 3.');
    expect(text).toContain(m.lungs.right.volumeMl.toFixed(2));
  });

  it('states the score rule in words, with the 1 mL and 0.5 % minimum and the bands', async () => {
    const { lines } = await report();
    const rule = lines.join(' ');
    expect(rule).toContain('each lung is divided into upper, middle and lower thirds of its own height');
    expect(rule).toContain('0 = none, 1 = under 5 %, 2 = 5-25 %, 3 = 26-50 %, 4 = 51-75 %, 5 = over 75 %; the total is 0-30');
    expect(rule).toContain('reaches both 1.0 mL and 0.5 % of the zone; below that minimum, or with no infection, the zone scores 0.');
  });

  it("prints each zone's inputs and score; a zone with 0.0 % reads score 0 and says there is no infection", async () => {
    const { m, lines } = await report((m) => {
      const upper = m.lungs.left.zones.find((z) => z.zone === 'upper')!;
      Object.assign(upper, { infectionMl: 0.4, involvementPercent: 0.3, lesionInfectionMl: 0, lesionInvolvementPercent: 0, score: 0, belowMinimum: true });
      const lower = m.lungs.right.zones.find((z) => z.zone === 'lower')!;
      Object.assign(lower, { infectionMl: 0, involvementPercent: 0, lesionInfectionMl: 0, lesionInvolvementPercent: 0, score: 0, belowMinimum: false });
    });
    const row = (name: string) => lines.slice(lines.indexOf(name), lines.indexOf(name) + 7);
    const upper = m.lungs.left.zones.find((z) => z.zone === 'upper')!;
    expect(lines).toContain('Why this score');
    expect(row('Left upper')).toEqual(['Left upper', upper.lungVolumeMl.toFixed(2), '0.40', '0.00 (0.00 %)', '0.30 %', '0', '0: below the minimum, 1.0 mL and 0.5 % in lesions']);
    expect(row('Right lower').slice(4)).toEqual(['0.00 %', '0', '0: no infection in this zone']);
    const scored = m.lungs.right.zones.find((z) => z.score > 0)!;
    const name = `Right ${scored.zone}`;
    expect(row(name)[5]).toBe(String(scored.score));
    expect(row(name)[6]).toMatch(new RegExp(`^${scored.score}: [0-9.]+ % involved, band `));
  });

  it("lists the model card's validation figures with their 95 % CI, the split, training data, intended use and licence", async () => {
    const { lines, text } = await report();
    expect(lines).toContain('Dice, infection (both classes): 0.663 (95 % CI 0.585-0.735)');
    expect(lines).toContain('Dice, ground-glass opacity: 0.571 (95 % CI 0.381-0.679)');
    expect(lines).toContain('Sensitivity, infection: 0.658');
    expect(text).toContain('Model card validation (held-out slices, not this study): Dice, infection (both classes): 0.663 (95 % CI 0.585-0.735)');
    expect(lines).toContain('Validation split: 10 labelled slices held out of the 50');
    expect(lines).toContain('params: 417379');
    expect(lines).toContain('heldout pseudo volume: volume Data-1; dice vs pseudo label mean 0.21');
    expect(lines).toContain('Training data: COVID-SemiSeg, 40 labelled slices');
    expect(lines).toContain('Intended use: research/investigational use only');
    expect(lines).toContain('Architecture: cmunext-s');
  });

  it('says so when the model card is not available', async () => {
    const { text } = await report(undefined, null);
    expect(text).toContain('The model card (validation figures) was not available when this report was written.');
  });

  it('lists the lesions largest first with lung, zone, volume, class and slice range, and counts the ones past the cap', async () => {
    const { s, lines } = await report((m) => {
      const one = m.lesions[0];
      m.lesions = Array.from({ length: REPORT_MAX_LESIONS + 3 }, (_, i) => ({ ...one, id: i + 1, volumeMl: 100 - i, groundGlassMl: 60, consolidationMl: 40 - i, meanConfidence: 0.87 }));
    });
    expect(lines).toContain(`Lesions, largest first (${REPORT_MAX_LESIONS + 3})`);
    const first = lines.indexOf('Confidence') + 1;
    const one = sampleMeasurements(s).lesions[0];
    const slices = `${sliceRangeLabel(s.volume, one.boundingBoxVoxel.min[2], one.boundingBoxVoxel.max[2])} (${axialSliceNumber(s.volume, one.centroidVoxel[2])})`;
    expect(lines.slice(first, first + 10)).toEqual(['1', 'right', '-', '100.0', 'mixed, 40 % consol.', '60.0', '40.0', slices, '-500', '0.87']);
    expect(lines).toContain(String(REPORT_MAX_LESIONS));
    expect(lines).not.toContain(String(REPORT_MAX_LESIONS + 1));
    expect(lines).toContain('and 3 more (177.0 mL in all, each at most 60.0 mL): every lesion is in lesions.csv and measurements.json.');
  });

  it('says there is no lesion when there is none', async () => {
    const { bytes, text } = await report((m) => {
      m.lesions = [];
    });
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(3);
    expect(text).toContain('Lesions: none (no connected region of infection of at least 0.10 mL)');
  });

  it('prints "(not recorded)" for missing identifiers and replaces characters the PDF font lacks', async () => {
    const s = syntheticStudy();
    const text = pdfShownText(
      await buildReportPdf({ volume: s.volume, lungs: s.lungs, infection: s.infection, measurements: sampleMeasurements(s), model: { ...sampleModel, name: 'net\u2192v2', edited: true }, study: {} }),
    );
    expect(text).toContain('(not recorded)');
    expect(text).toContain('net?v2');
    expect(text).toContain('SEMIAUTOMATIC');
  });

  it('states the review (slices marked of those ranked, which) under the provenance when the app sends one', async () => {
    const s = syntheticStudy();
    const review = { rule: 'r', slicesRanked: 9, slicesReviewed: 3, rankedSliceNumbers: [5, 4, 6], reviewedSliceNumbers: [4, 5, 6], maskEdited: false };
    const text = pdfShownText(await buildReportPdf({ volume: s.volume, lungs: s.lungs, infection: s.infection, measurements: sampleMeasurements(s), model: sampleModel, study: {}, review }));
    expect(text).toContain("Review: 3 of 9 slices ranked by the model's uncertainty marked reviewed by a person: slices 4, 5, 6.");
  });

  it('captions each key image with its shared slice number, position, infection area and the lesions it cuts', async () => {
    const { s, m, lines } = await report();
    // The synthetic study's slice 3 (index) has both blobs; its number counts from the feet.
    const k = 3;
    const n = axialSliceNumber(s.volume, k);
    const caption = lines.find((l) => l.startsWith(`Slice ${n}/${s.volume.dims[2]}, z `));
    expect(caption).toBeDefined();
    expect(caption).toMatch(/ mm$/);
    const content = keySliceContent(s.volume.dims, s.infection, m.lesions, k);
    expect(content.groundGlassVoxels).toBe(9);
    expect(content.consolidationVoxels).toBe(6);
    expect(content.lesions.map((c) => c.lesion.id).sort()).toEqual(m.lesions.map((l) => l.id).sort());
    const area = (v: number) => ((v * s.volume.spacingMm[0] * s.volume.spacingMm[1]) / 100).toFixed(2);
    expect(lines).toContain(`Infection here ${area(15)} cm² (GGO ${area(9)}, consolidation ${area(6)})`);
    expect(lines.some((l) => l.startsWith('Lesions cut: #1 '))).toBe(true);
  });
});

describe('key images', () => {
  it('puts R on the image left, A on top for a standard axial series, and follows flipped rows and columns', () => {
    expect(imageEdgeLabels([1, 0, 0, 0, 1, 0, 0, 0, 1])).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(imageEdgeLabels([-1, 0, 0, 0, -1, 0, 0, 0, 1])).toEqual({ left: 'L', right: 'R', top: 'P', bottom: 'A' });
    expect(imageSideLabels([1, 0, 0, 0, 1, 0, 0, 0, 1])).toEqual(['R', 'L']);
    expect(imageSideLabels([0, 1, 0, 0, 0, -1, 1, 0, 0])).toBeUndefined(); // sagittal rows run anterior-posterior
  });

  it('numbers slice ranges from the most inferior slice whichever way k runs', () => {
    const dims: [number, number, number] = [4, 4, 10];
    const headFirst: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, -1];
    expect(sliceRangeLabel({ dims, direction: headFirst }, 2, 4)).toBe('6-8');
    expect(sliceRangeLabel({ dims, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, 2, 4)).toBe('3-5');
    expect(sliceRangeLabel({ dims, direction: headFirst }, 5, 5)).toBe('5');
  });

  it('names a lesion GGO or consolidation when the other class is under 10 %, else mixed', () => {
    expect(lesionClass({ volumeMl: 10, groundGlassMl: 9.5, consolidationMl: 0.5 })).toBe('GGO');
    expect(lesionClass({ volumeMl: 10, groundGlassMl: 0.5, consolidationMl: 9.5 })).toBe('consolidation');
    expect(lesionClass({ volumeMl: 10, groundGlassMl: 6.5, consolidationMl: 3.5 })).toBe('mixed, 35 % consol.');
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

  it('keeps key slices apart and leaves out slices with a speck of infection', () => {
    const dims: [number, number, number] = [10, 10, 40];
    const lungs = new Uint8Array(4000).fill(LungLabel.RightLung);
    const infection = new Uint8Array(4000);
    const paint = (k: number, n: number) => infection.fill(InfectionLabel.GroundGlassOpacity, k * 100, k * 100 + n);
    for (let k = 10; k <= 14; k++) paint(k, 50 + k); // one lesion over five slices
    paint(30, 40);
    paint(35, 1); // a speck: under 5 % of the largest slice
    const keys = chooseKeySlices(dims, lungs, infection, 4);
    // 40 lung slices / (2 x 4) = at least 5 slices apart.
    expect(keys.map((k) => k.sliceIndex)).toEqual([14, 30]);
  });

  it('falls back to lung levels without infection and to the middle slice without lungs', () => {
    const s = syntheticStudy();
    const none = new Uint8Array(s.infection.length);
    expect(chooseKeySlices(s.volume.dims, s.lungs, none, 3).map((k) => k.sliceIndex)).toEqual([2, 3]);
    expect(chooseKeySlices(s.volume.dims, none, none, 3)).toEqual([{ sliceIndex: 3, infectionVoxels: 0, reason: 'volume-middle' }]);
  });

  it('crops to the lungs with a margin, clamped to the slice', () => {
    const s = syntheticStudy();
    // Lungs span i 1..11, j 2..8; 1.5 mm margin = 2 columns (0.75 mm) and 2 rows (0.8 mm).
    expect(keyImageCrop(s.volume, s.lungs, 1.5)).toEqual({ i0: 0, i1: 12, j0: 0, j1: 10 });
    expect(keyImageCrop(s.volume, s.lungs, 0)).toEqual({ i0: 1, i1: 11, j0: 2, j1: 8 });
    expect(keyImageCrop(s.volume, new Uint8Array(s.lungs.length))).toEqual({ i0: 0, i1: 12, j0: 0, j1: 10 });
  });

  it('renders the lung window, each class as a saturated outline around a translucent fill, and the lung outline', () => {
    const s = syntheticStudy();
    const crop = keyImageCrop(s.volume, s.lungs, 0); // i 1..11, j 2..8
    const img = renderKeySlice(s.volume, s.lungs, s.infection, 3, { crop, targetWidthPx: 11 * 8 });
    expect(img.width).toBe(88);
    expect(img.pixelMm).toBeCloseTo(0.75 / 8);
    expect(img.height).toBe(Math.round((7 * 0.8) / img.pixelMm));
    const px = (u: number, v: number) => Array.from(img.rgb.subarray((u + img.width * v) * 3, (u + img.width * v) * 3 + 3));
    // Output pixel of voxel (i, j) centre.
    const at = (i: number, j: number) => px(Math.floor((i - crop.i0 + 0.5) * 8), Math.floor(((j - crop.j0 + 0.5) * 0.8) / img.pixelMm));
    const count = (c: readonly number[]) => {
      let n = 0;
      for (let q = 0; q < img.width * img.height; q++) if (img.rgb[q * 3] === c[0] && img.rgb[q * 3 + 1] === c[1] && img.rgb[q * 3 + 2] === c[2]) n++;
      return n;
    };
    expect(count(OVERLAY_COLOURS.groundGlass)).toBeGreaterThan(50); // GGO outline
    expect(count(OVERLAY_COLOURS.consolidation)).toBeGreaterThan(50); // consolidation outline
    expect(count(OVERLAY_COLOURS.rightLungOutline)).toBeGreaterThan(50);
    // GGO centre (voxel 3,4): the fill, grey blended with yellow (more red than blue), not the outline.
    const fill = at(3, 4);
    expect(fill).not.toEqual([...OVERLAY_COLOURS.groundGlass]);
    expect(fill[0]).toBeGreaterThan(fill[2] + 40);
    // Lung without infection (voxel 10, 3 is left lung, consolidation is at i 8-9, j 4-6): plain lung window grey.
    const g = Math.round(((-850 - (LUNG_WINDOW.levelHu - LUNG_WINDOW.widthHu / 2)) / LUNG_WINDOW.widthHu) * 255);
    expect(at(10, 3)[0]).toBeGreaterThanOrEqual(g - 1);
    expect(at(10, 3)[0]).toBeLessThanOrEqual(g + 1);
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

describe('model card text', () => {
  it('prints only what the card holds', () => {
    expect(modelCardText({})).toEqual({ validation: [], other: [], split: undefined, training: undefined, intendedUse: undefined, license: undefined });
    expect(modelCardText({ metrics: { diceInfection: 0.5 } }).validation).toEqual(['Dice, infection (both classes): 0.500']);
  });
});
