import { Enums, type Types } from '@cornerstonejs/core';
import { ToolGroupManager, CrosshairsTool } from '@cornerstonejs/tools';
import { PLANE_PATIENT_AXIS, indexOfSliceNumber } from '../../../electron/common/volume/sliceNumbering.ts';
import type { OrthoViewer, Plane } from '../viewport/orthoViewer.ts';
import { PLANES } from '../viewport/orthoViewer.ts';
import type { SliceInfo } from '../viewport/viewportOverlays.ts';
import type { VolumeGeometry } from '../viewport/registerCtVolume.ts';
import { acquiredPlane } from '../viewport/orientationMarkers.ts';

type P3 = [number, number, number];

const STANDARD_ORIENTATION: Record<Plane, Enums.OrientationAxis> = {
  axial: Enums.OrientationAxis.AXIAL,
  coronal: Enums.OrientationAxis.CORONAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
};

/** Slices a PageUp/PageDown press moves. */
export const PAGE_STEP = 10;

/**
 * Viewport navigation without the mouse tools: step slices (arrow keys, PageUp/PageDown,
 * Home/End) in the active viewport, flip it (H, Shift+H), reset the view (R), zoom keeping the point under the cursor
 * still (Ctrl+wheel, Ctrl+right-drag). The active viewport is the one last pointed at.
 */
export class ViewportNavigation {
  active: Plane = 'axial';

  constructor(
    private readonly viewer: OrthoViewer,
    private readonly elements: Record<Plane, HTMLDivElement>,
    private readonly geometry: () => VolumeGeometry | undefined,
    private readonly sliceInfo: (plane: Plane) => SliceInfo | undefined,
  ) {
    for (const plane of PLANES) {
      const el = elements[plane];
      const activate = () => this.setActive(plane);
      el.addEventListener('pointerenter', activate);
      el.addEventListener('pointerdown', activate);
    }
    this.setActive('axial');
  }

  setActive(plane: Plane): void {
    this.active = plane;
    for (const p of PLANES) this.elements[p].parentElement?.classList.toggle('active-vp', p === plane);
  }

  /** Moves the active viewport to slice number `n` (1 = most inferior/anterior/right; clamped). */
  goToSlice(plane: Plane, n: number): void {
    const g = this.geometry();
    const info = this.sliceInfo(plane);
    if (!g || !info) return;
    const vp = this.viewer.viewport(plane);
    const { focalPoint, position } = vp.getCamera();
    if (!focalPoint || !position) return;
    const axis = info.voxelAxis;
    const target = indexOfSliceNumber(g.direction, axis, PLANE_PATIENT_AXIS[plane], n, info.count);
    // The focal point's continuous index along the axis (not the rounded one): the move lands on
    // the slice centre exactly.
    const d = g.direction;
    const u: P3 = [d[3 * axis], d[3 * axis + 1], d[3 * axis + 2]];
    const along = ((focalPoint[0] - g.originMm[0]) * u[0] + (focalPoint[1] - g.originMm[1]) * u[1] + (focalPoint[2] - g.originMm[2]) * u[2]) / g.spacingMm[axis];
    const stepMm = (target - along) * g.spacingMm[axis];
    if (Math.abs(stepMm) < 1e-6) return;
    const move = (p: Types.Point3): Types.Point3 => [p[0] + u[0] * stepMm, p[1] + u[1] * stepMm, p[2] + u[2] * stepMm];
    vp.setCamera({ focalPoint: move(focalPoint), position: move(position) });
    vp.render();
  }

  step(plane: Plane, by: number): void {
    const info = this.sliceInfo(plane);
    if (info) this.goToSlice(plane, info.number + by);
  }

  /**
   * Zooms viewport `plane` by `factor` (> 1 enlarges) keeping the patient point under canvas
   * point `at` (CSS pixels) where it is on the screen.
   */
  zoomAbout(plane: Plane, at: [number, number], factor: number): void {
    const vp = this.viewer.viewport(plane);
    const camera = vp.getCamera();
    if (!camera.parallelScale || !camera.focalPoint || !camera.position || !(factor > 0)) return;
    const before = vp.canvasToWorld(at as Types.Point2);
    vp.setCamera({ parallelScale: camera.parallelScale / factor });
    const after = vp.canvasToWorld(at as Types.Point2);
    const shift = [before[0] - after[0], before[1] - after[1], before[2] - after[2]];
    const f = camera.focalPoint;
    const p = camera.position;
    vp.setCamera({ focalPoint: [f[0] + shift[0], f[1] + shift[1], f[2] + shift[2]], position: [p[0] + shift[0], p[1] + shift[1], p[2] + shift[2]] });
    vp.render();
  }

  /**
   * Fits the image again (zoom, pan, flips) in every viewport; each keeps its slice and the
   * crosshairs their centre. (A reset makes the crosshairs re-centre every view on the volume's
   * middle, so all three are reset first and their slices put back after.)
   */
  resetView(): void {
    const slices = PLANES.map((plane) => [plane, this.sliceInfo(plane)] as const);
    const crosshairs = ToolGroupManager.getToolGroup(this.viewer.toolGroupId)?.getToolInstance(CrosshairsTool.toolName) as CrosshairsTool | undefined;
    const centre = crosshairs?.toolCenter ? ([...crosshairs.toolCenter] as Types.Point3) : undefined;
    for (const plane of PLANES) this.viewer.viewport(plane).resetCamera();
    for (const [plane, info] of slices) if (info) this.goToSlice(plane, info.number);
    if (crosshairs && centre) crosshairs.setToolCenter(centre);
    this.viewer.engine.render();
  }

