import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestHost, type TestHost } from '../host/startTestHost.ts';
import { testOutputDir } from '../fixtures/sharedData.ts';
import { buildRendererIfStale, chromiumAvailable, elementPixels, launchChromium, CHROMIUM_PATH } from './chromium.ts';
import { writeE2eStudy } from './e2eStudy.ts';

/**
 * Issue 15 point 5's click tools in the app (Chromium + the test host's real engine and model), on
 * the e2e study (128² × 24, 2.81 mm pixels, 5 mm slices): the model labels the -450 HU ground-glass
 * ball of the right lung (image left) and misses the +30 HU consolidation of the left lung. Delete
 * lesion removes the whole ball on every slice in one click (undo brings it back); Grow labels the
 * consolidation from a click within its HU range and the radius; Assist re-runs the model in a box
 * drawn over the deleted ball and adds labels only inside the box, as one undo step.
 */
const shots = testOutputDir('e2e-correction-tools');
const skip = !chromiumAvailable();
const SIZE = 128;
const SLICES = 24;
/** Lesion centres of writeE2eStudy(128, 24), voxel (i, j). */
const GGO = { i: Math.round(0.31 * SIZE), j: Math.round(0.48 * SIZE) };
const CONS = { i: Math.round(0.7 * SIZE), j: Math.round(0.55 * SIZE) };

