import './zodJitless.ts'; // must stay the first import (see the module)
import { Enums as CoreEnums, getRenderingCapabilities } from '@cornerstonejs/core';
import { createBridge, BridgeError } from './bridge.ts';
import { Store, isPaintMode, nextBrushRadius, normaliseHuRange, type ToolMode } from './state/store.ts';
import { adviceFor } from './state/errorMessages.ts';
import { OrthoViewer, PLANES, type Plane } from './viewport/orthoViewer.ts';
import { InteractiveResolution, movingScaleForPixelBudget } from './viewport/interactiveResolution.ts';
import { WINDOW_PRESETS, presetForKey, windowOfVoiRange } from './viewport/windowPresets.ts';
import { BrushTool } from './tools/BrushTool.ts';
import { BrushOutline } from './tools/brushOutline.ts';
import { brushTargetFor, brushTargetOf, nextBrushTarget, type BrushTargetChoice } from './tools/brushTargets.ts';
import { CorrectionTools, CORRECTION_MODES } from './tools/CorrectionTools.ts';
import { applyDiff } from '../../electron/common/edit/index.ts';
import type { EditResult, ExportFormat, LabelmapDiff, LabelmapKind, VolumeInfo } from '../../electron/common/ipc/contract.ts';
import type { VolumeGeometry } from './viewport/registerCtVolume.ts';
import { byId, h } from './panels/dom.ts';
import { renderMeasurements } from './panels/measurementsPanel.ts';
import { renderLesionsPanel } from './panels/lesionsPanel.ts';
import { nextLesionSort } from './panels/lesionSort.ts';
import { renderSegmentsPanel } from './panels/segmentsPanel.ts';
import { renderAbout } from './panels/aboutPanel.ts';
import { wireExecutionProviderSetting } from './panels/settingsPanel.ts';
import { renderSeriesList, renderRecent, droppedPath } from './panels/seriesPanel.ts';
import { mountScanCancel } from './panels/scanCancel.ts';
import { WorkGuard } from './state/workGuard.ts';
import { publishCacheStats } from './viewport/cacheStats.ts';
import { ViewportOverlays } from './viewport/viewportOverlays.ts';
import { ViewportNavigation } from './tools/keyboardNavigation.ts';
import { createShortcutHelp } from './panels/shortcutHelp.ts';
import { wireMaskImport } from './panels/maskImportPanel.ts';
import { wireReviewPanel } from './panels/reviewPanel.ts';
import { ConfidenceOverlay } from './viewport/confidenceOverlay.ts';
import { slicesOfIndices } from './viewport/labelmapUpdate.ts';
import { applyLabelRuns, uniformLabelRuns } from '../../electron/common/volume/labelRuns.ts';

const bridge = createBridge();
const store = new Store();
const elements = { axial: byId<HTMLDivElement>('vp-axial'), sagittal: byId<HTMLDivElement>('vp-sagittal'), coronal: byId<HTMLDivElement>('vp-coronal') };
const viewer = new OrthoViewer(elements);
viewer.setCrosshairsActive(true);
// Overlays over the canvases (letters, scale bar, W/L, slice, patient) and keyboard/zoom navigation.
const overlays = new ViewportOverlays(viewer, elements, (p) => ({ slice: byId(`slice-${p}`), hu: byId(`hu-${p}`) }));
const navigation = new ViewportNavigation(viewer, elements, () => loaded?.geometry, (p) => overlays.sliceInfo(p));
navigation.attachZoom(byId('viewports'));
const shortcutHelp = createShortcutHelp();
const confidenceOverlay = new ConfidenceOverlay(viewer, bridge);
const overlaysToggle = byId<HTMLInputElement>('overlays-toggle');
const setOverlaysVisible = (on: boolean) => {
  overlays.setVisible(on);
  overlaysToggle.checked = on;
};
overlaysToggle.addEventListener('change', () => setOverlaysVisible(overlaysToggle.checked));
byId('reset-view').addEventListener('click', () => navigation.resetView());
byId('shortcut-help-button').addEventListener('click', () => shortcutHelp.toggle());

// Fast scroll (interactiveResolution.ts): half resolution while moving, full when still. On by
// default only with a software rasteriser, where a full-resolution slice step takes ~100 ms.
const rendering = getRenderingCapabilities();
const interactiveResolution = new InteractiveResolution({
  movingScale: () => movingScaleForPixelBudget(Math.max(...PLANES.map((p) => elements[p].clientWidth * elements[p].clientHeight * window.devicePixelRatio ** 2))),
  settleMs: 250,
  apply: (scale) => viewer.setRenderScale(scale),
});
interactiveResolution.setEnabled(rendering.softwareRasterizer === true);

