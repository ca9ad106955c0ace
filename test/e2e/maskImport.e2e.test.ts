import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Envelope } from '../../electron/common/ipc/contract.ts';
import { startTestHost, type TestHost } from '../host/startTestHost.ts';
import { PYTHON, pythonHas } from '../exports/externalTools.ts';
import { missing } from '../fixtures/requireData.ts';
import { repoRoot, testOutputDir } from '../fixtures/sharedData.ts';
import { buildRendererIfStale, chromiumAvailable, launchChromium, CHROMIUM_PATH } from './chromium.ts';
import { writeE2eStudy } from './e2eStudy.ts';

/**
 * Issue 15 point 1 in the app: "Open mask…" lays a DICOM SEG written by another tool (pydicom,
 * FRACTIONAL, segments in another order than OPAL's; test/pipeline/fixtures/foreign_masks.py) on
 * the loaded series through main's file dialog, and the measurements show its known volumes. Hand
 * edits are replaced only after the user agrees; a mask of another series is refused with
 * E_GEOMETRY_MISMATCH and leaves the labelmap as it was.
 */
const shots = testOutputDir('e2e-mask-import');
const skip = !chromiumAvailable() || missing(pythonHas('pydicom'), 'python3 with pydicom');

interface Truth {
  boxes: Record<'ground-glass' | 'consolidation' | 'extra', { voxels: number; ml: number }>;
}

