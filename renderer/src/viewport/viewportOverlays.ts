import { Enums as CoreEnums, type Types } from '@cornerstonejs/core';
import type { VolumeInfo } from '../../../electron/common/ipc/contract.ts';
import { PLANE_PATIENT_AXIS, sliceNumberAlong, voxelAxisAlong } from '../../../electron/common/volume/sliceNumbering.ts';
import { worldToIjk, nearestVoxelIndex } from '../tools/voxelPicking.ts';
import { h } from '../panels/dom.ts';
import { edgeLetters, type EdgeLetters } from './orientationMarkers.ts';
import { chooseScaleBar } from './scaleBar.ts';
import { WINDOW_PRESETS } from './windowPresets.ts';
import type { OrthoViewer, Plane } from './orthoViewer.ts';
import { PLANES } from './orthoViewer.ts';
import type { VolumeGeometry } from './registerCtVolume.ts';

/** The study shown: what the corners and the read-out need. */
export interface OverlayStudy {
  info: VolumeInfo;
  geometry: VolumeGeometry;
  voxels: Int16Array | Float32Array;
}

/** Where a viewport's camera is, in the app's slice numbering (electron/common/volume/sliceNumbering.ts). */
export interface SliceInfo {
  /** 1 = most inferior (axial), most anterior (coronal), most right (sagittal). */
  number: number;
  count: number;
  /** The patient coordinate of the slice along the plane's axis (z, y or x, LPS mm). */
  positionMm: number;
  axisName: 'x' | 'y' | 'z';
  thicknessMm: number;
  /** The voxel axis the plane steps along and the voxel index there. */
  voxelAxis: 0 | 1 | 2;
  index: number;
}

const AXIS_NAMES = ['x', 'y', 'z'] as const;