interface Loaded {
  info: VolumeInfo;
  geometry: VolumeGeometry;
  voxels: Int16Array | Float32Array;
  infection: Uint8Array;
  lungs: Uint8Array;
}
let loaded: Loaded | undefined;
let currentFolder = '';
/** Folder and series of the volume shown (re-clicking it does nothing). */
let loadedKey = '';
// Never losing work: asks before closing or re-segmenting an edited labelmap, offers autosaved work.
const work = new WorkGuard({
  bridge,
  current: () => loaded?.info,
  exportNow: async () => {
    if (!byId<HTMLInputElement>('export-dir').value.trim()) {
      throw new BridgeError({ code: 'E_BAD_ARGUMENT', message: 'Choose the export folder first (Export, Choose…); the series stays open.' });
    }
    await exportResults();
  },
});
window.addEventListener('beforeunload', (e) => {
  // Closing the window with unexported edits asks first (they also stay in the autosave).
  if (work.unsavedEdits) e.preventDefault();
});

function showError(e: unknown): void {
  const err = e instanceof BridgeError ? e.error : { code: 'E_INTERNAL' as const, message: e instanceof Error ? e.message : String(e) };
  // The status line ends in a final state (never left at "Scanning…"/"Exporting…"); the banner keeps the coded message.
  store.update({ error: err, status: err.code === 'E_CANCELLED' ? 'Cancelled.' : `Stopped: ${err.code} (see the message above).` });
}

async function guarded(work: () => Promise<void>): Promise<void> {
  try {
    store.update({ error: null });
    await work();
  } catch (e) {
    showError(e);
  }
}

// ---- study ----

async function openFolder(path: string): Promise<void> {
  currentFolder = path;
  store.update({ scanning: true, status: `Scanning ${path}…` });
  try {
    const scan = await bridge.call('scanFolder', { path });
    store.update({ scan, status: `${scan.series.length} series, ${scan.skipped.length} files skipped.` });
    renderRecent(byId('recent-list'), await bridge.call('listRecentFolders', {}), (p) => void guarded(() => openFolder(p)));
    const best = [...scan.series].filter((s) => s.loadable).sort((a, b) => (b.slices ?? b.imageCount) - (a.slices ?? a.imageCount))[0];
    if (best) await loadSeries(best.seriesInstanceUid);
  } finally {
    store.update({ scanning: false });
  }
}

async function loadSeries(seriesInstanceUid: string): Promise<void> {
  store.update({ loading: true, status: 'Loading the series…' });
  try {
    if (loaded && loadedKey === `${currentFolder}|${seriesInstanceUid}`) return void store.update({ status: 'This series is already open.' });
    if (loaded && !(await work.closeCurrent('opening another series'))) return void store.update({ status: 'The open series stays open.' });
    loaded = undefined;
    const info = await bridge.call('loadSeries', { path: currentFolder, seriesInstanceUid });
    const buf = await bridge.fetchBinary({ kind: 'ct', volumeHandle: info.handle });
    const voxels = info.voxelType === 'int16' ? new Int16Array(buf) : new Float32Array(buf);
    const geometry: VolumeGeometry = { dims: info.dims, spacingMm: info.spacingMm, originMm: info.originMm, direction: info.direction, frameOfReferenceUid: info.frameOfReferenceUid, seriesInstanceUid: info.seriesInstanceUid };
    const n = info.dims[0] * info.dims[1] * info.dims[2];
    loaded = { info, geometry, voxels, infection: new Uint8Array(n), lungs: new Uint8Array(n) };
    await viewer.showVolume(`opal-ct-${info.handle}`, geometry, voxels);
    overlays.setStudy({ info, geometry, voxels });
    overlays.setWindow(store.state.window.windowWidthHu, store.state.window.windowLevelHu);
    viewer.addOverlay('opal-lungs', loaded.lungs, store.state.overlays.lungs);
    viewer.addOverlay('opal-infection', loaded.infection, store.state.overlays.infection);
    confidenceOverlay.volumeChanged(n);
    review.volumeChanged();
    store.update({ volume: info, measurements: null, labelmapRevision: 0, canUndo: false, canRedo: false, status: `${info.seriesDescription ?? 'Series'} · ${info.dims.join('×')} · ${info.spacingMm.map((s) => s.toFixed(2)).join('×')} mm` });
    const warnings = byId('volume-warnings');
    warnings.replaceChildren(...info.warnings.map((w) => h('li', {}, `⚠ ${w}`)));
    updateSliceLabels();
    loadedKey = `${currentFolder}|${seriesInstanceUid}`;
    publishCacheStats();
    const restored = await work.offerRestore(info);
    if (restored) {
      await refreshLabelmaps();
      store.update({ measurements: restored.measurements, canUndo: restored.canUndo, canRedo: restored.canRedo, status: `Restored ${restored.replayedEdits} autosaved edit${restored.replayedEdits === 1 ? '' : 's'}.` });
    }
  } finally {
    store.update({ loading: false });
  }
}

