/**
 * `npm run bench:viewer`: the renderer in headless Chromium (software WebGL) against the test host
 * with the real engine. Writes a 512x512x300 CT series (OPAL_BENCH_SLICES / OPAL_BENCH_SIZE to
 * change), opens it, paints an infection overlay, then scrolls the axial viewport slice by slice and
 * times each step from the wheel event to cornerstone's IMAGE_RENDERED event. Scrolls twice: as the
 * app runs (fast scroll is on by default with a software rasteriser: half resolution while moving,
 * see renderer/src/viewport/interactiveResolution.ts) and with the other setting, and times the
 * full-resolution frame after the scroll stops. Times painting (each pointer move of a brush stroke
 * until the overlay's frame is rendered; the stroke's commit; undo). Prints median, p95, max, the
 * renderer's JS heap and the time from "Segment" to the preview overlay when a model is present.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHost } from '../host/startTestHost.ts';
import { buildRendererIfStale, launchChromium } from '../e2e/chromium.ts';
import { writeE2eStudy } from '../e2e/e2eStudy.ts';

const size = Number(process.env.OPAL_BENCH_SIZE ?? 512);
const slices = Number(process.env.OPAL_BENCH_SLICES ?? 300);
const steps = Number(process.env.OPAL_BENCH_STEPS ?? 120);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const work = await mkdtemp(join(tmpdir(), 'opal-bench-'));
const log = (s: string) => process.stdout.write(`${s}\n`);
try {
  await buildRendererIfStale();
  let t = performance.now();
  await writeE2eStudy(join(work, 'study'), size, slices);
  log(`wrote ${size}x${size}x${slices} series in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const host = await startTestHost({ rendererDir: await buildRendererIfStale(), appDataDir: join(work, 'appdata'), dialogAnswers: [join(work, 'study')] });
  const chrome = await launchChromium();
  try {
    const page = await chrome.browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(host.url);
    await page.waitForSelector('body[data-ready=true]');
    t = performance.now();
    await page.click('#choose-folder');
    await page.waitForFunction((n) => new RegExp(`Slice \\d+ / ${n}`).test(document.querySelector('#slice-axial')?.textContent ?? ''), slices, { timeout: 300_000 });
    log(`open → three planes shown: ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // Overlay on: a wide brush stroke on the current slice (the labelmap textures are live in every plane).
    await page.click('#tool-brush');
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -100);
    const box = (await page.locator('#vp-axial').boundingBox())!;
    await page.keyboard.down('Shift');
    for (let i = 0; i < 10; i++) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -100);
    }
    await page.keyboard.up('Shift');
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.45);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.55, { steps: 10 });
    await page.mouse.up();
    await page.waitForFunction(() => /Stroke of/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 60_000 });
    await page.click('#tool-navigate');
    log('overlay painted; scrolling');

    const software = (await page.evaluate(() => document.body.dataset.softwareRendering)) === 'true';
    const fastScrollDefault = await page.isChecked('#fast-scroll');
    const scrollRun = (fastScroll: boolean) =>
      page.evaluate(
        async ({ n, fastScroll }) => {
          const box = document.getElementById('fast-scroll') as HTMLInputElement;
          if (box.checked !== fastScroll) box.click();
          const el = document.getElementById('vp-axial')!;
          const canvas = el.querySelector('canvas')!;
          const r = el.getBoundingClientRect();
          // (No named inner functions here: tsx's keepNames would wrap them in a helper the page lacks.)
          // The bench page has a device pixel ratio of 1, so full resolution = one canvas pixel per CSS pixel.
          // Start from a still, full-resolution view.
          for (let i = 0; i < 100 && canvas.width !== canvas.clientWidth; i++) await new Promise((ok) => setTimeout(ok, 20));
          const label = document.getElementById('slice-axial')!;
          const out: number[] = [];
          let unchanged = 0;
          let lowResFrames = 0;
          for (let i = 0; i < n; i++) {
            // A step that renders nothing within 5 s counts as 5 s (it would be a hang for the user).
            const rendered = new Promise<void>((ok) => {
              el.addEventListener('CORNERSTONE_IMAGE_RENDERED', () => ok(), { once: true });
              setTimeout(ok, 5000);
            });
            const before = label.textContent;
            const t0 = performance.now();
            el.dispatchEvent(new WheelEvent('wheel', { deltaY: i < n / 2 ? 100 : -100, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true }));
            await rendered;
            out.push(performance.now() - t0);
            if (label.textContent === before) unchanged++;
            if (canvas.width < canvas.clientWidth) lowResFrames++;
          }
          // Settle: from the last step's frame to the full-resolution frame of the still view.
          const t1 = performance.now();
          let settleMs = 0;
          for (let i = 0; i < 500; i++) {
            if (canvas.width === canvas.clientWidth) {
              settleMs = performance.now() - t1;
              break;
            }
            await new Promise((ok) => setTimeout(ok, 5));
          }
          return { times: out, unchanged, lowResFrames, settleMs };
        },
        { n: steps, fastScroll },
      );
    const report = (label: string, run: Awaited<ReturnType<typeof scrollRun>>) => {
      const sorted = [...run.times].sort((a, b) => a - b);
      log(`  ${label}: median ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms` +
        `; ${run.lowResFrames}/${run.times.length} frames at reduced resolution; ${run.unchanged} steps did not change the slice`);
      return percentile(sorted, 95);
    };
    log(`slice step (wheel → rendered), ${steps} steps, ${size}x${size}x${slices}, overlay on, ${software ? 'software GL' : 'hardware GL'} (fast scroll ${fastScrollDefault ? 'on' : 'off'} by default):`);
    const asShipped = await scrollRun(fastScrollDefault);
    const p95 = report(`as the app runs (fast scroll ${fastScrollDefault ? 'on' : 'off'})`, asShipped);
    if (fastScrollDefault) log(`  full-resolution frame after the scroll stops: ${asShipped.settleMs.toFixed(0)} ms after the last step's frame (settle delay 250 ms + re-render of the three viewports)`);
    const other = await scrollRun(!fastScrollDefault);
    report(`fast scroll ${fastScrollDefault ? 'off' : 'on'} (for comparison)`, other);
    log(`  target p95 <= 60 ms: ${p95 <= 60 ? 'met' : 'not met'} (${p95.toFixed(1)} ms)`);
    await page.evaluate((on) => {
      const box = document.getElementById('fast-scroll') as HTMLInputElement;
      if (box.checked !== on) box.click();
    }, fastScrollDefault);
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    const cdp = await page.context().newCDPSession(page);
    const metrics = (await cdp.send('Performance.getMetrics').catch(() => ({ metrics: [] as { name: string; value: number }[] }))) as { metrics: { name: string; value: number }[] };
    await cdp.send('Performance.enable').catch(() => undefined);
    const m2 = (await cdp.send('Performance.getMetrics').catch(() => metrics)) as typeof metrics;
    const jsHeapTotal = m2.metrics.find((m) => m.name === 'JSHeapTotalSize')?.value ?? 0;
    log(`renderer JS heap used ${(heap / 2 ** 20).toFixed(0)} MiB (CDP JSHeapTotalSize ${(jsHeapTotal / 2 ** 20).toFixed(0)} MiB) (voxels ${((size * size * slices * 2) / 2 ** 20).toFixed(0)} MiB + labelmaps ${((size * size * slices * 2) / 2 ** 20).toFixed(0)} MiB)`);

    // Painting: ms per pointer move (mousemove dispatched → the overlay's frame rendered), one
    // stroke of `paintMoves` moves across the axial viewport with the brush at 10 mm; then the time
    // the stroke takes to reach the engine, and undo (Ctrl+Z → the labelmap back on screen).
    const paintMoves = Number(process.env.OPAL_BENCH_PAINT_MOVES ?? 60);
    await page.click('#tool-brush');
    const paint = await page.evaluate(async (n) => {
      const el = document.getElementById('vp-axial')!;
      const r = el.getBoundingClientRect();
      const status = document.getElementById('status')!;
      // (No helper function inside: tsx would wrap it in a __name() call the page does not have.)
      const out: number[] = [];
      const handler: number[] = [];
      // A real drag fires pointer events before the mouse events (the app's fast scroll listens to those).
      el.dispatchEvent(new PointerEvent('pointerdown', { clientX: r.left + r.width * 0.25, clientY: r.top + r.height * 0.4, bubbles: true, cancelable: true, button: 0, buttons: 1, pointerType: 'mouse' }));
      el.dispatchEvent(new MouseEvent('mousedown', { clientX: r.left + r.width * 0.25, clientY: r.top + r.height * 0.4, bubbles: true, cancelable: true, button: 0, buttons: 1 }));
      await new Promise((ok) => setTimeout(ok, 50));
      for (let i = 1; i <= n; i++) {
        const rendered = new Promise<void>((ok) => {
          el.addEventListener('CORNERSTONE_IMAGE_RENDERED', () => ok(), { once: true });
          setTimeout(ok, 5000);
        });
        const t0 = performance.now();
        const xy = { clientX: r.left + r.width * (0.25 + (0.5 * i) / n), clientY: r.top + r.height * (0.4 + 0.2 * Math.sin(i / 5)), bubbles: true, cancelable: true, button: 0, buttons: 1 };
        el.dispatchEvent(new PointerEvent('pointermove', { ...xy, pointerType: 'mouse' }));
        el.dispatchEvent(new MouseEvent('mousemove', xy));
        handler.push(performance.now() - t0);
        await rendered;
        out.push(performance.now() - t0);
      }
      status.textContent = '';
      const t1 = performance.now();
      el.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, button: 0, pointerType: 'mouse' }));
      window.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, button: 0 }));
      for (let i = 0; i < 6000 && !/Stroke of/.test(status.textContent ?? ''); i++) await new Promise((ok) => setTimeout(ok, 5));
      const commitMs = performance.now() - t1;
      status.textContent = '';
      const undoRendered = new Promise<void>((ok) => {
        el.addEventListener('CORNERSTONE_IMAGE_RENDERED', () => ok(), { once: true });
        setTimeout(ok, 10_000);
      });
      const t2 = performance.now();
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true, cancelable: true }));
      for (let i = 0; i < 6000 && !/undone/.test(status.textContent ?? ''); i++) await new Promise((ok) => setTimeout(ok, 5));
      await undoRendered;
      return { times: out, handler, commitMs, undoMs: performance.now() - t2, undone: /undone/.test(status.textContent ?? '') };
    }, paintMoves);
    await page.click('#tool-navigate');
    {
      const sorted = [...paint.times].sort((a, b) => a - b);
      const p95Paint = percentile(sorted, 95);
      log(`painting (pointer move → overlay rendered), ${paint.times.length} moves, brush 10 mm, ${size}x${size}x${slices}: median ${percentile(sorted, 50).toFixed(1)} ms, p95 ${p95Paint.toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
      const handlerSorted = [...paint.handler].sort((a, b) => a - b);
      log(`  of which the event handlers (dab into the labelmap, texture slices marked, render requested): median ${percentile(handlerSorted, 50).toFixed(1)} ms, p95 ${percentile(handlerSorted, 95).toFixed(1)} ms; the rest is drawing the frame`);
      log(`  (fast scroll ${fastScrollDefault ? 'on: the painted viewport draws at the moving resolution during the stroke' : 'off: full resolution'})`);
      log(`  target <= 30 ms per move: ${p95Paint <= 30 ? 'met' : 'not met'} (p95 ${p95Paint.toFixed(1)} ms); stroke → engine (commit, measurements back): ${paint.commitMs.toFixed(0)} ms; undo (Ctrl+Z → labelmap back on screen): ${paint.undone ? `${paint.undoMs.toFixed(0)} ms` : 'no answer'}`);
    }

    const info = await page.evaluate(() => document.querySelector('#model-card')?.textContent ?? '');
    if (/^No model/.test(info)) {
      log(`segment → preview overlay: not measured (${info})`);
    } else {
      t = performance.now();
      await page.click('#segment');
      // The painted overlay counts as hand edits: the app asks before segmenting over them.
      const ask = page.locator('dialog.unsaved-work button[data-choice="replace"]');
      if (await ask.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) await ask.click();
      await page.waitForFunction(() => /Preview shown|Segmented/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 600_000 });
      const total = (performance.now() - t) / 1000;
      // The renderer's marks (renderer/src/main.ts) split the wait: the engine's preview reaching the
      // page, then fetching the label runs and uploading the changed slices.
      // (No helper function inside: tsx would wrap it in a __name() call the page does not have.)
      const split = await page.evaluate(() => ({
        event: performance.getEntriesByName('opal:preview-event').at(-1)?.startTime,
        shown: performance.getEntriesByName('opal:preview-shown').at(-1)?.startTime,
        fetched: performance.getEntriesByName('opal:infection-fetched').at(-1)?.startTime,
        applied: performance.getEntriesByName('opal:infection-applied').at(-1)?.startTime,
        now: performance.now(),
      }));
      const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
      const eventAfterClick = split.event === undefined ? undefined : total * 1000 - (split.now - split.event);
      log(`  preview split: fetch ${fmt(split.fetched! - split.event!)}, apply ${fmt(split.applied! - split.fetched!)}, upload + render ${fmt(split.shown! - split.applied!)}`);
      log(`segment → preview overlay: ${total.toFixed(2)} s (target <= 4 s: ${total <= 4 ? 'met' : 'not met'}; the engine's preview reached the page after ${fmt(eventAfterClick)}, fetch + upload ${fmt(split.shown !== undefined && split.event !== undefined ? split.shown - split.event : undefined)})`);
    }
  } finally {
    await chrome.close();
    await host.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
