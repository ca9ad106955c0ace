import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator } from 'playwright-core';
import { PNG } from 'pngjs';
import { missing } from '../fixtures/requireData.ts';
import { builtRendererDir, ensureAppBuilt } from '../host/builtApp.ts';

export const CHROMIUM_PATH = process.env.OPAL_CHROMIUM ?? '/usr/bin/chromium';

/** Whether Chromium is installed; under OPAL_REQUIRE_DATA=1 its absence throws (the e2e suite fails instead of skipping). */
export function chromiumAvailable(): boolean {
  return !missing(existsSync(CHROMIUM_PATH), `Chromium (${CHROMIUM_PATH})`);
}

/**
 * Headless Debian Chromium with software WebGL2 (SwiftShader) and no network services. Playwright
 * gives every launch a fresh temporary profile (its own --user-data-dir), removed on close.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-gl=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Builds the app (out/, renderer included) where it is older than its sources; returns the built renderer's folder. */
export async function buildRendererIfStale(): Promise<string> {
  await ensureAppBuilt({ renderer: true });
  return builtRendererDir;
}

export interface PixelStats {
  width: number;
  height: number;
  /** Distinct grey levels (of R) seen. */
  distinctLevels: number;
  /** Share of pixels that are not (near) black. */
  nonBlackShare: number;
  /** Pixels where R differs clearly from G or B (a coloured overlay on a grey image). */
  colouredPixels: number;
  /** Pixels tinted by the lung overlay's colours (G and B above R). */
  lungTintPixels: number;
  png: PNG;
}

/** Screenshot of an element, decoded: what the user actually sees (works for WebGL canvases). */
export async function elementPixels(el: Locator, savePath?: string): Promise<PixelStats> {
  const buf = await el.screenshot(savePath ? { path: savePath } : {});
  const png = PNG.sync.read(buf);
  const levels = new Set<number>();
  let nonBlack = 0;
  let coloured = 0;
  let lungTint = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const r = png.data[i];
    const g = png.data[i + 1];
    const b = png.data[i + 2];
    levels.add(r);
    if (r + g + b > 30) nonBlack++;
    if (Math.abs(r - g) > 40 || Math.abs(r - b) > 40 || Math.abs(g - b) > 40) coloured++;
    // The lung overlay's colours (blue, green-teal) have little red: over grey CT they lift green
    // and blue above red; infection and crosshair colours are red/yellow.
    if (g - r > 10 && b - r > 10) lungTint++;
  }
  return { width: png.width, height: png.height, distinctLevels: levels.size, nonBlackShare: nonBlack / (png.width * png.height), colouredPixels: coloured, lungTintPixels: lungTint, png };
}