// ---- labelmaps ----

/**
 * Fetches the engine's labelmaps into the overlays; only the slices that changed go to the GPU.
 * `lungs: false` (the preview, which carries infection only) leaves the lung overlay as it is.
 */
async function refreshLabelmaps(options: { lungs?: boolean } = {}): Promise<void> {
  if (!loaded) return;
  const target = loaded;
  const handle = target.info.handle;
  const rev = await bridge.call('getLabelmapRevision', { volumeHandle: handle });
  if (loaded !== target) return;
  const [nx, ny, nz] = target.info.dims;
  const update = async (kind: 'infection' | 'lungs', labels: Uint8Array, present: boolean, segmentationId: string): Promise<void> => {
    // Runs, not raw bytes: a preview arrives while the model still runs, and 78 MB through the transport took seconds.
    const runs = present ? new Uint8Array(await bridge.fetchBinary({ kind, volumeHandle: handle, encoding: 'runs' })) : uniformLabelRuns(labels.length);
    if (loaded !== target) return;
    performance.mark(`opal:${kind}-fetched`);
    const changed = applyLabelRuns(labels, runs, nx * ny);
    performance.mark(`opal:${kind}-applied`);
    if (changed.length > 0) viewer.overlayChanged(segmentationId, changed.length === nz ? undefined : changed);
  };
  await update('infection', target.infection, rev.hasInfection, 'opal-infection');
  if (options.lungs !== false) await update('lungs', target.lungs, rev.hasLungs, 'opal-lungs');
  store.update({ labelmapRevision: rev.revision });
}

async function runSegmentation(): Promise<void> {
  if (!loaded) return;
  const edits = await work.segmentPolicy(); // asks first when the labelmap holds hand edits
  if (edits === null) return void store.update({ status: 'Segmentation not started; your edits are unchanged.' });
  store.update((s) => ({ segmentation: { ...s.segmentation, running: true, phase: 'preview', done: 0, total: 0, previewShown: false }, status: 'Segmenting…' }));
  try {
    const r = await bridge.call('segment', { volumeHandle: loaded.info.handle, edits });
    await refreshLabelmaps();
    store.update((s) => ({
      measurements: r.measurements,
      canUndo: false,
      canRedo: false,
      segmentation: { ...s.segmentation, running: false, phase: null, executionProvider: r.executionProvider },
      status: `Segmented in ${(r.durationMs / 1000).toFixed(1)} s on ${r.executionProvider}.`,
    }));
    store.update({ appInfo: await bridge.call('getAppInfo', {}) });
  } finally {
    store.update((s) => ({ segmentation: { ...s.segmentation, running: false, phase: null } }));
  }
}

bridge.onEvent((e) => {
  if (e.type === 'scan-progress' && store.state.scanning) store.update({ status: `Scanning… ${e.filesSeen}${e.filesTotal ? ` / ${e.filesTotal}` : ''} files` });
  if (!loaded || ('volumeHandle' in e && e.volumeHandle !== loaded.info.handle)) return;
  if (e.type === 'segment-progress') store.update((s) => ({ segmentation: { ...s.segmentation, phase: e.phase, done: e.done, total: e.total } }));
  if (e.type === 'segment-preview') {
    // Marks for `npm run bench:viewer`, which splits segment → preview into engine and display time.
    performance.mark('opal:preview-event');
    void guarded(async () => {
      await refreshLabelmaps({ lungs: false });
      performance.mark('opal:preview-shown');
      store.update((s) => ({ segmentation: { ...s.segmentation, previewShown: true }, status: 'Preview shown; refining…' }));
    });
  }
});

// ---- editing ----

/** Writes an engine edit into the renderer's copy of its labelmap (the infection, or the lungs). */
function applyLocal(diff: LabelmapDiff, target: LabelmapKind = 'infection'): void {
  if (!loaded) return;
  applyDiff(target === 'lungs' ? loaded.lungs : loaded.infection, diff.indices, diff.values);
  viewer.overlayChanged(target === 'lungs' ? 'opal-lungs' : 'opal-infection', slicesOfIndices(diff.indices, loaded.info.dims[0] * loaded.info.dims[1]));
}

