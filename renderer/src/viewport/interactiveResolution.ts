/**
 * Interactive resolution: render the viewports at a lower resolution while the user is moving
 * through the volume (wheel scroll, window/level, pan, zoom, crosshair drag) and at full resolution
 * as soon as the motion stops.
 *
 * Why: with a software rasteriser (a clinic PC without a GPU, where Chromium falls back to
 * SwiftShader) cornerstone's volume-slice shader costs ~0.4 µs per output pixel, so one slice step
 * of a 450×400 viewport takes ~100 ms and scrolling stutters. The cost is per pixel (measured: half
 * the linear resolution → ~3.6× faster), so rendering the moving frames at half resolution keeps
 * scrolling fluid, and the still frame the radiologist actually reads is always full resolution.
 * This is the level-of-detail scheme of VTK's interactive renders; on a real GPU it is off.
 *
 * This module is the pure policy (no DOM, no cornerstone): it decides *when* to switch; the caller
 * supplies `apply(scale)` that re-renders at that scale, and the timer functions (tests use fakes).
 */

export interface InteractiveResolutionOptions {
  /**
   * Linear scale of the render while moving, 0 < s < 1 (0.5 = a quarter of the pixels), or a
   * function giving it when a motion begins (e.g. {@link movingScaleForPixelBudget}).
   */
  movingScale: number | (() => number);
  /** How long after the last motion event the full-resolution frame is rendered. */
  settleMs: number;
  /** Re-renders every viewport at `scale` (1 = full resolution). Called only on a change. */
  apply: (scale: number) => void;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class InteractiveResolution {
  private enabledFlag = false;
  private scale = 1;
  private held = 0;
  private timer: unknown = undefined;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: InteractiveResolutionOptions) {
    if (typeof options.movingScale === 'number') checkScale(options.movingScale);
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  get enabled(): boolean {
    return this.enabledFlag;
  }

  /** The scale the viewports are rendered at now. */
  get currentScale(): number {
    return this.scale;
  }

  /** Turning it off restores full resolution at once. */
  setEnabled(enabled: boolean): void {
    this.enabledFlag = enabled;
    if (!enabled) {
      this.cancelTimer();
      this.held = 0;
      this.setScale(1);
    }
  }

  /** One motion event (a wheel notch, a drag move): lower the resolution, restart the settle timer. */
  motion(): void {
    if (!this.enabledFlag) return;
    if (this.scale === 1) {
      const m = this.options.movingScale;
      this.setScale(checkScale(typeof m === 'number' ? m : m()));
    }
    this.armTimer();
  }

  /** A drag began (button down on a viewport): stay at the moving scale until `release()`. */
  hold(): void {
    if (!this.enabledFlag) return;
    this.held++;
    this.cancelTimer();
  }

  /** The drag ended: settle after `settleMs` if it had lowered the resolution. */
  release(): void {
    if (this.held === 0) return;
    this.held--;
    if (this.held === 0 && this.scale !== 1) this.armTimer();
  }

  private armTimer(): void {
    this.cancelTimer();
    if (this.held > 0) return;
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      this.setScale(1);
    }, this.options.settleMs);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }

  private setScale(scale: number): void {
    if (scale === this.scale) return;
    this.scale = scale;
    this.options.apply(scale);
  }
}

function checkScale(scale: number): number {
  if (!(scale > 0 && scale < 1)) throw new RangeError(`movingScale must be in (0, 1), got ${scale}`);
  return scale;
}

/**
 * The moving scale that keeps the largest viewport within `budgetPixels` rendered pixels, never
 * above `maxScale` nor below `minScale`. With software GL the frame time is proportional to the
 * pixels drawn (~0.4 µs each on the 2-core test machine), so a pixel budget is a frame-time budget
 * that holds for a small window and a full-screen one alike.
 */
export function movingScaleForPixelBudget(viewportPixels: number, budgetPixels = 60_000, maxScale = 0.5, minScale = 0.25): number {
  if (!(viewportPixels > 0)) return maxScale;
  return Math.min(maxScale, Math.max(minScale, Math.sqrt(budgetPixels / viewportPixels)));
}