describe.skipIf(skip)(`correction tools in ${CHROMIUM_PATH}`, () => {
  let work: string;
  let host: TestHost;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let ct: Int16Array;
  let spacing: [number, number, number];
  /** Axial slice shown (k) and the page position of voxel (i, j) on it (from the viewport's voxel read-out). */
  let k0 = -1;
  let toPage: (i: number, j: number) => { x: number; y: number };
  const pageErrors: string[] = [];

  const handle = () => page.evaluate(() => document.body.dataset.volumeHandle ?? '');
  const status = () => page.evaluate(() => document.querySelector('#status')?.textContent ?? '');
  const clearStatus = () => page.evaluate(() => void (document.querySelector('#status')!.textContent = ''));
  const waitStatus = (re: RegExp, timeout = 60_000) => page.waitForFunction((src) => new RegExp(src).test(document.querySelector('#status')?.textContent ?? ''), re.source, { timeout });
  const idx = (i: number, j: number, k: number) => i + SIZE * (j + SIZE * k);
  const ijkOf = (v: number) => [v % SIZE, Math.floor(v / SIZE) % SIZE, Math.floor(v / (SIZE * SIZE))] as const;
  async function infection(): Promise<Uint8Array> {
    const res = await fetch(`${host.url}binary/infection/${await handle()}`);
    expect(res.status).toBe(200);
    return new Uint8Array(await res.arrayBuffer());
  }
  const changed = (a: Uint8Array, b: Uint8Array) => [...a.keys()].filter((v) => a[v] !== b[v]);
  const total = async () => Number((await page.textContent('#meas-total'))?.replace(/[^0-9.]/g, ''));
  /** The voxel (i, j, k) the axial read-out shows at a page position. */
  async function voxelAt(x: number, y: number): Promise<[number, number, number]> {
    await page.mouse.move(x, y);
    await page.waitForTimeout(150); // the read-out follows the pointer on the next move event
    await page.waitForFunction(() => /\(\d+, \d+, \d+\)/.test(document.querySelector('#hu-axial')?.textContent ?? ''), null, { timeout: 10_000 });
    const m = /\((\d+), (\d+), (\d+)\)/.exec((await page.textContent('#hu-axial')) ?? '')!;
    return [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  /** The page position over voxel (i, j) of the shown slice: the calibrated guess, corrected by the read-out. */
  async function pointOver(i: number, j: number): Promise<{ x: number; y: number }> {
    let p = toPage(i, j);
    for (let n = 0; n < 6; n++) {
      const [vi, vj] = await voxelAt(p.x, p.y);
      if (vi === i && vj === j) return p;
      const q = toPage(i + (i - vi), j + (j - vj));
      const o = toPage(i, j);
      p = { x: p.x + (q.x - o.x), y: p.y + (q.y - o.y) };
    }
    throw new Error(`no page position shows voxel (${i}, ${j})`);
  }
  async function key(k: string): Promise<void> {
    await page.locator('#vp-axial').hover();
    await page.keyboard.press(k);
  }

  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'opal-corrections-e2e-')));
    const studyDir = join(work, 'study');
    await writeE2eStudy(studyDir, SIZE, SLICES);
    await mkdir(shots, { recursive: true });
    host = await startTestHost({ rendererDir: await buildRendererIfStale(), appDataDir: join(work, 'appdata'), dialogAnswers: [studyDir] });
    chrome = await launchChromium();
    page = await chrome.browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.url);
    await page.waitForSelector('body[data-ready=true]');
    await page.click('#choose-folder');
    await page.waitForFunction((n) => new RegExp(`/ ${n}\\b`).test(document.querySelector('#slice-axial')?.textContent ?? ''), SLICES, { timeout: 60_000 });
    const ctRes = await fetch(`${host.url}binary/ct/${await handle()}`);
    ct = new Int16Array(await ctRes.arrayBuffer());
    spacing = host.session.volumes.get(await handle()).volume.spacingMm as [number, number, number];
    // Calibrate page position -> voxel from the read-out at two points (the image is fitted, not 1:1).
    const box = (await page.locator('#vp-axial').boundingBox())!;
    const p1 = { x: box.x + box.width * 0.35, y: box.y + box.height * 0.35 };
    const p2 = { x: box.x + box.width * 0.65, y: box.y + box.height * 0.65 };
    const v1 = await voxelAt(p1.x, p1.y);
    const v2 = await voxelAt(p2.x, p2.y);
    k0 = v1[2];
    const sx = (p2.x - p1.x) / (v2[0] - v1[0]);
    const sy = (p2.y - p1.y) / (v2[1] - v1[1]);
    toPage = (i, j) => ({ x: p1.x + (i - v1[0]) * sx, y: p1.y + (j - v1[1]) * sy });
    // Segment with the real model.
    await page.click('#segment');
    await waitStatus(/Segmented in/, 240_000);
  }, 360_000);

  afterAll(async () => {
    await chrome?.close();
    await host?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('deletes the whole 3-D ground-glass lesion in one click; the numbers drop; Ctrl+Z brings it back', async () => {
    // The shown slice crosses both lesions (slices 8-16), and the click lands on the model's lesion.
    expect(k0).toBeGreaterThanOrEqual(8);
    expect(k0).toBeLessThanOrEqual(15);
    const { x, y } = await pointOver(GGO.i, GGO.j);
    expect(await voxelAt(x, y)).toEqual([GGO.i, GGO.j, k0]);
    const before = await infection();
    expect(before[idx(GGO.i, GGO.j, k0)]).toBe(1);
    const totalBefore = await total();
    await page.screenshot({ path: join(shots, '01-segmented.png') });

    await page.click('#tool-delete-lesion');
    expect(await page.getAttribute('#tool-delete-lesion', 'class')).toMatch(/active/);
    await clearStatus();
    await page.mouse.click(x, y);
    await waitStatus(/^Lesion deleted|Stopped/);
    expect(await status()).toMatch(/^Lesion deleted: [0-9.]+ mL ground-glass \((\d+) voxels, slices \d+–\d+\)/);
    const after = await infection();
    const gone = changed(before, after);
    expect(gone.length).toBe(Number(/\((\d+) voxels/.exec(await status())![1]));
    expect(gone.every((v) => after[v] === 0)).toBe(true);
    // Every slice the lesion spanned: nothing of it is left (no infection within 10 voxels of its centre).
    const slices = new Set(gone.map((v) => ijkOf(v)[2]));
    expect(slices.size).toBeGreaterThanOrEqual(5);
    for (const k of slices) {
      for (let j = GGO.j - 10; j <= GGO.j + 10; j++) for (let i = GGO.i - 10; i <= GGO.i + 10; i++) expect(after[idx(i, j, k)], `voxel ${i},${j},${k}`).toBe(0);
    }
    // The numbers drop by the lesion's volume.
    const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
    await page.waitForFunction((t) => Number(document.querySelector('#meas-total')?.textContent?.replace(/[^0-9.]/g, '')) < t, totalBefore, { timeout: 10_000 });
    expect(await total()).toBeCloseTo(totalBefore - gone.length * voxelMl, 0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, '02-lesion-deleted.png') });

    // One undo step brings the whole lesion back, exactly.
    await clearStatus();
    await key('Control+z');
    await waitStatus(/undone/);
    expect(Buffer.compare(Buffer.from(await infection()), Buffer.from(before))).toBe(0);
    expect(await total()).toBeCloseTo(totalBefore, 1);
    // A click on background deletes nothing.
    const bg = toPage(GGO.i, 10);
    await clearStatus();
    await page.mouse.click(bg.x, bg.y);
    await waitStatus(/No lesion under the click/);
    expect(pageErrors).toEqual([]);
  });

  it('grows consolidation from a click over voxels inside its HU range and the radius', async () => {
    await page.selectOption('#brush-label', '2');
    await page.fill('#grow-radius', '15');
    await page.click('#tool-grow');
    const before = await infection();
    expect(before[idx(CONS.i, CONS.j, k0)]).toBe(0); // the model missed it
    const { x, y } = await pointOver(CONS.i, CONS.j);
    const seed = await voxelAt(x, y);
    expect(seed).toEqual([CONS.i, CONS.j, k0]);
    expect(ct[idx(...seed)]).toBe(30);
    await clearStatus();
    await page.mouse.click(x, y);
    await waitStatus(/^Grew|^Nothing grown|Stopped/);
    expect(await status()).toMatch(/^Grew consolidation -300…150 HU within 15 mm: [0-9.]+ mL added \(\d+ voxels\)/);
    const after = await infection();
    const grown = changed(before, after);
    expect(grown.length).toBeGreaterThan(50);
    for (const v of grown) {
      const [i, j, k] = ijkOf(v);
      expect(after[v]).toBe(2);
      expect(ct[v]).toBeGreaterThanOrEqual(-300);
      expect(ct[v]).toBeLessThanOrEqual(150);
      expect(Math.hypot((i - seed[0]) * spacing[0], (j - seed[1]) * spacing[1], (k - seed[2]) * spacing[2])).toBeLessThanOrEqual(15);
    }
    // It is the consolidation (30 HU), reached on the slices above and below the click.
    expect(grown.every((v) => ct[v] === 30)).toBe(true);
    expect(new Set(grown.map((v) => ijkOf(v)[2])).size).toBeGreaterThanOrEqual(3);
    await page.waitForFunction(() => Number(document.querySelector('#meas-cons')?.textContent) > 0, null, { timeout: 10_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, '03-grown.png') });
    // A click on aerated lung grows nothing and says why.
    const air = toPage(CONS.i, CONS.j - 12);
    await clearStatus();
    await page.mouse.click(air.x, air.y);
    await waitStatus(/Nothing grown/);
    expect(await status()).toMatch(/-8\d\d HU, outside the consolidation range -300…150 HU/);
  });

  it('assisted correction re-runs the model in a box over a missed lesion and adds labels only inside it, as one undo step', async () => {
    await page.selectOption('#brush-label', '1');
    // Make the ground-glass lesion "missed": delete it.
    await page.click('#tool-delete-lesion');
    const c = await pointOver(GGO.i, GGO.j);
    await clearStatus();
    await page.mouse.click(c.x, c.y);
    await waitStatus(/^Lesion deleted/);
    const before = await infection();
    expect(before[idx(GGO.i, GGO.j, k0)]).toBe(0);
    const totalBefore = await total();

    await page.click('#tool-assist');
    const a = toPage(GGO.i - 10, GGO.j - 10);
    const b = toPage(GGO.i + 10, GGO.j + 10);
    const boxBefore = await page.locator('#vp-axial').boundingBox();
    await clearStatus();
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    for (let s = 1; s <= 5; s++) await page.mouse.move(a.x + ((b.x - a.x) * s) / 5, a.y + ((b.y - a.y) * s) / 5);
    // The dashed box while dragging.
    expect(await page.locator('#vp-axial .correction-box').count()).toBe(1);
    await page.screenshot({ path: join(shots, '04-assist-box.png') });
    await page.mouse.up();
    await waitStatus(/^Assisted correction (added|found)|Stopped/, 120_000);
    // The drag (drawn at the fast-scroll resolution) left the image where it was: the same page
    // position still shows the lesion's centre voxel.
    expect(await voxelAt(c.x, c.y)).toEqual([GGO.i, GGO.j, k0]);
    const text = await status();
    // A long status line does not move the viewports (positions calibrated before stay true).
    expect(await page.locator('#vp-axial').boundingBox()).toEqual(boxBefore);
    expect(text).toMatch(/^Assisted correction added [0-9.]+ mL \(\d+ voxels\) in the box \d+–\d+ × \d+–\d+ × \d+–\d+ by the model on \d+ slices\./);
    const m = /box (\d+)–(\d+) × (\d+)–(\d+) × (\d+)–(\d+)/.exec(text)!.slice(1).map(Number);
    expect(m[0]).toBe(GGO.i - 10);
    expect(m[1]).toBe(GGO.i + 10);
    const after = await infection();
    const added = changed(before, after);
    expect(added.length).toBe(Number(/\((\d+) voxels\)/.exec(text)![1]));
    expect(added.length).toBeGreaterThan(100);
    for (const v of added) {
      const [i, j, k] = ijkOf(v);
      expect(before[v]).toBe(0);
      expect(i >= m[0] && i <= m[1] && j >= m[2] && j <= m[3] && k >= m[4] && k <= m[5], `voxel ${i},${j},${k} outside the box`).toBe(true);
    }
    // The model found the ball again: its centre is labelled and the numbers rose by what was added.
    expect(after[idx(GGO.i, GGO.j, k0)]).not.toBe(0);
    const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
    await page.waitForFunction((t) => Number(document.querySelector('#meas-total')?.textContent?.replace(/[^0-9.]/g, '')) > t, totalBefore, { timeout: 10_000 });
    expect(await total()).toBeCloseTo(totalBefore + added.length * voxelMl, 0);
    await page.waitForTimeout(300);
    await elementPixels(page.locator('#vp-axial'), join(shots, '05-assisted-axial.png'));
    await page.screenshot({ path: join(shots, '06-assisted.png') });

    // One undo step takes all of it away (and only it).
    await clearStatus();
    await key('Control+z');
    await waitStatus(/undone/);
    expect(Buffer.compare(Buffer.from(await infection()), Buffer.from(before))).toBe(0);

    // A plain click (no drag) makes a ±15 mm cube around the voxel clicked: 5 voxels in-plane, 3 slices up and down.
    await clearStatus();
    await page.mouse.click(c.x, c.y);
    await waitStatus(/^Assisted correction (added|found)|Stopped/, 120_000);
    const clickText = await status();
    expect(clickText).toMatch(/by the model on 7 slices\./);
    const cube = /box (\d+)–(\d+) × (\d+)–(\d+) × (\d+)–(\d+)/.exec(clickText)!.slice(1).map(Number);
    expect(cube).toEqual([GGO.i - 5, GGO.i + 5, GGO.j - 5, GGO.j + 5, k0 - 3, k0 + 3]);
    const clicked = await infection();
    const addedByClick = changed(before, clicked);
    expect(addedByClick.length).toBeGreaterThan(50);
    for (const v of addedByClick) {
      const [i, j, k] = ijkOf(v);
      expect(i >= cube[0] && i <= cube[1] && j >= cube[2] && j <= cube[3] && k >= cube[4] && k <= cube[5], `voxel ${i},${j},${k} outside the cube`).toBe(true);
    }
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, '07-assisted-click.png') });
    await page.click('#tool-navigate');
    expect(pageErrors).toEqual([]);
  });
});