const brush = new BrushTool(
  () => {
    const mode = store.state.tool.mode;
    if (!loaded || !isPaintMode(mode)) return undefined;
    const l = loaded;
    // The target selector: an infection label, or the right/left lung (editable lung masks).
    const target = brushTargetFor(store.state.tool.brushTarget, store.state.tool.brushLabel);
    const labels = target.labelmap === 'lungs' ? l.lungs : l.infection;
    return {
      geometry: l.geometry,
      labels,
      hu: l.voxels,
      viewportOf: (el: HTMLElement) => {
        const plane = el.dataset.plane as Plane | undefined;
        return plane ? { viewport: viewer.viewport(plane), plane } : undefined;
      },
      // While dragging only the painted viewport draws; the stroke's end updates all three.
      changed: (slices, plane) => viewer.overlayChangedIn(target.overlayId, slices, plane),
      strokeEnded: (slices) => viewer.overlayChanged(target.overlayId, slices),
      commit: (d) =>
        void guarded(async () => {
          const diff = { indices: [...d.indices], values: [...d.after] };
          const r = await bridge.call('commitStroke', { volumeHandle: l.info.handle, diff, ...(target.labelmap === 'lungs' ? { target: 'lungs' as const } : {}) }).catch((e: unknown) => {
            // The engine does not have the stroke: take it off the screen too.
            applyDiff(labels, d.indices, d.before);
            viewer.overlayChanged(target.overlayId);
            throw e;
          });
          const where = target.labelmap === 'lungs' ? ` on the ${target.name.toLowerCase()}` : '';
          store.update({ measurements: r.measurements, canUndo: r.canUndo, canRedo: r.canRedo, labelmapRevision: r.revision, status: `Stroke of ${d.indices.length} voxels${where} saved.` });
        }).catch(() => undefined),
    };
  },
  () => {
    const t = store.state.tool;
    if (!isPaintMode(t.mode)) return undefined;
    const [minHu, maxHu] = t.huLimit.ranges[t.brushLabel];
    // The HU-threshold brush keeps to a lesion's HU range; lung edits take whatever the disc covers.
    return { mode: t.mode === 'eraser' ? 'eraser' : 'brush', radiusMm: t.brushRadiusMm, label: t.brushLabel, huWindow: t.huLimit.enabled && t.brushTarget === 'infection' ? { minHu, maxHu } : undefined };
  },
);
for (const plane of PLANES) brush.attach(elements[plane]);
// The brush's real size at the cursor (hidden in navigate mode).
const brushOutline = new BrushOutline({
  elements,
  mmPerPixel: (plane) => overlays.mmPerPixel(plane),
  radiusMm: () => ((store.state.tool.mode === 'brush' || store.state.tool.mode === 'eraser') && loaded ? store.state.tool.brushRadiusMm : undefined),
  color: () => (store.state.tool.mode === 'eraser' ? '#ff8080' : store.state.tool.brushTarget === 'lungs' ? '#60c8ff' : '#ffe08a'),
});
// Click tools: delete a 3-D lesion, grow a region, assisted correction (tools/CorrectionTools.ts).
const corrections = new CorrectionTools({
  bridge,
  store,
  volume: () => (loaded ? { handle: loaded.info.handle, geometry: loaded.geometry } : undefined),
  viewportOf: (el) => {
    const plane = el.dataset.plane as Plane | undefined;
    return plane ? { viewport: viewer.viewport(plane), plane } : undefined;
  },
  show: (r, status) => showEngineEdit(r, status),
  run: (work) => void guarded(work),
  growRadiusMm: () => Number(byId<HTMLInputElement>('grow-radius').value),
  lungsOnly: () => byId<HTMLInputElement>('correction-lungs-only').checked,
});
for (const plane of PLANES) corrections.attach(elements[plane]);

async function undoRedo(which: 'undo' | 'redo'): Promise<void> {
  if (!loaded) return;
  const r = await bridge.call(which, { volumeHandle: loaded.info.handle });
  if (!r) return;
  applyLocal(r.applied, r.target);
  store.update({ measurements: r.measurements, canUndo: r.canUndo, canRedo: r.canRedo, labelmapRevision: r.revision, status: which === 'undo' ? 'Stroke undone.' : 'Stroke redone.' });
}

/** Shows an edit the engine computed (islands, holes, interpolation): labelmap, numbers, status. */
function showEngineEdit(r: EditResult, status: string): void {
  applyLocal(r.applied);
  store.update({ measurements: r.measurements, canUndo: r.canUndo, canRedo: r.canRedo, labelmapRevision: r.revision, status });
}

async function removeSmallIslands(): Promise<void> {
  if (!loaded) return;
  const minVolumeMl = Number(byId<HTMLInputElement>('island-ml').value);
  if (!(minVolumeMl > 0)) {
    store.update({ status: 'Enter the smallest island to keep, in mL (a positive number).' });
    return;
  }
  const r = await bridge.call('removeSmallIslands', { volumeHandle: loaded.info.handle, minVolumeMl });
  showEngineEdit(
    r,
    r.removedIslands
      ? `Removed ${r.removedIslands} island${r.removedIslands === 1 ? '' : 's'} under ${minVolumeMl} mL (${r.applied.indices.length} voxels); ${r.keptIslands} kept.`
      : `No island under ${minVolumeMl} mL (${r.keptIslands} kept).`,
  );
}

