/**
 * report.pdf as a reader sees it: rendered by poppler's pdftoppm at 100 dpi (a screen at 100 %),
 * the key-image page must show the infection overlay in its saturated class colours over many
 * pixels, and the text pages must not (so the colour test finds the overlay, not the page).
 * Needs pdftoppm (poppler-utils, installed by .ci/run): under OPAL_REQUIRE_DATA=1 its absence fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportPdf } from '../../electron/common/export/report/buildReportPdf.ts';
import { OVERLAY_COLOURS } from '../../electron/common/export/report/renderKeySlice.ts';
import { studyIdentifiersFromMeta } from '../../electron/common/export/measurementsJson.ts';
import { generateChestPhantom } from '../../electron/common/phantom/index.ts';
import { quantify } from '../../electron/common/quant/index.ts';
import { missing } from '../fixtures/requireData.ts';
import { decodePng, type DecodedPng } from './decodePng.ts';
import { hasCommand } from './externalTools.ts';
import { pdfShownText } from './pdfText.ts';
import { sampleModel } from './sampleMeasurements.ts';

/** Pixels within `tolerance` (per channel) of a colour. */
function countColour(img: DecodedPng, c: readonly [number, number, number], tolerance = 24): number {
  let n = 0;
  for (let q = 0; q < img.width * img.height; q++) {
    if (Math.abs(img.rgb[q * 3] - c[0]) <= tolerance && Math.abs(img.rgb[q * 3 + 1] - c[1]) <= tolerance && Math.abs(img.rgb[q * 3 + 2] - c[2]) <= tolerance) n++;
  }
  return n;
}

describe.skipIf(missing(hasCommand('pdftoppm'), 'pdftoppm (poppler-utils)'))('report.pdf rendered at 100 dpi', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opal-report-render-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pages: DecodedPng[] = [];
  let text = '';

  beforeAll(async () => {
    const p = generateChestPhantom({ seed: 3, size: 160, slices: 48, profile: 'covid' });
    const measurements = quantify({ lungs: p.lungs, infection: p.infection, dims: p.volume.dims, spacingMm: p.volume.spacingMm, direction: p.volume.direction, originMm: p.volume.originMm, hu: p.volume.voxels });
    const pdf = await buildReportPdf({ volume: p.volume, lungs: p.lungs, infection: p.infection, measurements, model: sampleModel, study: studyIdentifiersFromMeta(p.volume.meta) });
    text = pdfShownText(pdf);
    writeFileSync(join(dir, 'report.pdf'), pdf);
    const r = spawnSync('pdftoppm', ['-r', '100', '-png', join(dir, 'report.pdf'), join(dir, 'page')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (let i = 1; ; i++) {
      try {
        pages.push(decodePng(readFileSync(join(dir, `page-${i}.png`))));
      } catch {
        break;
      }
    }
  }, 300_000);

  it('renders every page as A4 at 100 dpi, numbered "Page i of n"', () => {
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) {
      expect(Math.abs(page.width - 827)).toBeLessThanOrEqual(1); // 595.28 x 841.89 pt at 100 dpi
      expect(Math.abs(page.height - 1169)).toBeLessThanOrEqual(1);
    }
    for (let i = 1; i <= pages.length; i++) expect(text).toContain(`Page ${i} of ${pages.length}`);
  });

  it('shows the ground-glass and consolidation overlays in their saturated colours on the key-image page, and not on the text pages', () => {
    const keyPage = pages[1];
    const ggo = countColour(keyPage, OVERLAY_COLOURS.groundGlass);
    const consolidation = countColour(keyPage, OVERLAY_COLOURS.consolidation);
    // Outlines 1.5 px wide at this zoom around several lesions on up to six images: hundreds of pixels each.
    expect(ggo).toBeGreaterThan(300);
    expect(consolidation).toBeGreaterThan(150);
    expect(countColour(keyPage, OVERLAY_COLOURS.rightLungOutline)).toBeGreaterThan(300);
    expect(countColour(keyPage, OVERLAY_COLOURS.leftLungOutline)).toBeGreaterThan(300);
    for (const textPage of [pages[0], pages[2]]) expect(countColour(textPage, OVERLAY_COLOURS.groundGlass)).toBe(0);
  });

  it('fills the page width with the key images: two columns across the text width', () => {
    const keyPage = pages[1];
    // Columns of the page that hold lung-outline colour span both halves of the text width (x 56-771 px).
    const columns = new Set<number>();
    for (let q = 0; q < keyPage.width * keyPage.height; q++) {
      const [r, g, b] = [keyPage.rgb[q * 3], keyPage.rgb[q * 3 + 1], keyPage.rgb[q * 3 + 2]];
      const c = OVERLAY_COLOURS.leftLungOutline;
      if (Math.abs(r - c[0]) <= 24 && Math.abs(g - c[1]) <= 24 && Math.abs(b - c[2]) <= 24) columns.add(q % keyPage.width);
    }
    expect(Math.min(...columns)).toBeLessThan(827 / 2);
    expect(Math.max(...columns)).toBeGreaterThan(827 / 2);
    expect(Math.max(...columns) - Math.min(...columns)).toBeGreaterThan(450);
  });
});