  /** Whether the acquired plane's viewport shows the images as stored (toggleAsAcquired). */
  asAcquired = false;

  /**
   * Shows the acquired plane (axial for an axial series) as the images were stored, rows left to
   * right and columns top to bottom (cornerstone3D's ACQUISITION orientation), or back in the
   * standard radiological orientation. A feet-first or row-flipped series then reads with other
   * letters, which follow from the camera as always. The slice shown stays.
   */
  toggleAsAcquired(): void {
    const g = this.geometry();
    if (!g) return;
    const plane = acquiredPlane(g.direction);
    const info = this.sliceInfo(plane);
    this.asAcquired = !this.asAcquired;
    const vp = this.viewer.viewport(plane) as Types.IVolumeViewport & { setOrientation(o: Enums.OrientationAxis): void };
    vp.setOrientation(this.asAcquired ? Enums.OrientationAxis.ACQUISITION : STANDARD_ORIENTATION[plane]);
    if (info) this.goToSlice(plane, info.number);
    vp.render();
  }

  /**
   * Mirrors viewport `plane` left-right or top-bottom (as a PACS's flip does). The orientation
   * letters follow, since they come from the camera; R undoes it with the rest of the view.
   */
  flip(plane: Plane, which: 'horizontal' | 'vertical'): void {
    const vp = this.viewer.viewport(plane);
    vp.flip(which === 'horizontal' ? { flipHorizontal: true } : { flipVertical: true });
    vp.render();
  }

  /**
   * Handles a navigation key; returns whether it was one. Arrow up/right and PageUp go towards
   * higher slice numbers (head, back, patient left), down/left and PageDown towards lower ones.
   */
  handleKey(e: KeyboardEvent): boolean {
    const plane = this.active;
    switch (e.key) {
      case 'ArrowUp':
      case 'ArrowRight':
        this.step(plane, 1);
        return true;
      case 'ArrowDown':
      case 'ArrowLeft':
        this.step(plane, -1);
        return true;
      case 'PageUp':
        this.step(plane, PAGE_STEP);
        return true;
      case 'PageDown':
        this.step(plane, -PAGE_STEP);
        return true;
      case 'Home':
        this.goToSlice(plane, 1);
        return true;
      case 'End':
        this.goToSlice(plane, Number.MAX_SAFE_INTEGER);
        return true;
      case 'r':
      case 'R':
        this.resetView();
        return true;
      case 'h':
        this.flip(plane, 'horizontal');
        return true;
      case 'q':
      case 'Q':
        this.toggleAsAcquired();
        return true;
      case 'H':
        this.flip(plane, 'vertical');
        return true;
      default:
        return false;
    }
  }

  /**
   * Zoom about the cursor: Ctrl+wheel, and Ctrl+right-drag (up enlarges). Listens in the capture
   * phase on `container` so that cornerstone's own zoom (about the view centre) and slice scroll
   * never see these gestures.
   */
  attachZoom(container: HTMLElement): void {
    const planeAt = (target: EventTarget | null): Plane | undefined => {
      const el = target instanceof Element ? target.closest<HTMLElement>('.vp-cell')?.querySelector<HTMLElement>('[data-plane]') : null;
      return (el?.dataset.plane as Plane | undefined) ?? undefined;
    };
    const canvasPoint = (plane: Plane, e: MouseEvent): [number, number] => {
      const r = this.elements[plane].getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    container.addEventListener(
      'wheel',
      (e) => {
        if (!(e.ctrlKey || e.metaKey) || e.shiftKey) return;
        const plane = planeAt(e.target);
        if (!plane) return;
        e.preventDefault();
        e.stopPropagation();
        this.zoomAbout(plane, canvasPoint(plane, e), Math.exp(-e.deltaY * 0.002));
      },
      { capture: true, passive: false },
    );
    let drag: { plane: Plane; at: [number, number]; lastY: number } | undefined;
    container.addEventListener(
      'mousedown',
      (e) => {
        if (e.button !== 2 || !(e.ctrlKey || e.metaKey)) return;
        const plane = planeAt(e.target);
        if (!plane) return;
        e.preventDefault();
        e.stopPropagation();
        drag = { plane, at: canvasPoint(plane, e), lastY: e.clientY };
      },
      { capture: true },
    );
    window.addEventListener(
      'mousemove',
      (e) => {
        if (!drag) return;
        e.stopPropagation();
        const dy = e.clientY - drag.lastY;
        drag.lastY = e.clientY;
        if (dy !== 0) this.zoomAbout(drag.plane, drag.at, Math.exp(-dy * 0.01));
      },
      { capture: true },
    );
    window.addEventListener(
      'mouseup',
      (e) => {
        if (!drag) return;
        drag = undefined;
        e.stopPropagation();
      },
      { capture: true },
    );
    container.addEventListener('contextmenu', (e) => {
      if (e.ctrlKey || e.metaKey) e.preventDefault();
    });
  }
}