async function interpolate(): Promise<void> {
  if (!loaded) return;
  const maxGapSlices = Math.round(Number(byId<HTMLInputElement>('max-gap').value));
  if (!(maxGapSlices >= 1 && maxGapSlices <= 50)) {
    store.update({ status: 'Enter the widest gap to fill, 1-50 slices.' });
    return;
  }
  const plane = byId<HTMLSelectElement>('interpolate-plane').value as Plane;
  const r = await bridge.call('interpolateSlices', { volumeHandle: loaded.info.handle, maxGapSlices, plane });
  const skipped = r.skippedGaps ? `; ${r.skippedGaps} wider gap${r.skippedGaps === 1 ? '' : 's'} left empty` : '';
  showEngineEdit(r, r.gaps ? `Interpolated ${r.gaps} gap${r.gaps === 1 ? '' : 's'} between ${plane} slices (${r.applied.indices.length} voxels)${skipped}.` : `No gap of 1-${maxGapSlices} empty ${plane} slices between painted ones${skipped}.`);
}

async function fillHoles(): Promise<void> {
  if (!loaded) return;
  const r = await bridge.call('fillHoles', { volumeHandle: loaded.info.handle });
  showEngineEdit(
    r,
    r.holes ? `Filled ${r.holes} hole${r.holes === 1 ? '' : 's'} (${r.applied.indices.length} voxels).` : 'No enclosed holes to fill.',
  );
}

function setTool(mode: ToolMode): void {
  store.update((s) => ({ tool: { ...s.tool, mode } }));
  viewer.setCrosshairsActive(mode === 'navigate');
}

// Shift+wheel sizes the brush (captured before cornerstone's scroll tool sees the wheel).
byId('viewports').addEventListener(
  'wheel',
  (e) => {
    if (!e.shiftKey || store.state.tool.mode === 'navigate') return;
    e.preventDefault();
    e.stopPropagation();
    store.update((s) => ({ tool: { ...s.tool, brushRadiusMm: nextBrushRadius(s.tool.brushRadiusMm, e.deltaY) } }));
  },
  { capture: true, passive: false },
);

// Motion that re-renders a viewport lowers the resolution while fast scroll is on: the wheel
// (slice scroll) and drags (crosshairs, window/level, pan, zoom, and a brush stroke: each pointer
// move of a stroke redraws the painted viewport, ~100 ms at full resolution in software GL; the
// labels themselves are painted at full resolution and the view returns to it 250 ms after release).
let dragHeld = false;
byId('viewports').addEventListener(
  'wheel',
  (e) => {
    if (!(e.shiftKey && store.state.tool.mode !== 'navigate')) interactiveResolution.motion(); // Shift+wheel sizes the brush
  },
  { capture: true, passive: true },
);
byId('viewports').addEventListener(
  'pointerdown',
  () => {
    if (dragHeld) return;
    dragHeld = true;
    interactiveResolution.hold();
  },
  { capture: true },
);
byId('viewports').addEventListener('pointermove', (e) => {
  if (dragHeld && e.buttons !== 0) interactiveResolution.motion();
});
for (const type of ['pointerup', 'pointercancel'] as const) {
  window.addEventListener(type, () => {
    if (!dragHeld) return;
    dragHeld = false;
    interactiveResolution.release();
  });
}
const fastScroll = byId<HTMLInputElement>('fast-scroll');
fastScroll.checked = interactiveResolution.enabled;
fastScroll.addEventListener('change', () => interactiveResolution.setEnabled(fastScroll.checked));
byId('fast-scroll-label').title += ` This computer renders with: ${rendering.renderer ?? 'unknown'}${rendering.softwareRasterizer ? ' (software)' : ''}.`;
document.body.dataset.softwareRendering = String(rendering.softwareRasterizer === true);

// ---- viewport read-outs ----

// Slice numbers (1 = most inferior), the HU read-out and the rest: viewport/viewportOverlays.ts.
function updateSliceLabels(): void {
  overlays.updateAll();
}

for (const plane of PLANES) {
  const el = elements[plane];
  el.addEventListener(CoreEnums.Events.VOI_MODIFIED, ((e: CustomEvent<{ range?: { lower: number; upper: number } }>) => {
    if (!e.detail.range) return;
    // Right-drag window/level reports here; only a real change updates the store (setWindow fires this too).
    const w = windowOfVoiRange(e.detail.range);
    const cur = store.state.window;
    if (Math.abs(w.windowWidthHu - cur.windowWidthHu) > 0.5 || Math.abs(w.windowLevelHu - cur.windowLevelHu) > 0.5) store.update({ window: w });
  }) as EventListener);
}

