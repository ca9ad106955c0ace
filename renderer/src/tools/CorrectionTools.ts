import type { Types } from '@cornerstonejs/core';
import { BridgeError, type Bridge } from '../bridge.ts';
import type { Store, ToolMode } from '../state/store.ts';
import type { VolumeGeometry } from '../viewport/registerCtVolume.ts';
import type { EditResult } from '../../../electron/common/ipc/contract.ts';
import { worldToIjk } from './voxelPicking.ts';
import { CLICK_DRAG_PX, boxAroundVoxel, boxFromDrag, normalAxisOf, type CorrectionBox, type Ijk } from './correctionBox.ts';

type Plane = 'axial' | 'sagittal' | 'coronal';
/** The click tools (issue 15 point 5): delete a 3-D lesion, grow a region, assisted correction. */
export type CorrectionMode = Extract<ToolMode, 'delete-lesion' | 'grow' | 'assist'>;
export const CORRECTION_MODES: readonly CorrectionMode[] = ['delete-lesion', 'grow', 'assist'];

export function isCorrectionMode(mode: ToolMode): mode is CorrectionMode {
  return (CORRECTION_MODES as readonly string[]).includes(mode);
}

export interface CorrectionToolsDeps {
  bridge: Bridge;
  store: Store;
  /** The loaded volume: its handle and geometry (undefined: nothing loaded). */
  volume(): { handle: string; geometry: VolumeGeometry } | undefined;
  viewportOf(element: HTMLElement): { viewport: Types.IVolumeViewport; plane: Plane } | undefined;
  /** Shows an edit the engine made (labelmap overlay, numbers, status). */
  show(r: EditResult, status: string): void;
  /** Runs an action with the app's error handling (coded errors in the banner). */
  run(work: () => Promise<void>): void;
  /** Settings read at each click: the grow's radius (mm) and whether edits stay inside the lungs. */
  growRadiusMm(): number;
  lungsOnly(): boolean;
}

const ml = (x: number) => `${x.toFixed(2)} mL`;

/**
 * The three click tools on the viewports, active in their tool mode (left button; crosshairs are
 * off then): a click in "Delete lesion" removes the 3-D lesion under it, a click in "Grow" grows the
 * active label from it within that label's HU range (the HU-threshold brush's range) and the grow
 * radius, and in "Assist" a drag draws a box (a click: a 30 mm cube) in which the engine re-runs
 * the model and adds what it finds. Each is one undo step in the engine.
 */
export class CorrectionTools {
  private drag: { element: HTMLElement; plane: Plane; start: [number, number]; startIjk: Ijk; rubber: HTMLDivElement } | undefined;
  /** Requests in flight (tests and the status wait for them). */
  busy = 0;

  constructor(private readonly deps: CorrectionToolsDeps) {}

  private mode(): CorrectionMode | undefined {
    const m = this.deps.store.state.tool.mode;
    return isCorrectionMode(m) ? m : undefined;
  }

  attach(element: HTMLElement): void {
    element.addEventListener('mousedown', (e) => this.down(e, element), true);
    element.addEventListener('mousemove', (e) => this.move(e, element), true);
    window.addEventListener('mouseup', (e) => this.up(e), true);
  }

  private pick(e: MouseEvent, element: HTMLElement): { ijk: Ijk; plane: Plane; canvas: [number, number] } | undefined {
    const vol = this.deps.volume();
    const vp = this.deps.viewportOf(element);
    if (!vol || !vp) return undefined;
    const rect = element.getBoundingClientRect();
    const canvas: [number, number] = [e.clientX - rect.left, e.clientY - rect.top];
    const world = vp.viewport.canvasToWorld(canvas as Types.Point2) as [number, number, number];
    return { ijk: worldToIjk(vol.geometry, world), plane: vp.plane, canvas };
  }

  private down(e: MouseEvent, element: HTMLElement): void {
    const mode = this.mode();
    if (e.button !== 0 || !mode) return;
    const p = this.pick(e, element);
    if (!p) return;
    e.stopPropagation();
    e.preventDefault();
    if (mode !== 'assist') {
      const vol = this.deps.volume()!;
      const voxel = p.ijk.map((x) => Math.round(x)) as Ijk;
      if (voxel.some((x, a) => x < 0 || x >= vol.geometry.dims[a])) return void this.deps.store.update({ status: 'Click inside the image.' });
      this.deps.run(() => (mode === 'delete-lesion' ? this.deleteLesion(vol.handle, voxel) : this.grow(vol.handle, voxel)));
      return;
    }
    const rubber = document.createElement('div');
    rubber.className = 'correction-box';
    rubber.style.cssText = `position:absolute;pointer-events:none;border:2px dashed #ffd400;left:${p.canvas[0]}px;top:${p.canvas[1]}px;width:0;height:0;z-index:5`;
    if (getComputedStyle(element).position === 'static') element.style.position = 'relative';
    element.append(rubber);
    this.drag = { element, plane: p.plane, start: p.canvas, startIjk: p.ijk, rubber };
  }

