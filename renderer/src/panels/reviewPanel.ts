import type { ReviewQueue, ReviewQueueSlice } from '../../../electron/common/ipc/contract.ts';
import type { Bridge } from '../bridge.ts';
import { h } from './dom.ts';
import { voxelToPatient, type Volume } from '../../../electron/common/volume/index.ts';

/** Keys of review mode (README's shortcut table and the '?' help list them). */
export const REVIEW_KEYS = { next: ']', previous: '[', mark: 'v', confidence: 'u' } as const;

/** How long the labelmap must be still before the queue and the overlay are fetched again (ms). */
const LABELMAP_SETTLE_MS = 400;

/** The rank after `cursor` in direction `by` (+1 next, −1 previous), clamped to the queue; 0-based. */
export function stepCursor(cursor: number, by: number, length: number): number {
  if (length === 0) return -1;
  return Math.min(length - 1, Math.max(0, cursor + by));
}

/** Where a review starts: the first unreviewed slice in rank order, or rank 1 when all are reviewed. */
export function firstUnreviewed(slices: readonly Pick<ReviewQueueSlice, 'reviewed'>[]): number {
  if (slices.length === 0) return -1;
  const i = slices.findIndex((s) => !s.reviewed);
  return i < 0 ? 0 : i;
}

export interface ReviewPanelWiring {
  bridge: Bridge;
  /** The panel's section; its content is built here. */
  container: HTMLElement;
  /** The loaded volume and its labelmap revision, if a series is open. */
  volume: () => { handle: string; revision: number; sliceVoxels: number } | undefined;
  /** The loaded series' grid (voxel → patient LPS). */
  geometry: () => Pick<Volume, 'spacingMm' | 'originMm' | 'direction'> | undefined;
  /** Centres the three viewports on a patient point (LPS mm): the axial view moves to its slice. */
  centreOn: (worldLps: [number, number, number]) => void;
  /** Shows or hides the confidence overlay (viewport/confidenceOverlay.ts). */
  setConfidenceVisible: (on: boolean) => Promise<void>;
  /** Runs work with the app's error handling (banner + status). */
  run: (work: () => Promise<void>) => void;
  status: (line: string) => void;
}

export interface ReviewPanel {
  /** Review-mode keys (], [, V, U); true when the key was taken. */
  handleKey(e: KeyboardEvent): boolean;
  /** The labelmap changed (an edit, a new segmentation): the queue is ranked again while reviewing. */
  labelmapChanged(): void;
  /** A new series opened: review mode ends. */
  volumeChanged(): void;
}

/**
 * Review mode (issue 15 point 4): "Start review" asks the engine for the axial slices ranked by the
 * model's uncertainty (getReviewQueue; rule in electron/common/review/reviewQueue.ts), lists them
 * with their scores, and steps the viewports through them (] next, [ previous, or a click on a
 * row: all three views centre on the slice's uncertain voxels, the axial view on that slice); V (or "Reviewed") marks the current ranked slice reviewed or not (markSliceReviewed: autosaved,
 * recorded in the exports); "n / N reviewed" counts the queue's marked slices. The Confidence
 * checkbox (U) lays the model's confidence over the images.
 */