// ---- export ----

async function exportResults(): Promise<void> {
  if (!loaded) return;
  const outDir = byId<HTMLInputElement>('export-dir').value.trim();
  if (!outDir) return void store.update({ status: 'Choose the output folder first (Choose…).' });
  const formats = [...document.querySelectorAll<HTMLInputElement>('input[name=fmt]:checked')].map((i) => i.value as ExportFormat);
  store.update({ status: 'Exporting…' });
  const r = await bridge.call('exportResults', { volumeHandle: loaded.info.handle, outDir, formats });
  byId('export-files').replaceChildren(...r.files.map((f) => h('li', {}, f)));
  store.update({ status: `Exported ${r.files.length} files to ${r.outDir}.` });
  await work.refresh();
}

// ---- wiring ----

// Folders come from main's dialog (chooseFolder): main refuses a path it did not hand out (E_PATH_NOT_GRANTED).
byId('choose-folder').addEventListener('click', () =>
  void guarded(async () => {
    const chosen = await bridge.call('chooseFolder', { purpose: 'open' });
    if (!chosen) return;
    byId<HTMLInputElement>('folder-path').value = chosen.path;
    await openFolder(chosen.path);
  }),
);
byId('choose-export-dir').addEventListener('click', () =>
  void guarded(async () => {
    const chosen = await bridge.call('chooseFolder', { purpose: 'export' });
    if (chosen) byId<HTMLInputElement>('export-dir').value = chosen.path;
  }),
);
wireExecutionProviderSetting(byId<HTMLSelectElement>('ep-setting'), bridge, (work) => void guarded(work), (status) => store.update({ status }));
byId('open-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const path = byId<HTMLInputElement>('folder-path').value.trim();
  if (path) void guarded(() => openFolder(path));
});
const drop = byId('drop-zone');
for (const target of [drop, document.body]) {
  target.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  target.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    // Electron: main hands the dropped folder out (its real path comes from Electron, not the page); a browser gives only text.
    const file = (e as DragEvent).dataTransfer?.files?.[0];
    const text = droppedPath(e as DragEvent);
    void guarded(async () => {
      const path = (file && (await bridge.grantDropped(file))) || text;
      if (!path) return;
      byId<HTMLInputElement>('folder-path').value = path;
      await openFolder(path);
    });
  });
}
byId('segment').addEventListener('click', () => void guarded(runSegmentation));
wireMaskImport({
  bridge,
  store,
  button: byId<HTMLButtonElement>('open-mask'),
  volumeHandle: () => loaded?.info.handle,
  run: (work) => void guarded(work),
  afterImport: async (r) => {
    await refreshLabelmaps();
    store.update({ measurements: r.measurements, canUndo: r.canUndo, canRedo: r.canRedo });
  },
  confirmDiscard: (message) => window.confirm(message),
});
// Review mode (panels/reviewPanel.ts): slices ranked by the model's uncertainty, reviewed marks, the confidence overlay.
const reviewVolume = () => (loaded ? { handle: loaded.info.handle, revision: store.state.labelmapRevision, sliceVoxels: loaded.info.dims[0] * loaded.info.dims[1] } : undefined);
const review = wireReviewPanel({
  bridge,
  container: byId('review-panel'),
  volume: reviewVolume,
  geometry: () => loaded?.geometry,
  centreOn: (lps) => viewer.centreOn(lps),
  setConfidenceVisible: (on) => confidenceOverlay.setVisible(on, reviewVolume()),
  run: (work) => void guarded(work),
  status: (status) => store.update({ status }),
});
byId('cancel').addEventListener('click', () => {
  if (loaded) void guarded(async () => void (await bridge.call('cancelSegmentation', { volumeHandle: loaded!.info.handle })));
});
byId('undo').addEventListener('click', () => void guarded(() => undoRedo('undo')));
byId('fill-holes').addEventListener('click', () => void guarded(fillHoles));
byId('interpolate-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void guarded(interpolate);
});
byId('islands-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void guarded(removeSmallIslands);
});
byId('redo').addEventListener('click', () => void guarded(() => undoRedo('redo')));
byId('export-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void guarded(exportResults);
});
for (const mode of ['navigate', 'brush', 'eraser', ...CORRECTION_MODES] as const) byId(`tool-${mode}`).addEventListener('click', () => setTool(mode));
const brushTargetSelect = byId<HTMLSelectElement>('brush-label');
brushTargetSelect.addEventListener('change', () => chooseBrushTarget(brushTargetOf(brushTargetSelect.value)));
function chooseBrushTarget(target: BrushTargetChoice): void {
  brushTargetSelect.value = target.value;
  // Painting a lung shows the lung overlay (it is off by default).
  store.update((s) => ({
    tool: { ...s.tool, brushTarget: target.labelmap, brushLabel: target.label },
    ...(target.labelmap === 'lungs' && !s.overlays.lungs.visible ? { overlays: { ...s.overlays, lungs: { ...s.overlays.lungs, visible: true } } } : {}),
    status: `Brush target: ${target.name.toLowerCase()}.`,
  }));
}
const huInputs = { enabled: byId<HTMLInputElement>('hu-limit'), min: byId<HTMLInputElement>('hu-min'), max: byId<HTMLInputElement>('hu-max') };
const setHuLimit = (enabled: (current: boolean) => boolean) => store.update((s) => ({ tool: { ...s.tool, huLimit: { ...s.tool.huLimit, enabled: enabled(s.tool.huLimit.enabled) } } }));
huInputs.enabled.addEventListener('change', () => setHuLimit(() => huInputs.enabled.checked));
for (const input of [huInputs.min, huInputs.max]) {
  input.addEventListener('change', () =>
    store.update((s) => {
      const label = s.tool.brushLabel;
      const range = normaliseHuRange(Number(huInputs.min.value), Number(huInputs.max.value), s.tool.huLimit.ranges[label]);
      return { tool: { ...s.tool, huLimit: { ...s.tool.huLimit, ranges: { ...s.tool.huLimit.ranges, [label]: range } } } };
    }),
  );
}
const presets = byId('presets');
for (const p of WINDOW_PRESETS) {
  const b = h('button', { title: `${p.name} W${p.windowWidthHu}/L${p.windowLevelHu} (${p.key})`, 'data-preset': p.key }, `${p.key} ${p.name.split(' ')[0]}`);
  b.addEventListener('click', () => store.update({ window: { windowWidthHu: p.windowWidthHu, windowLevelHu: p.windowLevelHu } }));
  presets.append(b);
}
window.addEventListener('keydown', (e) => {
  // Typing into a field keeps its keys; a checkbox or slider that merely has focus does not take them.
  if (e.target instanceof HTMLSelectElement || (e.target instanceof HTMLInputElement && !['checkbox', 'range', 'radio', 'button', 'submit'].includes(e.target.type))) return;
  const key = e.key.toLowerCase();
  // preventDefault: otherwise the browser also runs its own undo of the last text typed into a field
  // (and moves the focus there), so the next Ctrl+Z would edit that field instead of the labelmap.
  if ((e.ctrlKey || e.metaKey) && key === 'z' && !e.shiftKey) {
    e.preventDefault();
    return void guarded(() => undoRedo('undo'));
  }
  if ((e.ctrlKey || e.metaKey) && (key === 'y' || (key === 'z' && e.shiftKey))) {
    e.preventDefault();
    return void guarded(() => undoRedo('redo'));
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '?') return shortcutHelp.toggle();
  if (e.key === 'Escape' && shortcutHelp.open) return shortcutHelp.toggle(false);
  if (review.handleKey(e)) return void e.preventDefault();
  if (navigation.handleKey(e)) return void e.preventDefault();
  if (key === 'o') setOverlaysVisible(!overlays.isVisible);
  const preset = presetForKey(e.key);
  if (preset) store.update({ window: { windowWidthHu: preset.windowWidthHu, windowLevelHu: preset.windowLevelHu } });
  if (key === 't') setHuLimit((on) => !on);
  if (key === 'l') chooseBrushTarget(nextBrushTarget(brushTargetFor(store.state.tool.brushTarget, store.state.tool.brushLabel)));
  if (key === 'b') setTool('brush');
  if (key === 'e') setTool('eraser');
  if (key === 'd') setTool('delete-lesion');
  if (key === 'g') setTool('grow');
  if (key === 'a') setTool('assist');
  if (key === 'n' || key === 'escape') setTool('navigate');
});

