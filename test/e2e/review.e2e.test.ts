import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import type { Envelope, ReviewQueue } from '../../electron/common/ipc/contract.ts';
import { measurementsDocumentSchema } from '../../electron/common/export/measurementsJson.ts';
import { startTestHost, type TestHost } from '../host/startTestHost.ts';
import { dciodvfy, hasCommand } from '../exports/externalTools.ts';
import { pdfShownText } from '../exports/pdfText.ts';
import { missing } from '../fixtures/requireData.ts';
import { testOutputDir } from '../fixtures/sharedData.ts';
import { buildRendererIfStale, chromiumAvailable, launchChromium, CHROMIUM_PATH } from './chromium.ts';
import { writeE2eStudy } from './e2eStudy.ts';

/**
 * Issue 15 point 4 in the app: the real engine and the bundled default model segment a study;
 * "Start review" ranks the axial slices by the model's uncertainty; ] and [ step the axial viewport
 * through them in rank order; V and the Reviewed button mark slices and "n / N reviewed" counts
 * them; U lays the confidence map over the images (magenta where the model was unsure) and takes it
 * off again; the export's measurements.json, DICOM SEG and PDF report record the reviewed slices by the
 * viewer's slice numbers.
 */
const shots = testOutputDir('e2e-review');
const SIZE = 128;
const SLICES = 24;

