import type { Types } from '@cornerstonejs/core';
import { StrokeRecorder, paintDisc, type StrokeDiff, type SlicePlane } from '../../../electron/common/edit/index.ts';
import type { VolumeGeometry } from '../viewport/registerCtVolume.ts';
import { worldToIjk } from './voxelPicking.ts';

export interface BrushSettings {
  mode: 'brush' | 'eraser';
  radiusMm: number;
  label: number;
  /** HU-threshold brush: touch only voxels whose CT value is in [minHu, maxHu]. */
  huWindow?: { minHu: number; maxHu: number };
}

export interface BrushTarget {
  geometry: VolumeGeometry;
  /** The live labelmap shown by the viewer (infection or lungs; painted in place while dragging). */
  labels: Uint8Array;
  /** The CT values on the same grid (for the HU-threshold brush). */
  hu: ArrayLike<number>;
  viewportOf(element: HTMLElement): { viewport: Types.IVolumeViewport; plane: SlicePlane } | undefined;
  /**
   * Labels changed on these axial slices (k) while painting in `plane`: only they need uploading,
   * and only that viewport needs drawing until the stroke ends.
   */
  changed(slices: number[], plane: SlicePlane): void;
  /** The stroke ended (press → release): every slice it touched, for the other viewports. */
  strokeEnded?(slices: number[]): void;
  /** One whole stroke finished (press → release): send it to the engine. */
  commit(diff: StrokeDiff): void;
}

/**
 * Brush and eraser on the left button: each pointer position paints a disc of radiusMm (round in
 * millimetres) in the slice under the cursor, through electron/common/edit; the press-to-release
 * stroke becomes one diff (one undo step). With an HU window it paints only voxels in that range.
 */
export class BrushTool {
  private stroke: { rec: StrokeRecorder; element: HTMLElement; last?: [number, number, number]; slices: Set<number> } | undefined;

  constructor(
    private readonly target: () => BrushTarget | undefined,
    private readonly settings: () => BrushSettings | undefined,
  ) {}

  attach(element: HTMLElement): void {
    element.addEventListener('mousedown', (e) => this.down(e, element), true);
    element.addEventListener('mousemove', (e) => this.move(e, element), true);
    window.addEventListener('mouseup', () => this.up(), true);
  }

  private dab(e: MouseEvent, element: HTMLElement): void {
    const t = this.target();
    const s = this.settings();
    if (!t || !s || !this.stroke) return;
    const vp = t.viewportOf(element);
    if (!vp) return;
    const rect = element.getBoundingClientRect();
    const world = vp.viewport.canvasToWorld([e.clientX - rect.left, e.clientY - rect.top]);
    const ijk = worldToIjk(t.geometry, world as [number, number, number]);
    // Fill the gap since the last pointer event with dabs at most half a radius apart, so a fast
    // drag paints a continuous band rather than a string of beads.
    const last = this.stroke.last ?? ijk;
    const gapMm = Math.hypot(...ijk.map((x, a) => (x - last[a]) * t.geometry.spacingMm[a]));
    const steps = Math.max(1, Math.ceil(gapMm / Math.max(0.5, s.radiusMm / 2)));
    const touched = new Set<number>();
    const nz = t.geometry.dims[2];
    // A dab in the axial plane changes its slice; one in a sagittal or coronal plane spans its radius along k.
    const reachK = vp.plane === 'axial' ? 0 : Math.ceil(s.radiusMm / t.geometry.spacingMm[2]);
    for (let n = 1; n <= steps; n++) {
      const f = n / steps;
      const center: [number, number, number] = [last[0] + (ijk[0] - last[0]) * f, last[1] + (ijk[1] - last[1]) * f, last[2] + (ijk[2] - last[2]) * f];
      paintDisc(this.stroke.rec, t.labels, t.geometry.dims, t.geometry.spacingMm, {
        plane: vp.plane,
        center,
        radiusMm: s.radiusMm,
        value: s.mode === 'eraser' ? 0 : s.label,
        huWindow: s.huWindow ? { hu: t.hu, ...s.huWindow } : undefined,
      });
      const k = Math.round(center[2]);
      for (let kk = Math.max(0, k - reachK); kk <= Math.min(nz - 1, k + reachK); kk++) touched.add(kk);
    }
    this.stroke.last = ijk;
    for (const k of touched) this.stroke.slices.add(k);
    t.changed([...touched], vp.plane);
  }

  private down(e: MouseEvent, element: HTMLElement): void {
    const t = this.target();
    if (e.button !== 0 || !t || !this.settings()) return;
    e.stopPropagation();
    e.preventDefault();
    this.stroke = { rec: new StrokeRecorder(t.labels), element, slices: new Set() };
    this.dab(e, element);
  }

  private move(e: MouseEvent, element: HTMLElement): void {
    if (!this.stroke || this.stroke.element !== element) return;
    e.stopPropagation();
    this.dab(e, element);
  }

  private up(): void {
    const stroke = this.stroke;
    this.stroke = undefined;
    const t = this.target();
    if (!stroke || !t) return;
    t.strokeEnded?.([...stroke.slices]);
    const diff = stroke.rec.finish();
    if (diff.indices.length) t.commit(diff);
  }
}