// ---- rendering the state ----

const showScanCancel = mountScanCancel(byId('status'), () => bridge.call('cancelScan', {}));
store.subscribe((s, prev) => {
  showScanCancel(s.scanning);
  if (s.labelmapRevision !== prev.labelmapRevision) void work.refresh().catch(() => undefined);
  if (s.labelmapRevision !== prev.labelmapRevision) review.labelmapChanged();
  if (s.window.windowWidthHu !== prev.window.windowWidthHu || s.window.windowLevelHu !== prev.window.windowLevelHu) {
    viewer.setWindow(s.window.windowWidthHu, s.window.windowLevelHu);
    overlays.setWindow(s.window.windowWidthHu, s.window.windowLevelHu);
  }
  if (s.statusSeq !== prev.statusSeq) {
    // Only when a message was given: re-writing the old one on every update would put back a
    // message the user (or a test) has already seen replaced.
    const line = byId('status');
    line.textContent = s.status;
    line.title = s.status;
    line.dataset.seq = String(s.statusSeq);
  }
  const err = byId('error');
  err.hidden = !s.error;
  if (s.error) err.textContent = `${adviceFor(s.error.code)}\n${s.error.code}: ${s.error.message}${s.error.detail ? ` (${s.error.detail})` : ''}`;
  const seg = s.segmentation;
  byId<HTMLButtonElement>('segment').disabled = !s.volume || seg.running;
  byId('cancel').hidden = !seg.running;
  const progress = byId<HTMLProgressElement>('segment-progress');
  progress.hidden = !seg.running;
  progress.value = seg.total ? (seg.done / seg.total) * (seg.phase === 'preview' ? 0.25 : 1) : 0;
  byId('provider').textContent = seg.executionProvider ? `on ${seg.executionProvider}` : '';
  byId<HTMLButtonElement>('undo').disabled = !s.canUndo;
  for (const id of ['remove-islands', 'fill-holes', 'interpolate']) byId<HTMLButtonElement>(id).disabled = !s.volume || seg.running;
  byId<HTMLButtonElement>('redo').disabled = !s.canRedo;
  byId<HTMLButtonElement>('export').disabled = !s.measurements;
  byId('brush-size').textContent = `${s.tool.brushRadiusMm} mm`;
  if (s.tool !== prev.tool) brushOutline.refresh();
  // (An empty input means the first render: fill in the defaults.)
  if (s.tool.huLimit !== prev.tool.huLimit || s.tool.brushLabel !== prev.tool.brushLabel || !huInputs.min.value) {
    const [lo, hi] = s.tool.huLimit.ranges[s.tool.brushLabel];
    huInputs.enabled.checked = s.tool.huLimit.enabled;
    huInputs.min.value = String(lo);
    huInputs.max.value = String(hi);
  }
  for (const mode of ['navigate', 'brush', 'eraser', ...CORRECTION_MODES]) byId(`tool-${mode}`).classList.toggle('active', s.tool.mode === mode);
  document.body.dataset.tool = s.tool.mode;
  if (s.measurements !== prev.measurements) renderMeasurements(byId('measurements'), s.measurements);
  if (s.measurements !== prev.measurements || s.lesions !== prev.lesions) drawLesions();
  if (s.scan !== prev.scan) renderSeriesList(byId('series-list'), byId('skipped-list'), byId('skipped-count'), s.scan, (uid) => void guarded(() => loadSeries(uid)));
  if (s.appInfo !== prev.appInfo) renderAbout(byId('about'), s.appInfo);
  if (s.overlays !== prev.overlays && loaded) {
    if (s.overlays.infection !== prev.overlays.infection) viewer.styleOverlay('opal-infection', s.overlays.infection);
    if (s.overlays.lungs !== prev.overlays.lungs) viewer.styleOverlay('opal-lungs', s.overlays.lungs);
  }
  if (s.overlays !== prev.overlays) drawSegments();
  document.body.dataset.revision = String(s.labelmapRevision);
  document.body.dataset.volumeHandle = s.volume?.handle ?? '';
  document.body.dataset.busy = String(s.scanning || s.loading || seg.running);
});

