import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestHost, type TestHost } from '../host/startTestHost.ts';
import { sharedData, testOutputDir } from '../fixtures/sharedData.ts';
import { missing } from '../fixtures/requireData.ts';
import { buildRendererIfStale, chromiumAvailable, elementPixels, launchChromium, CHROMIUM_PATH } from './chromium.ts';
import { writeE2eStudy } from './e2eStudy.ts';
import { writeSeriesFromVolume } from '../dicom/seriesFromVolume.ts';
import { voxelToPatient, type Mat3, type Vec3, type Volume } from '../../electron/common/volume/index.ts';

/**
 * The viewer as a radiologist uses it (issue 16): overlays (orientation letters, scale bar, W/L and
 * preset, slice and position, patient text), keyboard navigation, zoom about the cursor, reset,
 * one slice numbering in viewer, lesion list and PDF, and a status line that ends in a final state.
 * Real Chromium (software WebGL) against the test host running the built app.
 */
const shots = testOutputDir('e2e-viewer');
const noChromium = !chromiumAvailable();
const lidc = sharedData('dicom', 'lidc-idri-0001');
const pdftotext = '/usr/bin/pdftotext';

/**
 * A small chest written in any voxel orientation, defined in patient space (LPS mm) so that every
 * orientation holds the same anatomy: soft-tissue body, two air lungs, and two dense markers, one
 * on the patient's LEFT (x = +100 mm, upper half only: z > 0) and one ANTERIOR (y = -95 mm).
 */
function patientHu(x: number, y: number, z: number): number {
  if (Math.hypot(x - 100, y) < 14 && z > 0) return 1500;
  if (Math.hypot(x, y + 95) < 10) return 1500;
  if ((x / 150) ** 2 + (y / 110) ** 2 >= 1) return -1000;
  for (const side of [-1, 1]) if (((x - side * 60) / 45) ** 2 + (y / 70) ** 2 < 1) return -850;
  return 40;
}

function chestVolume(direction: Mat3, n = 128, slices = 24): Volume<Int16Array> {
  const spacing: Vec3 = [2.5, 2.5, 5];
  // Origin chosen so that the grid is centred on the patient origin whatever the direction.
  const half: Vec3 = [((n - 1) * spacing[0]) / 2, ((n - 1) * spacing[1]) / 2, ((slices - 1) * spacing[2]) / 2];
  const d = direction;
  const origin: Vec3 = [0, 1, 2].map((a) => -(d[a] * half[0] + d[3 + a] * half[1] + d[6 + a] * half[2])) as Vec3;
  const v: Volume<Int16Array> = { dims: [n, n, slices], spacingMm: spacing, originMm: origin, direction, voxels: new Int16Array(n * n * slices), meta: { modality: 'CT' } };
  for (let k = 0; k < slices; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const [x, y, z] = voxelToPatient(v, i, j, k);
        v.voxels[i + n * (j + n * k)] = patientHu(x, y, z);
      }
  return v;
}

