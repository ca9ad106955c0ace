import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestHost, type TestHost } from '../host/startTestHost.ts';
import { testOutputDir } from '../fixtures/sharedData.ts';
import { buildRendererIfStale, chromiumAvailable, elementPixels, launchChromium, CHROMIUM_PATH } from './chromium.ts';
import { writeE2eStudy } from './e2eStudy.ts';
import { connectedComponents3d } from '../../electron/common/lung/connectedComponents3d.ts';

/**
 * The desktop app's renderer in real Chromium (headless, software WebGL) against the test host,
 * which runs the real engine services (DESIGN.md §2). One study, one page, steps in order.
 */
const shots = testOutputDir('e2e');
const noChromium = !chromiumAvailable();

describe.skipIf(noChromium)(`app e2e in ${CHROMIUM_PATH}${noChromium ? ' (skipped: Chromium not installed)' : ''}`, () => {
  let work: string;
  let host: TestHost;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let studyDir: string;
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];

  async function labelmap(kind: 'infection' | 'lungs'): Promise<Uint8Array | null> {
    const handle = await page.evaluate(() => document.body.dataset.volumeHandle ?? '');
    const res = await fetch(`${host.url}binary/${kind}/${handle}`);
    if (res.status === 409) return null;
    expect(res.status).toBe(200);
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Empties the status line, so that a wait for a message sees only what comes after. */
  const clearStatus = () => page.evaluate(() => void (document.querySelector('#status')!.textContent = ''));
  /** Waits until the engine has saved the stroke just painted. */
  const strokeSaved = () => page.waitForFunction(() => /Stroke of \d+ voxels saved/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 20_000 });
  /** Drags the left button along one row of the axial viewport, x0 → x1 in `steps` moves (fractions of its box). */
  async function dragAcrossAxial(x0: number, x1: number, yFraction: number, steps: number): Promise<void> {
    const box = (await page.locator('#vp-axial').boundingBox())!;
    const y = box.y + box.height * yFraction;
    await page.mouse.move(box.x + box.width * x0, y);
    await page.mouse.down();
    for (let i = 1; i <= steps; i++) await page.mouse.move(box.x + box.width * (x0 + ((x1 - x0) * i) / steps), y);
    await page.mouse.up();
  }
  /** Ctrl+Z, then waits until the engine has undone the last edit. */
  async function undoLastEdit(): Promise<void> {
    await clearStatus();
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Stroke undone.', null, { timeout: 20_000 });
  }

  beforeAll(async () => {
    await buildRendererIfStale();
    work = await mkdtemp(join(tmpdir(), 'opal-e2e-'));
    studyDir = join(work, 'study');
    await writeE2eStudy(studyDir, 256, 48);
    await mkdir(shots, { recursive: true });
    // The folder dialog answers with the study (chooseFolder); the page names no folder itself.
    host = await startTestHost({ rendererDir: await buildRendererIfStale(), appDataDir: join(work, 'appdata'), dialogAnswers: [studyDir] });
    chrome = await launchChromium();
    page = await chrome.browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|'script-src'|'style-src'/.test(m.text())) cspViolations.push(m.text());
    });
    // The console text of a violation varies by kind; the DOM event names every one.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const w = window as unknown as { __cspViolations?: string[] };
        (w.__cspViolations ??= []).push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    await page.goto(host.url);
    await page.waitForSelector('body[data-ready=true]');
  });

  afterAll(async () => {
    await chrome?.close();
    await host?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('serves the page with the CSP and shows the investigational notice', async () => {
    const res = await fetch(host.url);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    await expect(page.textContent('#notice')).resolves.toMatch(/Investigational software, not a medical device/);
  });

  it('opens the study and renders three non-blank viewports', async () => {
    await page.click('#choose-folder');
    await page.waitForFunction(() => /Slice \d+ \/ 48/.test(document.querySelector('#slice-axial')?.textContent ?? ''), null, { timeout: 60_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, '01-opened.png') });
    for (const plane of ['axial', 'sagittal', 'coronal']) {
      const px = await elementPixels(page.locator(`#vp-${plane}`));
      // A rendered CT in the lung window: many grey levels, most of the canvas not black.
      expect(px.distinctLevels, plane).toBeGreaterThan(20);
      expect(px.nonBlackShare, plane).toBeGreaterThan(0.3);
    }
    expect(await page.textContent('#series-list')).toContain('256×256×48');
  });

  it('scrolling the axial viewport changes the slice', async () => {
    const before = await page.textContent('#slice-axial');
    const box = (await page.locator('#vp-axial').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 400);
    await page.waitForFunction((b) => document.querySelector('#slice-axial')?.textContent !== b, before, { timeout: 10_000 });
    const after = await page.textContent('#slice-axial');
    expect(after).not.toBe(before);
    expect(await page.textContent('#hu-axial')).toMatch(/-?\d+ HU/);
    await page.screenshot({ path: join(shots, '02-scrolled.png') });
  });

  it('fast scroll: half resolution while scrolling, same voxel under the cursor, full resolution once still', async () => {
    // Headless Chromium renders WebGL with SwiftShader, so fast scroll is on by default here.
    expect(await page.evaluate(() => document.body.dataset.softwareRendering)).toBe('true');
    expect(await page.isChecked('#fast-scroll')).toBe(true);
    const canvasWidth = () => page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#vp-axial canvas')!;
      return { width: c.width, css: c.clientWidth };
    });
    const ijAt = async (x: number, y: number) => {
      await page.mouse.move(x + 3, y);
      await page.mouse.move(x, y);
      const m = /\((\d+), (\d+), (\d+)\)/.exec((await page.textContent('#hu-axial')) ?? '');
      expect(m, 'HU read-out under the cursor').not.toBeNull();
      return [Number(m![1]), Number(m![2])];
    };
    const stillAtFullResolution = () => page.waitForFunction(() => {
      const c = document.querySelector<HTMLCanvasElement>('#vp-axial canvas')!;
      return c.width === c.clientWidth;
    }, null, { timeout: 5_000 });
    const box = (await page.locator('#vp-axial').boundingBox())!;
    const [x, y] = [box.x + box.width * 0.37, box.y + box.height * 0.61];
    await stillAtFullResolution(); // the previous step's scroll settles first
    const full = await canvasWidth();
    expect(full.width).toBe(full.css);
    const ijFull = await ijAt(x, y);

    const before = await page.textContent('#slice-axial');
    await page.mouse.wheel(0, 100);
    await page.waitForFunction((b) => document.querySelector('#slice-axial')?.textContent !== b, before, { timeout: 10_000 });
    const moving = await canvasWidth();
    expect(moving.width).toBeLessThanOrEqual(Math.ceil(full.css * 0.5) + 1);
    // The canvas has fewer pixels but picks the same voxel column under the same point.
    expect(await ijAt(x, y)).toEqual(ijFull);
    await page.screenshot({ path: join(shots, '02b-fast-scroll-moving.png') });

    await stillAtFullResolution();
    const px = await elementPixels(page.locator('#vp-axial'));
    expect(px.distinctLevels).toBeGreaterThan(20);
    expect(await ijAt(x, y)).toEqual(ijFull);

    // Off: scrolling keeps full resolution.
    await page.uncheck('#fast-scroll');
    await page.mouse.move(x, y); // unchecking moved the pointer to the toolbar
    const before2 = await page.textContent('#slice-axial');
    await page.mouse.wheel(0, -100);
    await page.waitForFunction((b) => document.querySelector('#slice-axial')?.textContent !== b, before2, { timeout: 10_000 });
    expect((await canvasWidth()).width).toBe(full.css);
    await page.check('#fast-scroll');
  });

  it('paints a brush stroke and undo restores the labelmap exactly', async () => {
    const n = 256 * 256 * 48;
    const original = (await labelmap('infection')) ?? new Uint8Array(n);
    const baseline = await elementPixels(page.locator('#vp-axial'));
    await page.click('#tool-brush');
    await dragAcrossAxial(0.3, 0.6, 0.45, 10);
    await strokeSaved();
    const painted = await labelmap('infection');
    expect(painted).not.toBeNull();
    let changed = 0;
    for (let i = 0; i < n; i++) if (painted![i] !== original[i]) changed++;
    const reported = Number(/Stroke of (\d+)/.exec((await page.textContent('#status')) ?? '')![1]);
    expect(changed).toBe(reported);
    expect(changed).toBeGreaterThan(50);
    const overlay = await elementPixels(page.locator('#vp-axial'), join(shots, '03-painted.png'));
    // The overlay adds coloured pixels to the grey CT (the crosshair lines are coloured in both).
    expect(overlay.colouredPixels).toBeGreaterThan(baseline.colouredPixels + 300);

    await page.click('#tool-navigate');
    await undoLastEdit();
    const undone = await labelmap('infection');
    expect(Buffer.compare(Buffer.from(undone!), Buffer.from(original))).toBe(0);
    const after = await elementPixels(page.locator('#vp-axial'), join(shots, '04-undone.png'));
    expect(Math.abs(after.colouredPixels - baseline.colouredPixels)).toBeLessThan(50);
  });

  it('HU-threshold brush: a stroke across lung and lesion paints only the lesion voxels in the range', async () => {
    const n = 256 * 256 * 48;
    const handle = await page.evaluate(() => document.body.dataset.volumeHandle ?? '');
    const ct = new Int16Array(await (await fetch(`${host.url}binary/ct/${handle}`)).arrayBuffer());
    expect(ct.length).toBe(n);
    const original = (await labelmap('infection')) ?? new Uint8Array(n);
    // The study's right lung (-860 HU) holds a -450 HU lesion near (0.33, 0.48) of the viewport.
    const stroke = async () => {
      await clearStatus();
      await dragAcrossAxial(0.22, 0.46, 0.48, 12);
      await strokeSaved();
      return (await labelmap('infection'))!;
    };
    const changedVoxels = (a: Uint8Array, b: Uint8Array) => [...a.keys()].filter((i) => a[i] !== b[i]);

    await page.click('#tool-brush');
    await page.check('#hu-limit');
    expect(await page.inputValue('#hu-min')).toBe('-750');
    expect(await page.inputValue('#hu-max')).toBe('-300');
    const limited = changedVoxels(await stroke(), original);
    expect(limited.length).toBeGreaterThan(20);
    for (const i of limited) {
      expect(ct[i], `voxel ${i}`).toBeGreaterThanOrEqual(-750);
      expect(ct[i], `voxel ${i}`).toBeLessThanOrEqual(-300);
    }
    await page.screenshot({ path: join(shots, '04b-hu-threshold-stroke.png') });
    await undoLastEdit();

    // The same stroke without the limit also paints the lung around the lesion.
    await page.uncheck('#hu-limit');
    const unlimited = changedVoxels(await stroke(), original);
    expect(unlimited.length).toBeGreaterThan(limited.length + 20);
    expect(unlimited.some((i) => ct[i] === -860)).toBe(true);
    await undoLastEdit();
    expect(Buffer.compare(Buffer.from((await labelmap('infection')) ?? new Uint8Array(n)), Buffer.from(original))).toBe(0);
    await page.click('#tool-navigate');
  });

  it('interpolates the slices between two painted slices, in one undoable step', async () => {
    const original = (await labelmap('infection')) ?? new Uint8Array(256 * 256 * 48);
    const box = (await page.locator('#vp-axial').boundingBox())!;
    // The voxel k of the shown slice, from the read-out under the cursor (the slice label counts along the view direction).
    const sliceNo = async () => {
      await page.mouse.move(box.x + box.width * 0.5 + 2, box.y + box.height * 0.5);
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
      return Number(/\(\d+, \d+, (\d+)\)/.exec((await page.textContent('#hu-axial')) ?? '')![1]);
    };
    const paint = async (x0: number, x1: number) => {
      await clearStatus();
      await dragAcrossAxial(x0, x1, 0.62, 8);
      await strokeSaved();
    };
    await page.click('#tool-brush');
    const k0 = await sliceNo();
    await paint(0.6, 0.66); // a short band in the left lung
    for (let i = 0; i < 3; i++) {
      const before = await page.textContent('#slice-axial');
      await page.mouse.wheel(0, 100);
      await page.waitForFunction((b) => document.querySelector('#slice-axial')?.textContent !== b, before, { timeout: 10_000 });
    }
    const k1 = await sliceNo();
    expect(Math.abs(k1 - k0)).toBe(3);
    await paint(0.6, 0.72); // a longer band three slices away
    await page.click('#tool-navigate');
    const painted = (await labelmap('infection'))!;
    const countIn = (m: Uint8Array, k: number) => m.subarray(k * 65536, (k + 1) * 65536).reduce((a, v) => a + (v ? 1 : 0), 0);
    const between = [Math.min(k0, k1) + 1, Math.min(k0, k1) + 2];
    for (const k of between) expect(countIn(painted, k)).toBe(0);

    await page.fill('#max-gap', '5');
    await page.click('#interpolate');
    await page.waitForFunction(() => /Interpolated 1 gap/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 30_000 });
    const filled = (await labelmap('infection'))!;
    // The in-between slices get a band whose size lies between the two painted ones.
    const [a0, a1] = [countIn(painted, k0), countIn(painted, k1)];
    const nearK0 = countIn(filled, k0 < k1 ? k0 + 1 : k0 - 1);
    expect(nearK0).toBeGreaterThan(0.8 * Math.min(a0, a1));
    expect(nearK0).toBeLessThan(1.2 * Math.max(a0, a1));
    for (const k of [k0, k1]) expect(countIn(filled, k)).toBe(countIn(painted, k));
    await page.screenshot({ path: join(shots, '04c-interpolated.png') });

    // Undo the interpolation and both strokes: back to where the test started.
    for (let i = 0; i < 3; i++) {
      await undoLastEdit();
    }
    expect(Buffer.compare(Buffer.from((await labelmap('infection')) ?? new Uint8Array(256 * 256 * 48)), Buffer.from(original))).toBe(0);
  });

  it('runs the model: lung and infection overlays appear and the measurements are shown', async () => {
    // The execution-provider setting (About panel) is kept by main and used by this run.
    await page.selectOption('#ep-setting', 'cpu');
    await page.waitForFunction(() => /applies from the next segmentation/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 10_000 });
    expect(await host.session.getSettings()).toEqual({ executionProvider: 'cpu' });
    const before = await elementPixels(page.locator('#vp-axial'));
    await page.click('#segment');
    await page.waitForFunction(() => /Segmented in/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 180_000 });
    const lungs = await labelmap('lungs');
    expect(lungs).not.toBeNull();
    let lungVoxels = 0;
    for (const v of lungs!) if (v !== 0) lungVoxels++;
    expect(lungVoxels).toBeGreaterThan(1000);
    const after = await elementPixels(page.locator('#vp-axial'), join(shots, '05-segmented.png'));
    // The lung (and any infection) overlay adds coloured pixels over the grey CT.
    expect(after.colouredPixels).toBeGreaterThan(before.colouredPixels + 300);
    expect(await page.textContent('#measurements')).toMatch(/mL/);
    expect(await page.textContent('#status')).toMatch(/ on cpu\./);
  });

  it('the Lungs checkbox shows and hides both lungs', async () => {
    // Hidden by default: no lung tint anywhere.
    expect(await page.isChecked('#visible-lungs')).toBe(false);
    const hidden = await elementPixels(page.locator('#vp-axial'));
    expect(hidden.lungTintPixels).toBeLessThan(50);
    await page.check('#visible-lungs');
    await page.waitForTimeout(300);
    const shown = await elementPixels(page.locator('#vp-axial'), join(shots, '05b-lungs-shown.png'));
    expect(shown.lungTintPixels).toBeGreaterThan(2000);
    // Both lungs are tinted: right lung on the image's left half, left lung on its right half.
    const half = shown.width / 2;
    let leftHalf = 0;
    let rightHalf = 0;
    const d = shown.png.data;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 1] - d[i] > 10 && d[i + 2] - d[i] > 10) {
        if ((i / 4) % shown.width < half) leftHalf++;
        else rightHalf++;
      }
    }
    expect(leftHalf).toBeGreaterThan(500);
    expect(rightHalf).toBeGreaterThan(500);
    await page.uncheck('#visible-lungs');
    await page.waitForTimeout(300);
    const hiddenAgain = await elementPixels(page.locator('#vp-axial'), join(shots, '05c-lungs-hidden.png'));
    expect(hiddenAgain.lungTintPixels).toBeLessThan(50);
  });

  it('a stroke after segmentation updates the measurements', async () => {
    const before = await page.textContent('#measurements');
    await page.click('#tool-brush');
    // Inside the left lung (image right) of the axial slice, away from the lesion.
    await dragAcrossAxial(0.62, 0.68, 0.62, 6);
    await page.waitForFunction((b) => document.querySelector('#measurements')?.textContent !== b, before, { timeout: 20_000 });
    await page.click('#tool-navigate');
    expect(await page.textContent('#measurements')).not.toBe(before);
    await page.screenshot({ path: join(shots, '05d-edited-measurements.png') });
  });

  it('removes islands below the chosen volume in one undoable step', async () => {
    const n = 256 * 256 * 48;
    const dims: [number, number, number] = [256, 256, 48];
    const original = (await labelmap('infection'))!;
    // One dab (5 mm brush, 1.41 x 1.41 x 5 mm voxels: ~0.4 mL) in the soft tissue below the lungs.
    await page.click('#tool-brush');
    const box = (await page.locator('#vp-axial').boundingBox())!;
    await clearStatus();
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.76);
    await strokeSaved();
    await page.click('#tool-navigate');
    const withDab = (await labelmap('infection'))!;
    const dab = [...withDab.keys()].filter((i) => withDab[i] !== original[i]);
    expect(dab.length).toBeGreaterThan(10);

    const before = await page.textContent('#measurements');
    await page.fill('#island-ml', '1');
    await page.click('#remove-islands');
    await page.waitForFunction(() => /Removed \d+ islands? under 1 mL/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 30_000 });
    const cleaned = (await labelmap('infection'))!;
    expect(dab.every((i) => cleaned[i] === 0)).toBe(true);
    // What remains is only islands of at least 1 mL, and nothing was added.
    const cc = connectedComponents3d(cleaned, dims, 26);
    const voxelMl = (1.40625 * 1.40625 * 5) / 1000;
    for (let id = 1; id <= cc.count; id++) expect(cc.sizes[id] * voxelMl).toBeGreaterThanOrEqual(1 - 1e-3);
    for (let i = 0; i < n; i++) if (cleaned[i]) expect(cleaned[i]).toBe(withDab[i]);
    expect(await page.textContent('#measurements')).not.toBe(before);
    await page.screenshot({ path: join(shots, '05e-islands-removed.png') });

    await undoLastEdit();
    expect(Buffer.compare(Buffer.from((await labelmap('infection'))!), Buffer.from(withDab))).toBe(0);
  });

  it('fills the hole of a painted ring in one undoable step', async () => {
    const original = (await labelmap('infection'))!;
    const box = (await page.locator('#vp-axial').boundingBox())!;
    // Soft tissue between the lungs, above the spine: no infection there.
    const [cx, cy, r] = [box.x + box.width * 0.5, box.y + box.height * 0.3, 26];
    await page.mouse.move(cx, cy);
    const m = /\((\d+), (\d+), (\d+)\)/.exec((await page.textContent('#hu-axial')) ?? '')!;
    const centre = Number(m[1]) + 256 * (Number(m[2]) + 256 * Number(m[3]));
    expect(original[centre]).toBe(0);
    await page.click('#tool-brush');
    await clearStatus();
    await page.mouse.move(cx + r, cy);
    await page.mouse.down();
    for (let a = 1; a <= 40; a++) await page.mouse.move(cx + r * Math.cos((a / 40) * 2 * Math.PI), cy + r * Math.sin((a / 40) * 2 * Math.PI));
    await page.mouse.up();
    await strokeSaved();
    await page.click('#tool-navigate');
    const ring = (await labelmap('infection'))!;
    expect(ring[centre]).toBe(0);

    await page.click('#fill-holes');
    await page.waitForFunction(() => /Filled \d+ holes?/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 30_000 });
    const filled = (await labelmap('infection'))!;
    expect(filled[centre]).toBe(1);
    // Only holes were filled: every voxel labelled before keeps its label.
    for (let i = 0; i < filled.length; i++) if (ring[i]) expect(filled[i]).toBe(ring[i]);
    await page.screenshot({ path: join(shots, '05f-holes-filled.png') });
    await undoLastEdit();
    expect(Buffer.compare(Buffer.from((await labelmap('infection'))!), Buffer.from(ring))).toBe(0);
  });

  // Last before the export: centring pans the views, and the steps above click at fixed places in them.
  it('the lesion panel lists the lesions, sorts them, and clicking one centres the three viewports on it', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#lesions-table tr.lesion').length > 0, null, { timeout: 20_000 });
    const rows = page.locator('#lesions-table tr.lesion');
    const count = await rows.count();
    expect(await page.textContent('#lesion-count')).toBe(`(${count})`);
    // The engine's order, largest first: ids 1..n.
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.lesionId)));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    // Sorting by slice (voxel k of the centre) orders the rows by it.
    await page.click('#lesions-table button[data-sort="slice"]');
    const slices = (await page.locator('#lesions-table tr.lesion td:nth-child(6)').allTextContents()).map(Number);
    expect(slices).toEqual([...slices].sort((a, b) => a - b));

    /** The voxel (fractional i, j, k read-out rounded by the app) under the middle of a viewport. */
    const voxelUnderCentre = async (plane: string) => {
      const box = (await page.locator(`#vp-${plane}`).boundingBox())!;
      await page.mouse.move(box.x + box.width / 2 + 2, box.y + box.height / 2);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const m = /\((\d+), (\d+), (\d+)\)/.exec((await page.textContent(`#hu-${plane}`)) ?? '');
      expect(m, `read-out in the ${plane} viewport`).not.toBeNull();
      return [Number(m![1]), Number(m![2]), Number(m![3])];
    };
    // Go to a lesion whose slice is not the one shown.
    const kShown = (await voxelUnderCentre('axial'))[2];
    const centres = await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.centroidVoxel!.split(',').map(Number)));
    let target = centres.findIndex((c) => Math.round(c[2]) !== kShown);
    if (target < 0) {
      // Every lesion is on the shown slice: scroll away first.
      for (let i = 0; i < 4; i++) await page.mouse.wheel(0, 100);
      target = 0;
    }
    const before = await page.textContent('#slice-axial');
    await rows.nth(target).click();
    await page.waitForFunction((b) => document.querySelector('#slice-axial')?.textContent !== b, before, { timeout: 10_000 });
    expect(await rows.nth(target).getAttribute('class')).toContain('selected');
    const [ci, cj, ck] = centres[target];
    for (const plane of ['axial', 'sagittal', 'coronal']) {
      const [i, j, k] = await voxelUnderCentre(plane);
      // Each viewport is centred on the lesion's centre: the voxel under its middle is the centroid's.
      expect(Math.abs(i - ci), `${plane} i`).toBeLessThanOrEqual(1);
      expect(Math.abs(j - cj), `${plane} j`).toBeLessThanOrEqual(1);
      expect(Math.abs(k - ck), `${plane} k`).toBeLessThanOrEqual(1);
    }
    expect((await voxelUnderCentre('axial'))[2]).toBe(Math.round(ck));
    expect(await page.textContent('#status')).toMatch(new RegExp(`^Lesion ${await rows.nth(target).getAttribute('data-lesion-id')}: `));
    await page.screenshot({ path: join(shots, '05g-lesion-panel.png') });
  });

  it('exports a DICOM SEG that lands on disk', async () => {
    const outDir = join(work, 'export');
    await mkdir(outDir);
    // A typed folder that was never chosen is refused (E_PATH_NOT_GRANTED); the chosen one is used.
    await page.fill('#export-dir', outDir);
    await page.click('#export');
    await page.waitForFunction(() => /E_PATH_NOT_GRANTED/.test(document.querySelector('#error')?.textContent ?? ''), null, { timeout: 20_000 });
    host.answerDialog(outDir);
    await page.click('#choose-export-dir');
    await page.waitForFunction((d) => (document.querySelector('#export-dir') as HTMLInputElement).value === d, outDir, { timeout: 10_000 });
    await page.click('#export');
    await page.waitForFunction(() => /Exported \d+ files/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 60_000 });
    const seg = await readFile(join(outDir, 'seg.dcm'));
    expect(seg.subarray(128, 132).toString('latin1')).toBe('DICM');
    // SOP Class UID of Segmentation Storage is in the file meta.
    expect(seg.includes(Buffer.from('1.2.840.10008.5.1.4.1.1.66.4'))).toBe(true);
    // Edited after the model ran: the segments say so (SegmentAlgorithmType SEMIAUTOMATIC).
    expect(seg.includes(Buffer.from('SEMIAUTOMATIC'))).toBe(true);
    await page.screenshot({ path: join(shots, '06-exported.png') });
  });

  it('raised no uncaught errors in the page', async () => {
    expect(pageErrors).toEqual([]);
    // The app works inside its own CSP: nothing it does is blocked by it.
    expect(cspViolations).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])).toEqual([]);
  });
});