/** Writes text only when it changed (a slice step rewrites one line, not the whole overlay). */
function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** YYYYMMDD → YYYY-MM-DD (as stored when not a plain date). */
export function formatDicomDate(d: string | undefined): string {
  if (!d) return '';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(d.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : d;
}

/** A DICOM person name (Family^Given^Middle) as people write it: "Family, Given Middle". */
export function formatPersonName(pn: string | undefined): string {
  if (!pn) return '';
  const [family = '', given = '', middle = ''] = pn.split('=')[0].split('^');
  const rest = [given, middle].filter(Boolean).join(' ');
  return [family, rest].filter(Boolean).join(', ');
}

export function presetNameOf(windowWidthHu: number, windowLevelHu: number): string {
  const p = WINDOW_PRESETS.find((x) => Math.abs(x.windowWidthHu - windowWidthHu) < 0.5 && Math.abs(x.windowLevelHu - windowLevelHu) < 0.5);
  return p ? p.name : 'Custom';
}

interface PlaneDom {
  root: HTMLDivElement;
  edges: Record<keyof EdgeLetters, HTMLDivElement>;
  topLeft: HTMLDivElement;
  topRight: HTMLDivElement;
  bottomRight: HTMLDivElement;
  scaleBar: HTMLDivElement;
  scaleLine: HTMLDivElement;
  scaleLabel: HTMLSpanElement;
  wl: HTMLDivElement;
  position: HTMLDivElement;
}

/**
 * The text and marks drawn over each viewport (DOM over the canvas, never burnt into the image),
 * in the conventions of OHIF/cornerstone3D: orientation letters on the four edges (from the
 * camera), a scale bar, window/level with the preset's name, slice number/total with its position
 * and thickness, and patient name / ID / study date / series description in the top corners.
 * Updated on every camera change (scroll, pan, zoom, crosshairs) and resize; `setVisible(false)`
 * hides them all (for screenshots). Also keeps the HU read-out under the cursor current when the
 * slice changes under a still mouse.
 */
export class ViewportOverlays {
  private readonly dom: Record<Plane, PlaneDom>;
  private study: OverlayStudy | undefined;
  private window = { windowWidthHu: 0, windowLevelHu: 0 };
  private readonly pointer: Partial<Record<Plane, [number, number]>> = {};
  private visible = true;
  /** Viewport widths (CSS px) from the ResizeObserver: reading clientWidth after the text writes of a slice step would force a layout. */
  private readonly widths: Partial<Record<Plane, number>> = {};

  constructor(
    private readonly viewer: OrthoViewer,
    private readonly elements: Record<Plane, HTMLDivElement>,
    private readonly readout: (plane: Plane) => { slice: HTMLElement; hu: HTMLElement },
  ) {
    this.dom = Object.fromEntries(PLANES.map((p) => [p, this.build(p)])) as Record<Plane, PlaneDom>;
    for (const plane of PLANES) {
      const el = elements[plane];
      el.addEventListener(CoreEnums.Events.CAMERA_MODIFIED, () => this.update(plane));
      el.addEventListener('mousemove', (e) => {
        const rect = el.getBoundingClientRect();
        this.pointer[plane] = [e.clientX - rect.left, e.clientY - rect.top];
        this.updateReadout(plane);
      });
      el.addEventListener('mouseleave', () => {
        delete this.pointer[plane];
      });
      new ResizeObserver((entries) => {
        this.widths[plane] = entries[entries.length - 1].contentRect.width;
        this.update(plane);
      }).observe(el);
    }
  }

  private build(plane: Plane): PlaneDom {
    const div = (cls: string, id?: string) => h('div', { class: cls, id }) as HTMLDivElement;
    const edges = {
      top: div('orient top', `orient-${plane}-top`),
      bottom: div('orient bottom', `orient-${plane}-bottom`),
      left: div('orient left', `orient-${plane}-left`),
      right: div('orient right', `orient-${plane}-right`),
    };
    const scaleLine = div('scale-line');
    const scaleLabel = h('span', { class: 'scale-label' });
    const scaleBar = div('scale-bar', `scale-${plane}`);
    scaleBar.append(scaleLine, scaleLabel);
    const wl = div('ov-wl', `wl-${plane}`);
    const position = div('ov-position', `pos-${plane}`);
    const bottomRight = div('ov-corner br');
    bottomRight.append(wl, position);
    const topLeft = div('ov-corner tl', `ov-${plane}-tl`);
    const topRight = div('ov-corner tr', `ov-${plane}-tr`);
    const root = div('vp-overlay', `overlay-${plane}`);
    root.append(edges.top, edges.bottom, edges.left, edges.right, topLeft, topRight, bottomRight, scaleBar);
    this.elements[plane].parentElement?.append(root);
    return { root, edges, topLeft, topRight, bottomRight, scaleBar, scaleLine, scaleLabel, wl, position };
  }

  setStudy(study: OverlayStudy | undefined): void {
    this.study = study;
    const info = study?.info;
    for (const plane of PLANES) {
      const d = this.dom[plane];
      d.topLeft.replaceChildren(...(info ? [h('div', { class: 'ov-patient-name' }, formatPersonName(info.patientName)), h('div', { class: 'ov-patient-id' }, info.patientId ? `ID ${info.patientId}` : '')] : []));
      d.topRight.replaceChildren(...(info ? [h('div', { class: 'ov-study-date' }, formatDicomDate(info.studyDate)), h('div', { class: 'ov-series' }, info.seriesDescription ?? '')] : []));
    }
    this.updateAll();
  }

  setWindow(windowWidthHu: number, windowLevelHu: number): void {
    this.window = { windowWidthHu, windowLevelHu };
    const text = `W ${Math.round(windowWidthHu)} L ${Math.round(windowLevelHu)} · ${presetNameOf(windowWidthHu, windowLevelHu)}`;
    for (const plane of PLANES) this.dom[plane].wl.textContent = this.study ? text : '';
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    document.body.classList.toggle('overlays-off', !visible);
    if (visible) this.updateAll();
  }

  get isVisible(): boolean {
    return this.visible;
  }

  updateAll(): void {
    for (const plane of PLANES) this.update(plane);
    this.setWindow(this.window.windowWidthHu, this.window.windowLevelHu);
  }

  /** The slice a viewport shows, in the app's numbering; undefined before a volume is shown. */
  sliceInfo(plane: Plane): SliceInfo | undefined {
    const s = this.study;
    if (!s) return undefined;
    const { focalPoint } = this.viewer.viewport(plane).getCamera();
    if (!focalPoint) return undefined;
    const g = s.geometry;
    const patientAxis = PLANE_PATIENT_AXIS[plane];
    const voxelAxis = voxelAxisAlong(g.direction, patientAxis);
    const ijk = worldToIjk(g, focalPoint as [number, number, number]);
    const count = g.dims[voxelAxis];
    const index = Math.min(count - 1, Math.max(0, Math.round(ijk[voxelAxis])));
    const spacing = g.spacingMm[voxelAxis];
    const thicknessMm = plane === 'axial' && s.info.sliceThicknessMm ? s.info.sliceThicknessMm : spacing;
    return { number: sliceNumberAlong(g.direction, voxelAxis, patientAxis, index, count), count, positionMm: focalPoint[patientAxis], axisName: AXIS_NAMES[patientAxis], thicknessMm, voxelAxis, index };
  }

  /** Millimetres per CSS pixel along the screen's horizontal, at the current zoom. */
  mmPerPixel(plane: Plane): number {
    const vp = this.viewer.viewport(plane);
    const a = vp.canvasToWorld([0, 0]);
    const b = vp.canvasToWorld([100, 0]);
    return Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]) / 100;
  }

  update(plane: Plane): void {
    const d = this.dom[plane];
    const info = this.sliceInfo(plane);
    const { slice } = this.readout(plane);
    if (!info) {
      for (const e of Object.values(d.edges)) e.textContent = '';
      d.scaleBar.hidden = true;
      d.position.textContent = '';
      slice.textContent = '';
      return;
    }
    setText(slice, `Slice ${info.number} / ${info.count}`);
    this.updateReadout(plane);
    if (!this.visible) return;
    const camera = this.viewer.viewport(plane).getCamera();
    if (camera.viewUp && camera.viewPlaneNormal) {
      const letters = edgeLetters({ viewUp: camera.viewUp, viewPlaneNormal: camera.viewPlaneNormal });
      for (const edge of ['top', 'bottom', 'left', 'right'] as const) setText(d.edges[edge], letters[edge]);
    }
    setText(d.position, `${info.axisName} ${info.positionMm.toFixed(1)} mm · Thk ${info.thicknessMm.toFixed(2)} mm`);
    const width = (this.widths[plane] ??= this.elements[plane].clientWidth);
    const mmPerPx = this.mmPerPixel(plane);
    const bar = chooseScaleBar(mmPerPx, width * 0.3);
    d.scaleBar.hidden = !bar;
    const key = `${mmPerPx.toPrecision(6)}|${width}`;
    if (bar && d.scaleBar.dataset.key !== key) {
      d.scaleBar.dataset.key = key;
      d.scaleLine.style.width = `${bar.px}px`;
      setText(d.scaleLabel, bar.label);
      d.scaleBar.dataset.mm = String(bar.mm);
      d.scaleBar.dataset.px = bar.px.toFixed(2);
      d.scaleBar.dataset.mmPerPx = mmPerPx.toPrecision(6);
    }
  }

  /** The (i, j, k) and HU under the last cursor position of this viewport (after a scroll too). */
  updateReadout(plane: Plane): void {
    const s = this.study;
    const p = this.pointer[plane];
    const { hu } = this.readout(plane);
    if (!s || !p) return;
    const world = this.viewer.viewport(plane).canvasToWorld(p as Types.Point2);
    const ijk = worldToIjk(s.geometry, world as [number, number, number]);
    const i = nearestVoxelIndex(s.geometry.dims, ijk);
    setText(hu, i < 0 ? '' : `(${ijk.map((x) => Math.round(x)).join(', ')}) ${Math.round(s.voxels[i])} HU`);
  }
}