describe.skipIf(noChromium)(`viewer e2e in ${CHROMIUM_PATH}${noChromium ? ' (skipped: Chromium not installed)' : ''}`, () => {
  let work: string;
  let host: TestHost;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const studies = { synthetic: '', headFirst: '', feetFirstFlipped: '' };
  const pageErrors: string[] = [];

  const text = (sel: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? '', sel);
  const letters = (plane: string) =>
    page.evaluate((p) => ['top', 'bottom', 'left', 'right'].map((e) => document.querySelector(`#orient-${p}-${e}`)?.textContent ?? ''), plane);
  const sliceOf = async (plane: string) => {
    const m = /Slice (\d+) \/ (\d+)/.exec(await text(`#slice-${plane}`));
    expect(m, `slice label of ${plane}`).not.toBeNull();
    return { n: Number(m![1]), of: Number(m![2]) };
  };
  const positionOf = async (plane: string) => Number(/^[xyz] (-?[\d.]+) mm/.exec(await text(`#pos-${plane}`))![1]);
  const mmPerPx = (plane: string) => page.evaluate((p) => Number(document.querySelector<HTMLElement>(`#scale-${p}`)!.dataset.mmPerPx), plane);
  async function box(plane: string) {
    return (await page.locator(`#vp-${plane}`).boundingBox())!;
  }
  /** The (i, j, k) read-out under a point of a viewport (moves the mouse there). */
  async function voxelAt(plane: string, x: number, y: number): Promise<[number, number, number]> {
    await page.mouse.move(x + 2, y);
    await page.mouse.move(x, y);
    const m = /\((-?\d+), (-?\d+), (-?\d+)\)/.exec(await text(`#hu-${plane}`));
    expect(m, `read-out in ${plane}`).not.toBeNull();
    return [Number(m![1]), Number(m![2]), Number(m![3])];
  }
  /** Opens a study folder (through the folder dialog where the app has one) and waits for the volume. */
  let openDir = '';
  async function openStudy(dir: string, slices?: number): Promise<void> {
    // Opening the series already open does nothing in the app ("This series is already open.").
    if (dir === openDir) return;
    openDir = dir;
    const handleBefore = await page.evaluate(() => document.body.dataset.volumeHandle ?? '');
    const hasDialog = (await page.locator('#choose-folder').count()) > 0 && 'answerDialog' in host;
    if (hasDialog) {
      (host as TestHost & { answerDialog(f: string | undefined): void }).answerDialog(dir);
      await page.click('#choose-folder');
    } else {
      await page.fill('#folder-path', dir);
      await page.click('#open-folder');
    }
    await page.waitForFunction(
      ([h, n]) => (document.body.dataset.volumeHandle ?? '') !== h && new RegExp(`Slice \\d+ / ${n}$`).test(document.querySelector('#slice-axial')?.textContent ?? ''),
      [handleBefore, slices === undefined ? '\\d+' : String(slices)] as const,
      { timeout: 300_000 },
    );
    await page.waitForTimeout(400);
  }
  /** Waits until the axial canvas renders at full resolution again (fast scroll settled). */
  const settled = () =>
    page.waitForFunction(() => {
      const c = document.querySelector<HTMLCanvasElement>('#vp-axial canvas');
      return !!c && c.width === Math.round(c.clientWidth * (window.devicePixelRatio || 1));
    }, null, { timeout: 10_000 });

  beforeAll(async () => {
    const rendererDir = await buildRendererIfStale();
    work = await mkdtemp(join(tmpdir(), 'opal-viewer-e2e-'));
    studies.synthetic = join(work, 'synthetic');
    await writeE2eStudy(studies.synthetic, 256, 48);
    studies.headFirst = join(work, 'head-first');
    writeSeriesFromVolume(studies.headFirst, chestVolume([1, 0, 0, 0, 1, 0, 0, 0, 1]), { seriesUid: '1.2.826.0.1.3680043.8.498.7201', studyUid: '1.2.826.0.1.3680043.8.498.7101' });
    // Rows run to the patient's RIGHT and slices from head to feet (k along -z): a feet-first,
    // row-flipped storage of the same anatomy.
    studies.feetFirstFlipped = join(work, 'feet-first-flipped');
    writeSeriesFromVolume(studies.feetFirstFlipped, chestVolume([-1, 0, 0, 0, 1, 0, 0, 0, -1]), { seriesUid: '1.2.826.0.1.3680043.8.498.7202', studyUid: '1.2.826.0.1.3680043.8.498.7102' });
    await mkdir(shots, { recursive: true });
    host = await startTestHost({ rendererDir, appDataDir: join(work, 'appdata') });
    chrome = await launchChromium();
    page = await chrome.browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.url);
    await page.waitForSelector('body[data-ready=true]');
  }, 900_000);

  afterAll(async () => {
    await chrome?.close();
    await host?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('status: a failed scan ends in a final state with the coded error, and scanning shows progress', async () => {
    const statuses: string[] = [];
    await page.exposeFunction('__status', (s: string) => void statuses.push(s));
    await page.evaluate(() => {
      const el = document.querySelector('#status')!;
      new MutationObserver(() => (window as unknown as { __status(s: string): void }).__status(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.fill('#folder-path', join(work, 'no-such-folder'));
    await page.click('#open-folder');
    await page.waitForFunction(() => !document.querySelector<HTMLElement>('#error')!.hidden, null, { timeout: 20_000 });
    await page.waitForFunction(() => document.body.dataset.busy === 'false', null, { timeout: 20_000 });
    const error = await text('#error');
    expect(error).toMatch(/E_[A-Z_]+: /);
    const code = /(E_[A-Z_]+): /.exec(error)![1];
    const status = await text('#status');
    expect(status).not.toMatch(/…/);
    expect(status).toContain(code);
    expect(statuses.some((s) => /^Scanning/.test(s)), statuses.join(' | ')).toBe(true);
  }, 600_000);

  it.skipIf(!lidc)('real CT (LIDC-IDRI-0001): orientation letters, patient text, W/L with the preset; screenshots', async () => {
    await openStudy(lidc!);
    expect(pageErrors).toEqual([]);
    expect(await letters('axial')).toEqual(['A', 'P', 'R', 'L']);
    expect(await letters('sagittal')).toEqual(['S', 'I', 'A', 'P']);
    expect(await letters('coronal')).toEqual(['S', 'I', 'R', 'L']);
    expect((await text('#ov-axial-tl')).length).toBeGreaterThan(0);
    expect(await text('#ov-axial-tr')).toMatch(/\d{4}-\d{2}-\d{2}|\S/);
    expect(await text('#wl-axial')).toBe('W 1500 L -600 · Lung');
    expect(await text('#pos-axial')).toMatch(/^z -?\d+\.\d mm · Thk \d+\.\d\d mm$/);
    await page.screenshot({ path: join(shots, '01-lidc-lung-window.png') });
    const lung = await elementPixels(page.locator('#vp-axial'));
    await page.keyboard.press('2');
    await page.waitForFunction(() => document.querySelector('#wl-axial')?.textContent === 'W 400 L 40 · Mediastinum', null, { timeout: 5_000 });
    await page.waitForTimeout(300);
    const mediastinum = await elementPixels(page.locator('#vp-axial'));
    // The mediastinal window clips the lungs to black: many more black pixels than the lung window.
    expect(1 - mediastinum.nonBlackShare).toBeGreaterThan(1 - lung.nonBlackShare + 0.05);
    await page.screenshot({ path: join(shots, '02-lidc-mediastinum-window.png') });
    await page.keyboard.press('3');
    await page.waitForFunction(() => document.querySelector('#wl-sagittal')?.textContent === 'W 2500 L 480 · Bone', null, { timeout: 5_000 });
    await page.keyboard.press('1');
    // Off for screenshots: the overlays and read-outs go, the images stay.
    await page.click('#overlays-toggle');
    expect(await page.locator('#overlay-axial').isVisible()).toBe(false);
    expect(await page.locator('#info-axial').isVisible()).toBe(false);
    await page.screenshot({ path: join(shots, '03-lidc-overlays-off.png') });
    await page.keyboard.press('o');
    expect(await page.locator('#overlay-axial').isVisible()).toBe(true);
  }, 600_000);

  it('the scale bar is as long on the screen as the voxels it spans (pixel spacing × zoom)', async () => {
    await openStudy(studies.synthetic, 48);
    for (const zoomIn of [0, 400]) {
      const b = await box('axial');
      const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2];
      if (zoomIn) {
        await page.mouse.move(cx, cy);
        await page.keyboard.down('Control');
        await page.mouse.wheel(0, -zoomIn);
        await page.keyboard.up('Control');
        await page.waitForTimeout(200);
      }
      const bar = await page.evaluate(() => {
        const el = document.querySelector<HTMLElement>('#scale-axial')!;
        return { mm: Number(el.dataset.mm), px: Number(el.dataset.px), drawn: el.querySelector<HTMLElement>('.scale-line')!.getBoundingClientRect().width, label: el.textContent };
      });
      expect(bar.drawn).toBeCloseTo(bar.px, 0);
      expect(bar.label).toBe(bar.mm >= 10 ? `${bar.mm / 10} cm` : `${bar.mm} mm`);
      // Independent of the overlay's arithmetic: the voxel read-out at both ends of a bar-long
      // horizontal span across the image centre; the synthetic study has 360/256 mm pixels.
      const [i0] = await voxelAt('axial', cx - bar.px / 2, cy);
      const [i1] = await voxelAt('axial', cx + bar.px / 2, cy);
      const spanMm = Math.abs(i1 - i0) * (360 / 256);
      expect(Math.abs(spanMm - bar.mm), `bar ${bar.label} over ${Math.abs(i1 - i0)} voxels`).toBeLessThanOrEqual(2 * (360 / 256));
    }
    await page.screenshot({ path: join(shots, '04-scale-bar-zoomed.png') });
    await page.keyboard.press('r');
  }, 600_000);

  it('no jump or shrink on the first scroll after opening', async () => {
    await openStudy(studies.headFirst, 24);
    await settled();
    const b = await box('axial');
    const at = [b.x + b.width * 0.3, b.y + b.height * 0.4] as const;
    const scaleBefore = await mmPerPx('axial');
    const [i0, j0] = await voxelAt('axial', ...at);
    const before = await sliceOf('axial');
    await page.mouse.wheel(0, 100);
    await page.waitForFunction((n) => !document.querySelector('#slice-axial')?.textContent?.startsWith(`Slice ${n} `), before.n, { timeout: 10_000 });
    await settled();
    await page.waitForTimeout(300);
    expect(await mmPerPx('axial')).toBeCloseTo(scaleBefore, 6);
    const [i1, j1] = await voxelAt('axial', ...at);
    expect([i1, j1]).toEqual([i0, j0]);
  }, 600_000);

  it('keyboard: arrows, PageUp/PageDown, Home/End step the active viewport; the read-out follows the slice', async () => {
    await openStudy(studies.synthetic, 48);
    const b = await box('axial');
    const at = [b.x + b.width * 0.31, b.y + b.height * 0.48] as const;
    await voxelAt('axial', ...at);
    await page.keyboard.press('Home');
    expect(await sliceOf('axial')).toEqual({ n: 1, of: 48 });
    const zFirst = await positionOf('axial');
    const hu1 = await text('#hu-axial');
    await page.keyboard.press('ArrowUp');
    expect((await sliceOf('axial')).n).toBe(2);
    // Slice 1 is the most inferior: one step up adds the slice spacing (5 mm) to z.
    expect((await positionOf('axial')) - zFirst).toBeCloseTo(5, 3);
    await page.keyboard.press('PageUp');
    expect((await sliceOf('axial')).n).toBe(12);
    await page.keyboard.press('ArrowDown');
    expect((await sliceOf('axial')).n).toBe(11);
    await page.keyboard.press('PageDown');
    expect((await sliceOf('axial')).n).toBe(1);
    await page.keyboard.press('End');
    expect((await sliceOf('axial')).n).toBe(48);
    expect((await positionOf('axial')) - zFirst).toBeCloseTo(47 * 5, 3);
    // The read-out under the still mouse shows the new slice: k changed, without moving the mouse.
    const huEnd = await text('#hu-axial');
    expect(huEnd).not.toBe(hu1);
    // Slice 20 has the ground-glass lesion under this point (the e2e study: slices 15-33 hold it).
    await page.keyboard.press('Home');
    for (let s = 1; s < 24; s++) await page.keyboard.press('ArrowUp');
    expect((await sliceOf('axial')).n).toBe(24);
    expect(await text('#hu-axial')).toMatch(/ -450 HU$/);
    // The active viewport is the one under the mouse: the sagittal steps, the axial stays.
    const s = await box('sagittal');
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
    const sagBefore = (await sliceOf('sagittal')).n;
    await page.keyboard.press('ArrowUp');
    expect((await sliceOf('sagittal')).n).toBe(sagBefore + 1);
    expect((await sliceOf('axial')).n).toBe(24);
    // '?' lists every shortcut.
    await page.keyboard.press('?');
    await page.waitForSelector('#shortcut-help:not([hidden])');
    const help = await text('#shortcut-help');
    for (const k of ['PageUp', 'Home / End', 'Ctrl+wheel', 'Ctrl+right-drag', 'R', 'Ctrl+Z', 'Shift+wheel', '1 … 5']) expect(help).toContain(k);
    await page.screenshot({ path: join(shots, '05-keyboard-help.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('#shortcut-help', { state: 'hidden' });
  }, 600_000);

  it('zoom about the cursor (Ctrl+wheel and Ctrl+right-drag) keeps the voxel under it; R resets', async () => {
    const b = await box('axial');
    const at = [b.x + b.width * 0.3, b.y + b.height * 0.35] as const;
    const centre = [b.x + b.width / 2, b.y + b.height / 2] as const;
    const scale0 = await mmPerPx('axial');
    const v0 = await voxelAt('axial', ...at);
    const c0 = await voxelAt('axial', ...centre);
    await page.mouse.move(...at);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -300);
    await page.keyboard.up('Control');
    await page.waitForTimeout(200);
    const scale1 = await mmPerPx('axial');
    expect(scale1).toBeLessThan(scale0 * 0.8);
    const v1 = await voxelAt('axial', ...at);
    expect(Math.abs(v1[0] - v0[0]) + Math.abs(v1[1] - v0[1])).toBeLessThanOrEqual(1);
    expect(v1[2]).toBe(v0[2]);
    // The view centre moved (it is not a zoom about the centre).
    const c1 = await voxelAt('axial', ...centre);
    expect(Math.abs(c1[0] - c0[0]) + Math.abs(c1[1] - c0[1])).toBeGreaterThan(5);

    // Ctrl+right-drag upwards from another point: that point stays put.
    const at2 = [b.x + b.width * 0.65, b.y + b.height * 0.6] as const;
    const v2 = await voxelAt('axial', ...at2);
    await page.keyboard.down('Control');
    await page.mouse.down({ button: 'right' });
    for (let i = 1; i <= 5; i++) await page.mouse.move(at2[0], at2[1] - i * 15);
    await page.mouse.up({ button: 'right' });
    await page.keyboard.up('Control');
    await page.waitForTimeout(200);
    expect(await mmPerPx('axial')).toBeLessThan(scale1 * 0.7);
    const v3 = await voxelAt('axial', ...at2);
    expect(Math.abs(v3[0] - v2[0]) + Math.abs(v3[1] - v2[1])).toBeLessThanOrEqual(1);
    expect(await page.locator('#error').isVisible()).toBe(false);
    await page.screenshot({ path: join(shots, '06-zoomed-about-cursor.png') });

    // R: back to the fitted view, same slice.
    const slice = await sliceOf('axial');
    await page.keyboard.press('r');
    await page.waitForTimeout(200);
    expect(await mmPerPx('axial')).toBeCloseTo(scale0, 6);
    expect(await sliceOf('axial')).toEqual(slice);
    expect(await voxelAt('axial', ...centre)).toEqual([c0[0], c0[1], v0[2]]);
    // And the button does the same.
    await page.mouse.move(...at);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -300);
    await page.keyboard.up('Control');
    await page.click('#reset-view');
    expect(await mmPerPx('axial')).toBeCloseTo(scale0, 6);
  }, 600_000);

  /** Where the dense markers are on the axial screen: share of white pixels in the right half, and the number. */
  async function markerSides(plane: string): Promise<{ rightShare: number; topShare: number; white: number }> {
    await page.click('#overlays-toggle'); // off: only the image
    await page.waitForTimeout(200);
    const px = await elementPixels(page.locator(`#vp-${plane}`));
    await page.click('#overlays-toggle');
    let white = 0;
    let right = 0;
    let top = 0;
    for (let y = 0; y < px.height; y++)
      for (let x = 0; x < px.width; x++) {
        const o = 4 * (y * px.width + x);
        // Near-white grey (the dense markers; soft tissue is mid-grey, the crosshairs yellow).
        if (px.png.data[o] < 230 || px.png.data[o + 1] < 230 || px.png.data[o + 2] < 230) continue;
        white++;
        if (x > px.width / 2) right++;
        if (y < px.height / 2) top++;
      }
    return { rightShare: right / Math.max(1, white), topShare: top / Math.max(1, white), white };
  }

  it('a series stored feet first with flipped rows: the same anatomy on the same side, letters from the camera, slice 1 at the feet', async () => {
    const seen: Record<string, unknown> = {};
    for (const [name, dir] of [
      ['head-first', studies.headFirst],
      ['feet-first-flipped', studies.feetFirstFlipped],
    ] as const) {
      await openStudy(dir, 24);
      await page.keyboard.press('2'); // mediastinal window: the markers white, soft tissue grey
      await page.waitForTimeout(300);
      // Move the axial to an upper slice (z > 0), where the left marker is.
      const a = await box('axial');
      await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
      await page.keyboard.press('End');
      await page.keyboard.press('PageDown');
      const axial = await markerSides('axial');
      const coronal = await markerSides('coronal');
      await page.screenshot({ path: join(shots, `07-${name}.png`) });
      // Slice 1 is the most inferior in both storages: Home gives the lowest z.
      await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
      await page.keyboard.press('Home');
      const zHome = await positionOf('axial');
      await page.keyboard.press('End');
      const zEnd = await positionOf('axial');
      expect(zHome, name).toBeLessThan(zEnd);
      seen[name] = { axialLetters: await letters('axial'), coronalLetters: await letters('coronal'), axial, coronal, zHome, zEnd };
      // Radiological display: R on the screen's left, so the LEFT marker is on the screen's right,
      // next to the "L"; the ANTERIOR marker is at the top, next to the "A".
      expect(await letters('axial'), name).toEqual(['A', 'P', 'R', 'L']);
      expect(axial.white, name).toBeGreaterThan(50);
      // Two markers: the left one (right half) is larger than the anterior one (centred, top).
      expect(axial.rightShare, name).toBeGreaterThan(0.55);
      expect(axial.topShare, name).toBeGreaterThan(0.15);
      // Coronal through the centre: the left marker (z > 0 only) is at the screen's upper right, S on top.
      expect(await letters('coronal'), name).toEqual(['S', 'I', 'R', 'L']);
      // Q shows the acquired plane as stored: the head-first series reads as before, the feet-first
      // row-flipped one with the patient's right on the screen's right (and its left marker there).
      await page.keyboard.press('q');
      await page.waitForTimeout(300);
      const acquired = await markerSides('axial');
      if (name === 'head-first') {
        expect(await letters('axial'), name).toEqual(['A', 'P', 'R', 'L']);
        expect(acquired.rightShare, name).toBeGreaterThan(0.55);
      } else {
        expect(await letters('axial'), name).toEqual(['A', 'P', 'L', 'R']);
        expect(acquired.rightShare, name).toBeLessThan(0.45);
        await page.screenshot({ path: join(shots, '07-feet-first-as-acquired.png') });
      }
      await page.keyboard.press('q');
      await page.waitForTimeout(300);
      expect(await letters('axial'), name).toEqual(['A', 'P', 'R', 'L']);
      await page.keyboard.press('1');
      await page.keyboard.press('r');
    }
    expect((seen['head-first'] as { zHome: number }).zHome).toBeCloseTo((seen['feet-first-flipped'] as { zHome: number }).zHome, 3);
    console.log('orientation test', JSON.stringify(seen));

    // A view flipped by the user shows correspondingly different letters, and the anatomy moves
    // with them: H mirrors the axial left-right (the left marker goes to the screen's left, next to
    // the "L"), Shift+H top-bottom (anterior at the bottom, next to the "A"); R puts both back.
    await page.keyboard.press('2');
    const a = await box('axial');
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.keyboard.press('End');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('h');
    await page.waitForTimeout(300);
    expect(await letters('axial')).toEqual(['A', 'P', 'L', 'R']);
    const mirrored = await markerSides('axial');
    expect(mirrored.rightShare).toBeLessThan(0.45);
    expect(mirrored.topShare).toBeGreaterThan(0.15);
    await page.keyboard.press('Shift+H');
    await page.waitForTimeout(300);
    expect(await letters('axial')).toEqual(['P', 'A', 'L', 'R']);
    const upsideDown = await markerSides('axial');
    expect(upsideDown.rightShare).toBeLessThan(0.45);
    await page.screenshot({ path: join(shots, '07-flipped-both.png') });
    await page.keyboard.press('r');
    await page.waitForTimeout(300);
    expect(await letters('axial')).toEqual(['A', 'P', 'R', 'L']);
    await page.keyboard.press('1');
  }, 600_000);

  it('one slice numbering: viewer, lesion list and PDF report agree', async () => {
    await openStudy(studies.synthetic, 48);
    await page.click('#segment');
    await page.waitForFunction(() => /Segmented in/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 300_000 });
    await page.waitForFunction(() => document.querySelectorAll('#lesions-table tr.lesion').length > 0, null, { timeout: 20_000 });
    const rows = page.locator('#lesions-table tr.lesion');
    const listed = await rows.evaluateAll((trs) => trs.map((tr) => ({ id: Number((tr as HTMLElement).dataset.lesionId), slice: Number(tr.querySelector('td.lesion-slice')?.textContent) })));
    expect(listed.length).toBeGreaterThan(0);
    // Choosing a lesion centres the viewports on it: the axial shows the list's slice number.
    for (const [n, l] of listed.slice(0, 3).entries()) {
      await rows.nth(n).click();
      await page.waitForTimeout(200);
      expect((await sliceOf('axial')).n, `lesion ${l.id}`).toBe(l.slice);
    }
    // The PDF: each key image's "Slice n/N, z Z mm" is the viewer's slice n at z Z, and each lesion's
    // slice range in the table holds the list's slice.
    const outDir = join(work, 'export');
    await mkdir(outDir, { recursive: true });
    await page.fill('#export-dir', outDir);
    for (const fmt of await page.locator('input[name=fmt]').all()) await fmt.setChecked((await fmt.getAttribute('value')) === 'pdf');
    if ((await page.locator('#choose-export-dir').count()) > 0 && 'answerDialog' in host) {
      (host as TestHost & { answerDialog(f: string | undefined): void }).answerDialog(outDir);
      await page.click('#choose-export-dir');
      await page.waitForFunction((d) => (document.querySelector('#export-dir') as HTMLInputElement).value === d, outDir, { timeout: 10_000 });
    }
    await page.click('#export');
    await page.waitForFunction(() => /Exported \d+ files?/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 300_000 });
    const pdfs = (await readdir(outDir)).filter((f) => f.endsWith('.pdf'));
    expect(pdfs.length).toBe(1);
    if (missing(existsSync(pdftotext), 'pdftotext (poppler-utils)')) return;
    const pdfText = execFileSync(pdftotext, ['-layout', join(outDir, pdfs[0]), '-'], { encoding: 'utf8' });
    const captions = [...pdfText.matchAll(/Slice (\d+)\/(\d+), z (-?[\d.]+) mm/g)].map((m) => ({ n: Number(m[1]), of: Number(m[2]), z: Number(m[3]) }));
    expect(captions.length, pdfText.slice(0, 2000)).toBeGreaterThan(0);
    const a = await box('axial');
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    for (const c of captions) {
      expect(c.of).toBe(48);
      await page.keyboard.press('Home');
      for (let s = 1; s < c.n; s++) await page.keyboard.press('ArrowUp');
      expect((await sliceOf('axial')).n).toBe(c.n);
      expect(await positionOf('axial')).toBeCloseTo(c.z, 0);
    }
    await writeFile(join(shots, 'report.txt'), pdfText);
    const tableRanges = new Map<number, [number, number]>();
    // Slices column: "15-33 (24)": the range, then the centre slice the viewer's lesion list shows.
    for (const m of pdfText.matchAll(/^\s*(\d+)\s+(?:right|left|outside)\b.*?\s(\d+)(?:-(\d+))?(?:\s+\((\d+)\))?\s+(?:-?\d+|-)\s+(?:[\d.]+|-)\s*$/gm)) tableRanges.set(Number(m[1]), [Number(m[2]), Number(m[3] ?? m[2])]);
    // Every listed lesion is in the PDF's table, and its centre's slice lies in the slices it spans there.
    expect(tableRanges.size, pdfText).toBe(Math.min(listed.length, 40));
    for (const l of listed.slice(0, 40)) {
      const r = tableRanges.get(l.id);
      expect(r, `lesion ${l.id} in the PDF`).toBeDefined();
      expect(l.slice, `lesion ${l.id} in the PDF's range ${r!.join('-')}`).toBeGreaterThanOrEqual(r![0]);
      expect(l.slice).toBeLessThanOrEqual(r![1]);
    }
    console.log('slice numbering', JSON.stringify({ listed, captions, tableRanges: [...tableRanges] }));
  }, 900_000);
});