  private move(e: MouseEvent, element: HTMLElement): void {
    const d = this.drag;
    if (!d || d.element !== element) return;
    e.stopPropagation();
    const rect = element.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    Object.assign(d.rubber.style, { left: `${Math.min(x, d.start[0])}px`, top: `${Math.min(y, d.start[1])}px`, width: `${Math.abs(x - d.start[0])}px`, height: `${Math.abs(y - d.start[1])}px` });
  }

  private up(e: MouseEvent): void {
    const d = this.drag;
    this.drag = undefined;
    if (!d) return;
    d.rubber.remove();
    const vol = this.deps.volume();
    const end = this.pick(e, d.element);
    if (!vol || !end) return;
    const g = vol.geometry;
    const moved = Math.hypot(end.canvas[0] - d.start[0], end.canvas[1] - d.start[1]);
    const box = moved < CLICK_DRAG_PX ? boxAroundVoxel(g.dims, g.spacingMm, d.startIjk) : boxFromDrag(g.dims, g.spacingMm, d.startIjk, end.ijk, normalAxisOf(d.plane));
    this.deps.run(() => this.assist(vol.handle, box));
  }

  private label(): { label: 1 | 2; hu: { min: number; max: number } } {
    const t = this.deps.store.state.tool;
    // With a lung chosen in the target selector (lung-mask editing), 1/2 name a lung, not an infection label.
    if ('brushTarget' in t && t.brushTarget === 'lungs') throw new BridgeError({ code: 'E_BAD_ARGUMENT', message: 'Grow and assisted correction label infection: choose Ground-glass or Consolidation in the label selector first.' });
    const [min, max] = t.huLimit.ranges[t.brushLabel];
    return { label: t.brushLabel, hu: { min, max } };
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.busy++;
    document.body.dataset.correctionBusy = 'true';
    try {
      return await work;
    } finally {
      if (--this.busy === 0) document.body.dataset.correctionBusy = 'false';
    }
  }

  async deleteLesion(volumeHandle: string, voxel: Ijk): Promise<void> {
    const r = await this.track(this.deps.bridge.call('deleteLesion', { volumeHandle, voxel }));
    if (r.removedVoxels === 0) return this.deps.show(r, 'No lesion under the click (nothing deleted).');
    const parts = [r.removedGroundGlassMl > 0 ? `${ml(r.removedGroundGlassMl)} ground-glass` : '', r.removedConsolidationMl > 0 ? `${ml(r.removedConsolidationMl)} consolidation` : ''].filter((s) => s);
    const span = r.slices ? `, slices ${r.slices[0] + 1}–${r.slices[1] + 1}` : '';
    this.deps.show(r, `Lesion deleted: ${parts.join(' + ')} (${r.removedVoxels} voxels${span}). Ctrl+Z brings it back.`);
  }

  async grow(volumeHandle: string, voxel: Ijk): Promise<void> {
    const { label, hu } = this.label();
    const radiusMm = this.deps.growRadiusMm();
    if (!(radiusMm >= 0.5 && radiusMm <= 150)) return void this.deps.store.update({ status: 'Enter a grow radius between 0.5 and 150 mm.' });
    const r = await this.track(this.deps.bridge.call('growRegion', { volumeHandle, voxel, label, hu, radiusMm, lungsOnly: this.deps.lungsOnly() }));
    const name = label === 2 ? 'consolidation' : 'ground-glass';
    if (r.refused === 'seed-outside-range') return this.deps.show(r, `Nothing grown: the voxel clicked is ${Math.round(r.seedHu)} HU, outside the ${name} range ${hu.min}…${hu.max} HU.`);
    if (r.refused === 'seed-outside-mask') return this.deps.show(r, 'Nothing grown: the voxel clicked is outside the lungs (turn "lungs only" off to grow there).');
    this.deps.show(r, `Grew ${name} ${hu.min}…${hu.max} HU within ${radiusMm} mm: ${ml(r.changedMl)} added (${r.changedVoxels} voxels${r.capped ? '; stopped at the voxel cap' : ''}).`);
  }

  async assist(volumeHandle: string, box: CorrectionBox): Promise<void> {
    const { label, hu } = this.label();
    this.deps.store.update({ status: 'Assisted correction: running the model in the box…' });
    const r = await this.track(this.deps.bridge.call('assistedCorrection', { volumeHandle, box, label, hu, lungsOnly: this.deps.lungsOnly() }));
    const where = `box ${box.from.map((x, a) => `${x}–${box.to[a]}`).join(' × ')}`;
    const how = r.method === 'model' ? `the model on ${r.slicesInferred} slice${r.slicesInferred === 1 ? '' : 's'}` : `an HU-guided grow (${hu.min}…${hu.max} HU)${r.modelProblem ? `; the model could not be used: ${r.modelProblem.message}` : '; the model found nothing new there'}`;
    this.deps.show(r, r.addedVoxels > 0 ? `Assisted correction added ${ml(r.addedMl)} (${r.addedVoxels} voxels) in the ${where} by ${how}.` : `Assisted correction found nothing to add in the ${where} (${how}).`);
  }
}