// ---- lesion list ----

function drawLesions(): void {
  const lesions = store.state.measurements?.lesions ?? null;
  byId('lesion-count').textContent = lesions ? `(${lesions.length})` : '';
  const { sort, selectedId, selectedIn } = store.state.lesions;
  renderLesionsPanel(byId('lesions'), lesions, sort, selectedIn === store.state.measurements ? selectedId : null, {
    onSort: (key) => store.update((s) => ({ lesions: { ...s.lesions, sort: nextLesionSort(s.lesions.sort, key) } })),
    onSelect: (lesion) => {
      if (!loaded) return;
      viewer.centreOn(lesion.centroidLpsMm);
      store.update((s) => ({
        lesions: { ...s.lesions, selectedId: lesion.id, selectedIn: s.measurements },
        status: `Lesion ${lesion.id}: ${lesion.volumeMl.toFixed(2)} mL, ${lesion.lung}${lesion.zone ? ` ${lesion.zone}` : ''}, centre at voxel (${lesion.centroidVoxel.map((x) => Math.round(x)).join(', ')}).`,
      }));
    },
  }, loaded?.geometry);
}

function drawSegments(): void {
  renderSegmentsPanel(byId('segments'), store.state.overlays, {
    onChange: (kind, settings) => store.update((s) => ({ overlays: { ...s.overlays, [kind]: settings } })),
  });
}

drawSegments();
store.update({ status: store.state.status });
void guarded(async () => {
  store.update({ appInfo: await bridge.call('getAppInfo', {}) });
  renderRecent(byId('recent-list'), await bridge.call('listRecentFolders', {}), (p) => void guarded(() => openFolder(p)));
});
document.body.dataset.ready = 'true';