describe.skipIf(!chromiumAvailable())(`Review mode in ${CHROMIUM_PATH}`, () => {
  let work: string;
  let host: TestHost;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let queue: ReviewQueue;
  let studyDir: string;
  const marked: number[] = [];
  const pageErrors: string[] = [];

  const handle = () => page.evaluate(() => document.body.dataset.volumeHandle ?? '');
  const axialSlice = async () => Number(/Slice (\d+) \//.exec((await page.textContent('#slice-axial')) ?? '')?.[1]);
  async function call<T>(method: string, args: unknown): Promise<Envelope<T>> {
    const res = await fetch(`${host.url}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
    return (await res.json()) as Envelope<T>;
  }
  const waitStatus = (re: RegExp, timeout = 30_000) => page.waitForFunction((src) => new RegExp(src).test(document.querySelector('#status')?.textContent ?? ''), re.source, { timeout });
  /** Pixels of the axial viewport in the overlay's magenta (red and blue well above green), saved as `shot`. */
  async function magentaPixels(shot: string): Promise<number> {
    const png = PNG.sync.read(await page.locator('#vp-axial').screenshot({ path: join(shots, shot) }));
    let n = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] - png.data[i + 1] > 50 && png.data[i + 2] - png.data[i + 1] > 50) n++;
    return n;
  }
  /** Waits until the axial viewport shows slice `n` and the panel's cursor is on rank `rank`. */
  async function expectAt(rank: number): Promise<void> {
    const n = queue.slices[rank - 1].sliceNumber;
    await page.waitForFunction(
      ([want, r]) => new RegExp(`Slice ${want} /`).test(document.querySelector('#slice-axial')?.textContent ?? '') && document.querySelector<HTMLElement>('#review-panel')?.dataset.cursorRank === String(r),
      [n, rank] as const,
      { timeout: 10_000 },
    );
    expect(await axialSlice()).toBe(n);
  }

  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'opal-review-e2e-')));
    studyDir = join(work, 'study');
    await writeE2eStudy(studyDir, SIZE, SLICES);
    await mkdir(join(work, 'export'));
    await mkdir(shots, { recursive: true });
    host = await startTestHost({ rendererDir: await buildRendererIfStale(), appDataDir: join(work, 'appdata'), dialogAnswers: [studyDir] });
    chrome = await launchChromium();
    page = await chrome.browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.url);
    await page.waitForSelector('body[data-ready=true]');
    await page.click('#choose-folder');
    await page.waitForFunction((n) => new RegExp(`Slice \\d+ / ${n}`).test(document.querySelector('#slice-axial')?.textContent ?? ''), SLICES, { timeout: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await chrome?.close();
    await host?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('segments with the bundled model; Start review lists the ranked slices and goes to rank 1', async () => {
    await page.click('#segment');
    await waitStatus(/Segmented in/, 240_000);
    await page.click('#review-start');
    await page.waitForSelector('#review-panel[data-active=true]');
    const r = await call<ReviewQueue>('getReviewQueue', { volumeHandle: await handle() });
    expect(r.ok).toBe(true);
    queue = (r as { ok: true; value: ReviewQueue }).value;
    expect(queue.hasConfidence).toBe(true);
    expect(queue.total).toBeGreaterThanOrEqual(3);
    // Most uncertain first, and the panel lists them in the engine's order.
    for (let i = 1; i < queue.slices.length; i++) expect(queue.slices[i - 1].uncertainMl).toBeGreaterThanOrEqual(queue.slices[i].uncertainMl);
    expect(queue.slices[0].uncertainMl).toBeGreaterThan(0);
    const listed = await page.$$eval('#review-list li', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.slice)));
    expect(listed).toEqual(queue.slices.map((s) => s.sliceNumber));
    expect(await page.textContent('#review-progress')).toMatch(new RegExp(`^0 / ${queue.total} reviewed`));
    await expectAt(1);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, '01-review-started.png') });
  }, 300_000);

  it('] and [ step the axial viewport through the ranked slices in order', async () => {
    await page.keyboard.press(']');
    await expectAt(2);
    await page.keyboard.press(']');
    await expectAt(3);
    await page.keyboard.press('[');
    await expectAt(2);
    await page.keyboard.press('[');
    await expectAt(1);
    await page.keyboard.press('['); // stays at rank 1
    await expectAt(1);
  });

  it('V and the Reviewed button mark slices and the progress count goes up', async () => {
    await page.keyboard.press('v');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#review-panel')?.dataset.reviewed === '1');
    marked.push(queue.slices[0].sliceNumber);
    await page.keyboard.press(']');
    await expectAt(2);
    await page.keyboard.press('v');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#review-panel')?.dataset.reviewed === '2');
    marked.push(queue.slices[1].sliceNumber);
    await page.keyboard.press(']');
    await expectAt(3);
    await page.click('#review-mark');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#review-panel')?.dataset.reviewed === '3');
    marked.push(queue.slices[2].sliceNumber);
    expect(await page.textContent('#review-progress')).toMatch(new RegExp(`^3 / ${queue.total} reviewed`));
    expect(await page.$$eval('#review-list li.reviewed', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.slice)))).toEqual(marked);
    // V again unmarks, and once more marks.
    await page.keyboard.press('v');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#review-panel')?.dataset.reviewed === '2');
    await page.keyboard.press('v');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#review-panel')?.dataset.reviewed === '3');
    const engine = await call<ReviewQueue>('getReviewQueue', { volumeHandle: await handle() });
    expect(engine.ok && engine.value.slices.filter((s) => s.reviewed).map((s) => s.sliceNumber)).toEqual(marked);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, '02-three-reviewed.png') });
  });

  it('U lays the confidence over the images and takes it off again', async () => {
    for (let i = 0; i < 3; i++) await page.keyboard.press('[');
    await expectAt(1); // the most uncertain slice
    await page.waitForTimeout(300);
    const before = await magentaPixels('03-confidence-off.png');
    await page.keyboard.press('u');
    await page.waitForSelector('body[data-confidence-overlay=on]');
    await page.waitForTimeout(500);
    const on = await magentaPixels('04-confidence-on.png');
    expect(await page.isChecked('#confidence-toggle')).toBe(true);
    expect(await axialSlice()).toBe(queue.slices[0].sliceNumber); // adding the overlay moves no viewport
    await page.screenshot({ path: join(shots, '05-confidence-on-app.png') });
    await page.keyboard.press('u');
    await page.waitForSelector('body[data-confidence-overlay=off]');
    await page.waitForTimeout(500);
    const off = await magentaPixels('06-confidence-off-again.png');
    console.log(`review e2e: magenta pixels in the axial view: before ${before}, overlay on ${on}, off again ${off}; queue ${queue.total} slices, rank 1 = slice ${queue.slices[0].sliceNumber} (${queue.slices[0].uncertainMl.toFixed(3)} mL uncertain)`);
    expect(on).toBeGreaterThan(before + 50);
    expect(off).toBeLessThanOrEqual(before + 10);
  });

  it('the export records the reviewed slices in measurements.json and the DICOM SEG', async () => {
    const outDir = join(work, 'export');
    host.answerDialog(outDir);
    await page.click('#choose-export-dir');
    await page.waitForFunction((d) => (document.querySelector('#export-dir') as HTMLInputElement).value === d, outDir, { timeout: 10_000 });
    await page.check('input[name=fmt][value=json]');
    await page.check('input[name=fmt][value=pdf]');
    await page.click('#export');
    await waitStatus(/Exported \d+ files/, 120_000);
    const doc = measurementsDocumentSchema.parse(JSON.parse(await readFile(join(outDir, 'measurements.json'), 'utf8')));
    expect(doc.review).toMatchObject({
      slicesRanked: queue.total,
      slicesReviewed: 3,
      rankedSliceNumbers: queue.slices.map((s) => s.sliceNumber),
      reviewedSliceNumbers: [...marked].sort((a, b) => a - b),
      maskEdited: false,
    });
    const bytes = await readFile(join(outDir, 'seg.dcm'));
    const ds = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const seg = dcmjs.data.DicomMetaDictionary.naturalizeDataset(ds.dict) as { ContentDescription: string; ImageComments: string };
    expect(seg.ContentDescription).toBe(`Lung/COVID-19 infection; reviewed 3 of ${queue.total} slices, not edited`);
    expect(seg.ImageComments).toContain(`Reviewed slices: ${[...marked].sort((a, b) => a - b).join(', ')}.`);
    if (!missing(hasCommand('dciodvfy'), 'dciodvfy (dicom3tools)')) expect(dciodvfy(join(outDir, 'seg.dcm')).filter((l) => l.startsWith('Error'))).toEqual([]);
    const pdf = pdfShownText(await readFile(join(outDir, 'report.pdf')));
    expect(pdf).toContain(`Review: 3 of ${queue.total} slices ranked by the model's uncertainty marked reviewed by a person: slices ${[...marked].sort((a, b) => a - b).join(', ')}.`);
    await page.screenshot({ path: join(shots, '07-exported.png') });
  }, 180_000);

  it('the marks survive a reload: restoring the autosave brings them back', async () => {
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    host.answerDialog(studyDir);
    await page.click('#choose-folder');
    const dialog = page.locator('dialog.unsaved-work');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    await page.screenshot({ path: join(shots, '08-restore-offered.png') });
    await page.click('dialog.unsaved-work button[data-choice="restore"]');
    await waitStatus(/Restored \d+ autosaved edit/, 60_000);
    await page.click('#review-start');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#review-panel')?.dataset.reviewed === '3', null, { timeout: 20_000 });
    expect(await page.textContent('#review-progress')).toMatch(new RegExp(`^3 / ${queue.total} reviewed`));
    expect(await page.$$eval('#review-list li.reviewed', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.slice)))).toEqual(marked);
    // The review goes on at the first slice not yet reviewed: rank 4.
    await expectAt(4);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, '09-restored-review.png') });
  }, 180_000);

  it('raised no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