export function wireReviewPanel(w: ReviewPanelWiring): ReviewPanel {
  const start = h('button', { id: 'review-start', type: 'button', title: 'Rank the axial slices by how unsure the model was and step through them' }, 'Start review');
  const prev = h('button', { id: 'review-prev', type: 'button', title: `Previous ranked slice (${REVIEW_KEYS.previous})` }, '◀ Prev');
  const next = h('button', { id: 'review-next', type: 'button', title: `Next ranked slice (${REVIEW_KEYS.next})` }, 'Next ▶');
  const mark = h('button', { id: 'review-mark', type: 'button', title: 'Mark the current ranked slice reviewed, or not (V)' }, 'Reviewed ✓');
  const progress = h('span', { id: 'review-progress', class: 'method' }, '');
  const confidence = h('input', { type: 'checkbox', id: 'confidence-toggle' });
  const confidenceLabel = h('label', { id: 'confidence-toggle-label', title: 'The model’s confidence over the images (U): magenta = uncertain (p < 0.6), blue = a little unsure (0.6–0.8)' }, confidence, ' Confidence');
  const current = h('div', { id: 'review-current', class: 'method' }, '');
  const list = h('ol', { id: 'review-list', class: 'review-list' });
  const legend = h('div', { class: 'method', title: 'Uncertain: voxels where the model’s winning probability was below 0.6 (not edited)' }, 'slice: uncertain mL (infection mL, its mean confidence)');
  w.container.replaceChildren(
    h('h2', {}, 'Review'),
    h('div', { class: 'review-controls' }, start, prev, next, mark, confidenceLabel),
    progress,
    current,
    legend,
    list,
  );

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let queue: ReviewQueue | null = null;
  let cursor = -1;
  let handle: string | undefined;

  function draw(): void {
    const active = queue !== null;
    for (const b of [prev, next, mark]) b.disabled = !active || queue!.total === 0;
    w.container.dataset.active = String(active);
    legend.hidden = !active;
    if (!queue) {
      progress.textContent = '';
      current.textContent = '';
      list.replaceChildren();
      delete w.container.dataset.cursorSlice;
      return;
    }
    const q = queue;
    progress.textContent = `${q.reviewed} / ${q.total} reviewed${q.hasConfidence ? '' : ' (no model confidence: ranked by infection volume)'}`;
    w.container.dataset.reviewed = String(q.reviewed);
    w.container.dataset.total = String(q.total);
    const s = q.slices[cursor];
    w.container.dataset.cursorRank = s ? String(s.rank) : '';
    w.container.dataset.cursorSlice = s ? String(s.sliceNumber) : '';
    current.textContent = s ? `Rank ${s.rank} of ${q.total}: slice ${s.sliceNumber}${s.reviewed ? ' (reviewed)' : ''}` : 'Nothing to review: no infection and no uncertain voxels.';
    list.replaceChildren(
      ...q.slices.map((x, i) => {
        const conf = x.meanInfectionConfidence === null ? '' : `, ${Math.round(x.meanInfectionConfidence * 100)} %`;
        const full = `Slice ${x.sliceNumber} (rank ${x.rank}): ${x.uncertainMl.toFixed(2)} mL uncertain; infection ${x.infectionMl.toFixed(2)} mL${conf ? `, mean confidence${conf.slice(1)}` : ''}${x.reviewed ? '; reviewed' : ''}. Click to go there.`;
        const row = h(
          'li',
          { class: `${x.reviewed ? 'reviewed' : ''}${i === cursor ? ' current' : ''}`, 'data-rank': String(x.rank), 'data-slice': String(x.sliceNumber), tabindex: '0', title: full },
          `${x.reviewed ? '✓' : '·'} ${x.sliceNumber}: ${x.uncertainMl.toFixed(2)} mL (${x.infectionMl.toFixed(2)} mL${conf})`,
        );
        row.addEventListener('click', () => goTo(i));
        return row;
      }),
    );
    list.querySelector('li.current')?.scrollIntoView({ block: 'nearest' });
  }

  function goTo(i: number): void {
    if (!queue || i < 0 || i >= queue.slices.length) return;
    cursor = i;
    // All three views to where the model was unsure on that slice (its axial slice exactly: k is whole).
    const g = w.geometry();
    const [ci, cj, ck] = queue.slices[i].centreVoxel;
    if (g) w.centreOn(voxelToPatient(g, ci, cj, ck));
    draw();
  }

  async function load(): Promise<void> {
    const v = w.volume();
    if (!v) return;
    const keepK = queue?.slices[cursor]?.k;
    const q = await w.bridge.call('getReviewQueue', { volumeHandle: v.handle });
    if (w.volume()?.handle !== v.handle) return;
    handle = v.handle;
    queue = q;
    const kept = keepK === undefined ? -1 : q.slices.findIndex((s) => s.k === keepK);
    cursor = kept >= 0 ? kept : firstUnreviewed(q.slices);
  }

  async function startReview(): Promise<void> {
    queue = null;
    await load();
    if (!queue) return;
    const q: ReviewQueue = queue;
    goTo(cursor);
    draw();
    w.status(q.total ? `Review: ${q.total} slices ranked by the model's uncertainty; ${q.reviewed} reviewed. ${REVIEW_KEYS.next} next, ${REVIEW_KEYS.previous} previous, V marks reviewed.` : 'Nothing to review: no infection and no uncertain voxels.');
  }

  async function toggleMark(): Promise<void> {
    const v = w.volume();
    const s = queue?.slices[cursor];
    if (!v || !s || v.handle !== handle) return;
    queue = await w.bridge.call('markSliceReviewed', { volumeHandle: v.handle, k: s.k, reviewed: !s.reviewed });
    draw();
    w.status(`Slice ${s.sliceNumber} ${s.reviewed ? 'no longer marked' : 'marked'} reviewed (${queue.reviewed} / ${queue.total}).${queue.autosaveProblem ? ` The mark could not be autosaved: ${queue.autosaveProblem.message}` : ''}`);
  }

  async function setConfidence(on: boolean): Promise<void> {
    try {
      await w.setConfidenceVisible(on);
      confidence.checked = on;
      document.body.dataset.confidenceOverlay = on ? 'on' : 'off';
    } catch (e) {
      confidence.checked = false;
      document.body.dataset.confidenceOverlay = 'off';
      throw e;
    }
  }

  start.addEventListener('click', () => w.run(startReview));
  prev.addEventListener('click', () => goTo(stepCursor(cursor, -1, queue?.slices.length ?? 0)));
  next.addEventListener('click', () => goTo(stepCursor(cursor, 1, queue?.slices.length ?? 0)));
  mark.addEventListener('click', () => w.run(toggleMark));
  confidence.addEventListener('change', () => w.run(() => setConfidence(confidence.checked)));
  draw();

  return {
    handleKey(e) {
      const key = e.key.toLowerCase();
      if (key === REVIEW_KEYS.confidence) {
        w.run(() => setConfidence(!confidence.checked));
        return true;
      }
      if (!queue) return false;
      if (key === REVIEW_KEYS.next || key === REVIEW_KEYS.previous) {
        goTo(stepCursor(cursor, key === REVIEW_KEYS.next ? 1 : -1, queue.slices.length));
        return true;
      }
      if (key === REVIEW_KEYS.mark) {
        w.run(toggleMark);
        return true;
      }
      return false;
    },
    labelmapChanged() {
      // Strokes come in bursts and each ranking (or binning) passes over the whole volume in the
      // engine: fetch again once the labelmap has been still for a moment.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => {
        if (confidence.checked) w.run(() => setConfidence(true));
        if (queue)
          w.run(async () => {
            await load();
            draw();
          });
      }, LABELMAP_SETTLE_MS);
    },
    volumeChanged() {
      clearTimeout(refreshTimer);
      queue = null;
      cursor = -1;
      handle = undefined;
      confidence.checked = false;
      document.body.dataset.confidenceOverlay = 'off';
      draw();
    },
  };
}
