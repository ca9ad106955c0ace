import type { Bridge } from '../bridge.ts';
import { applyLabelRuns, uniformLabelRuns } from '../../../electron/common/volume/labelRuns.ts';
import type { OrthoViewer, OverlayStyle } from './orthoViewer.ts';

export const CONFIDENCE_OVERLAY_ID = 'opal-confidence';

/**
 * The model's confidence as a colour overlay (review mode): the engine bins it into levels
 * (`confidence/<handle>` binary resource; common/review confidenceLevels): 1 = a little unsure
 * (winning probability 0.6–0.8) in light blue, 2 = uncertain (< 0.6, what the review queue counts) in
 * magenta; confident voxels, voxels painted by hand and those the model did not run on stay clear.
 */
export const CONFIDENCE_STYLE: OverlayStyle = { visible: true, opacity: 0.55, colors: { 1: [90, 200, 255, 255], 2: [255, 40, 220, 255] } };

export class ConfidenceOverlay {
  private labels: Uint8Array | undefined;
  private added = false;
  private shown = false;
  private fetchedRevision = -1;

  constructor(
    private readonly viewer: OrthoViewer,
    private readonly bridge: Bridge,
  ) {}

  get visible(): boolean {
    return this.shown;
  }

  /** A new series is shown (after the viewer shows it): the overlay starts hidden and empty on its grid. */
  volumeChanged(voxels: number): void {
    this.labels = new Uint8Array(voxels);
    this.fetchedRevision = -1;
    this.shown = false;
    // Its labelmap leaves the cache with the series; it is added again when first shown.
    if (this.added) this.viewer.removeOverlay(CONFIDENCE_OVERLAY_ID);
    this.added = false;
  }

  /**
   * Shows or hides the overlay; shown, it is fetched for labelmap `revision` (again only when the
   * labelmap changed since). Rejects (E_BAD_ARGUMENT) when the labelmap has no model confidence.
   */
  async setVisible(on: boolean, volume: { handle: string; revision: number; sliceVoxels: number } | undefined): Promise<void> {
    if (!on || !volume || !this.labels) {
      this.shown = false;
      if (this.added) this.viewer.styleOverlay(CONFIDENCE_OVERLAY_ID, { ...CONFIDENCE_STYLE, visible: false });
      return;
    }
    await this.refresh(volume, true);
  }

  /** Fetches the levels again when the labelmap changed (only while shown, unless `force`). */
  async refresh(volume: { handle: string; revision: number; sliceVoxels: number }, force = false): Promise<void> {
    const labels = this.labels;
    if (!labels || (!this.shown && !force)) return;
    if (volume.revision !== this.fetchedRevision) {
      const runs = new Uint8Array(await this.bridge.fetchBinary({ kind: 'confidence', volumeHandle: volume.handle, encoding: 'runs' }));
      if (labels !== this.labels) return; // another series opened meanwhile
      const changed = applyLabelRuns(labels, runs.length ? runs : uniformLabelRuns(labels.length), volume.sliceVoxels);
      this.fetchedRevision = volume.revision;
      if (this.added && changed.length > 0) this.viewer.overlayChanged(CONFIDENCE_OVERLAY_ID, changed);
    }
    if (!this.added) {
      this.viewer.addOverlayKeepingView(CONFIDENCE_OVERLAY_ID, labels, CONFIDENCE_STYLE);
      this.added = true;
    } else this.viewer.styleOverlay(CONFIDENCE_OVERLAY_ID, CONFIDENCE_STYLE);
    this.shown = true;
  }

  /** Voxels currently marked at each level (0, 1, 2), for tests and the panel's legend. */
  counts(): [number, number, number] {
    const c: [number, number, number] = [0, 0, 0];
    if (this.labels) for (const v of this.labels) c[v as 0 | 1 | 2]++;
    return c;
  }
}