function foreignSeg(ctDir: string, out: string): Truth {
  const r = spawnSync(PYTHON, [join(repoRoot, 'test', 'pipeline', 'fixtures', 'foreign_masks.py'), 'seg', ctDir, out, 'fractional'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`foreign_masks.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Truth;
}

describe.skipIf(skip)(`Open mask… in ${CHROMIUM_PATH}`, () => {
  let work: string;
  let host: TestHost;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let studyDir: string;
  let maskPath: string;
  let otherMaskPath: string;
  let truth: Truth;
  const pageErrors: string[] = [];

  const status = () => page.evaluate(() => document.querySelector('#status')?.textContent ?? '');
  const handle = () => page.evaluate(() => document.body.dataset.volumeHandle ?? '');
  async function call<T>(method: string, args: unknown): Promise<Envelope<T>> {
    const res = await fetch(`${host.url}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
    return (await res.json()) as Envelope<T>;
  }
  async function infectionCounts(): Promise<number[]> {
    const res = await fetch(`${host.url}binary/infection/${await handle()}`);
    expect(res.status).toBe(200);
    const labels = new Uint8Array(await res.arrayBuffer());
    const counts = [0, 0, 0];
    for (const v of labels) counts[v]++;
    return counts;
  }
  /**
   * Clicks "Open mask…" and waits for the status that answers this click. The status element is
   * rewritten from the store on any update (e.g. the measurements after an API edit), so the old
   * "… opened" text can come back after it was cleared: the wait follows the status texts written
   * after the click and takes the first outcome after "Opening the mask …".
   */
  async function openMask(path: string): Promise<void> {
    host.answerDialog(path);
    await page.evaluate(() => {
      const w = window as unknown as { __statusSeen: string[]; __statusObserver?: MutationObserver };
      w.__statusObserver?.disconnect();
      w.__statusSeen = [];
      const el = document.querySelector('#status')!;
      w.__statusObserver = new MutationObserver(() => w.__statusSeen.push(el.textContent ?? ''));
      w.__statusObserver.observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#open-mask');
    await page.waitForFunction(
      () => {
        const seen = (window as unknown as { __statusSeen: string[] }).__statusSeen;
        const opening = seen.findIndex((t) => t.startsWith('Opening the mask'));
        return opening >= 0 && seen.slice(opening + 1).some((t) => /opened|Stopped|not opened/.test(t));
      },
      null,
      { timeout: 60_000 },
    );
  }

  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'opal-mask-e2e-')));
    studyDir = join(work, 'study');
    await writeE2eStudy(studyDir, 128, 24);
    await writeE2eStudy(join(work, 'other'), 96, 24);
    await mkdir(join(work, 'masks'));
    maskPath = join(work, 'masks', 'foreign-fractional.dcm');
    truth = foreignSeg(studyDir, maskPath);
    otherMaskPath = join(work, 'masks', 'other-series.dcm');
    foreignSeg(join(work, 'other'), otherMaskPath);
    await mkdir(shots, { recursive: true });
    host = await startTestHost({ rendererDir: await buildRendererIfStale(), appDataDir: join(work, 'appdata'), dialogAnswers: [studyDir] });
    chrome = await launchChromium();
    page = await chrome.browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.url);
    await page.waitForSelector('body[data-ready=true]');
    await page.click('#choose-folder');
    await page.waitForFunction(() => /Slice \d+ \/ 24/.test(document.querySelector('#slice-axial')?.textContent ?? ''), null, { timeout: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await chrome?.close();
    await host?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('opens a FRACTIONAL SEG from another writer and shows its known volumes in the measurements', async () => {
    expect(await page.isDisabled('#open-mask')).toBe(false);
    await openMask(maskPath);
    const text = await status();
    expect(text).toMatch(/^Mask foreign-fractional\.dcm opened: /);
    expect(text).toMatch(/GGO → ground-glass/);
    expect(text).toMatch(/Dense → consolidation/);
    expect(text).toMatch(/1 segment left out; lungs made from the CT/);
    expect(await page.textContent('#meas-ggo')).toBe(truth.boxes['ground-glass'].ml.toFixed(1));
    expect(await page.textContent('#meas-cons')).toBe(truth.boxes.consolidation.ml.toFixed(1));
    // The engine's labelmap: exactly the boxes at or above half the maximum fraction.
    expect(await infectionCounts()).toEqual([expect.any(Number), truth.boxes['ground-glass'].voxels, truth.boxes.consolidation.voxels]);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, '01-mask-opened.png') });
    const rev = await call<{ edited: boolean; unsavedEdits: boolean }>('getLabelmapRevision', { volumeHandle: await handle() });
    expect(rev).toMatchObject({ ok: true, value: { edited: false, unsavedEdits: false } });
    expect(pageErrors).toEqual([]);
  });

  it('journals edits on top of the imported mask and replaces them only after the user agrees', async () => {
    const volumeHandle = await handle();
    // One stroke (as the brush sends it): 10 voxels of consolidation in an empty corner.
    const stroke = await call<{ canUndo: boolean; edited: boolean; measurements: { infection: { consolidationMl: number } } }>('commitStroke', {
      volumeHandle,
      diff: { indices: Array.from({ length: 10 }, (_, i) => i), values: Array(10).fill(2) },
    });
    expect(stroke).toMatchObject({ ok: true, value: { canUndo: true, edited: true } });
    const voxelMl = truth.boxes.consolidation.ml / truth.boxes.consolidation.voxels;
    expect(stroke.ok && stroke.value.measurements.infection.consolidationMl).toBeCloseTo(truth.boxes.consolidation.ml + 10 * voxelMl, 6);
    // Undo goes back to the imported mask, not further.
    const undone = await call<{ canUndo: boolean }>('undo', { volumeHandle });
    expect(undone).toMatchObject({ ok: true, value: { canUndo: false } });
    expect((await infectionCounts())[2]).toBe(truth.boxes.consolidation.voxels);
    await call('redo', { volumeHandle });

    // Opening the mask again: the user declines, the edit stays; then agrees, and it is replaced.
    page.once('dialog', (d) => void d.dismiss());
    await openMask(maskPath);
    expect(await status()).toMatch(/Mask not opened; your edits are kept/);
    expect((await infectionCounts())[2]).toBe(truth.boxes.consolidation.voxels + 10);
    page.once('dialog', (d) => void d.accept());
    await openMask(maskPath);
    expect(await status()).toMatch(/Mask foreign-fractional\.dcm opened/);
    expect((await infectionCounts())[2]).toBe(truth.boxes.consolidation.voxels);
  });

  it('refuses a mask of another series with E_GEOMETRY_MISMATCH and keeps the labelmap', async () => {
    await openMask(otherMaskPath);
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/E_GEOMETRY_MISMATCH|another series/);
    expect((await infectionCounts()).slice(1)).toEqual([truth.boxes['ground-glass'].voxels, truth.boxes.consolidation.voxels]);
    await page.screenshot({ path: join(shots, '02-mismatch-refused.png') });
  });

  it('refuses a mask path the dialog did not hand out', async () => {
    const r = await call('importMask', { volumeHandle: await handle(), path: '/etc/passwd' });
    expect(r).toMatchObject({ ok: false, error: { code: 'E_PATH_NOT_GRANTED' } });
  });
});
