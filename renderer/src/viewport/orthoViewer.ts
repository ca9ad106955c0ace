import { RenderingEngine, Enums, cache, eventTarget, setVolumesForViewports, type Types } from '@cornerstonejs/core';

/** The parts of a cached labelmap volume that a partial texture update touches (cornerstone's performVolumeLabelmapUpdate does the same). */
interface LabelmapTextureVolume {
  imageData?: { modified(): void };
  vtkOpenGLTexture?: { setUpdatedFrame?(frame: number): void };
  voxelManager?: { invalidateCache?(): void };
}
import {
  ToolGroupManager,
  WindowLevelTool,
  PanTool,
  ZoomTool,
  StackScrollTool,
  CrosshairsTool,
  Enums as ToolEnums,
  segmentation,
} from '@cornerstonejs/tools';
import { initCornerstone } from './initCornerstone.ts';
import { registerCtVolume, registerLabelmapVolume, uncacheVolume, type VolumeGeometry } from './registerCtVolume.ts';
import { voiRangeOf, DEFAULT_PRESET } from './windowPresets.ts';
import { installRenderScale, setRenderScale, renderScale } from './renderScale.ts';
import { memoiseColormap } from './colormapMemo.ts';

export type Plane = 'axial' | 'sagittal' | 'coronal';
export const PLANES: readonly Plane[] = ['axial', 'sagittal', 'coronal'];

const ORIENTATION: Record<Plane, Enums.OrientationAxis> = {
  axial: Enums.OrientationAxis.AXIAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
  coronal: Enums.OrientationAxis.CORONAL,
};

export interface OverlayStyle {
  /** RGBA per label value (index 0 unused). */
  colors: Record<number, [number, number, number, number]>;
  visible: boolean;
  opacity: number;
}

/**
 * Three orthogonal cornerstone3D volume viewports (axial, sagittal, coronal) on one CT volume, with
 * window/level on right drag, pan on middle drag, zoom on ctrl+right drag, slice scroll on the
 * wheel and crosshairs on left drag. The editing tools (renderer/src/tools) take the left button
 * when active.
 */
export class OrthoViewer {
  readonly engine: RenderingEngine;
  readonly toolGroupId: string;
  readonly viewportIds: Record<Plane, string>;
  private ctVolumeId: string | undefined;
  private geometry: VolumeGeometry | undefined;
  private readonly overlays = new Map<string, string>();

  constructor(elements: Record<Plane, HTMLDivElement>, id = 'opal') {
    installRenderScale();
    initCornerstone();
    this.engine = new RenderingEngine(`${id}-engine`);
    this.toolGroupId = `${id}-tools`;
    this.viewportIds = { axial: `${id}-axial`, sagittal: `${id}-sagittal`, coronal: `${id}-coronal` };
    const inputs: Types.PublicViewportInput[] = PLANES.map((plane) => ({
      viewportId: this.viewportIds[plane],
      type: Enums.ViewportType.ORTHOGRAPHIC,
      element: elements[plane],
      defaultOptions: { orientation: ORIENTATION[plane], background: [0, 0, 0] as Types.Point3 },
    }));
    this.engine.setViewports(inputs);
    for (const plane of PLANES) memoiseColormap(this.viewport(plane) as unknown as Parameters<typeof memoiseColormap>[0]);
    const group = ToolGroupManager.createToolGroup(this.toolGroupId);
    if (!group) throw new Error('could not create the tool group');
    for (const plane of PLANES) group.addViewport(this.viewportIds[plane], this.engine.id);
    group.addTool(WindowLevelTool.toolName);
    group.addTool(PanTool.toolName);
    group.addTool(ZoomTool.toolName);
    group.addTool(StackScrollTool.toolName);
    group.addTool(CrosshairsTool.toolName, {
      getReferenceLineColor: () => 'rgb(255, 200, 0)',
      getReferenceLineControllable: () => true,
      getReferenceLineDraggableRotatable: () => false,
      getReferenceLineSlabThicknessControlsOn: () => false,
    });
    const MB = ToolEnums.MouseBindings;
    group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: MB.Secondary }] });
    group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MB.Auxiliary }] });
    group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MB.Secondary, modifierKey: ToolEnums.KeyboardBindings.Ctrl }] });
    group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MB.Wheel }] });
    // A layout change (window, toolbar, panels) resizes the canvases at the next frame, once per frame.
    const observer = new ResizeObserver(() => {
      if (this.resizeQueued) return;
      this.resizeQueued = true;
      requestAnimationFrame(() => {
        this.resizeQueued = false;
        this.resizeCanvases();
      });
    });
    for (const plane of PLANES) observer.observe(elements[plane]);
  }

  private resizeQueued = false;

  viewport(plane: Plane): Types.IVolumeViewport {
    return this.engine.getViewport(this.viewportIds[plane]) as Types.IVolumeViewport;
  }

  /** Shows a CT volume in all three planes with the lung window. */
  async showVolume(volumeId: string, geometry: VolumeGeometry, voxels: Int16Array | Float32Array): Promise<void> {
    const previous = this.ctVolumeId;
    const volume = registerCtVolume(volumeId, geometry, voxels);
    this.ctVolumeId = volumeId;
    this.geometry = geometry;
    void volume;
    await setVolumesForViewports(this.engine, [{ volumeId }], PLANES.map((p) => this.viewportIds[p]));
    // The previous series' volume and slice images leave the cache (they are no longer shown).
    if (previous && previous !== volumeId) uncacheVolume(previous);
    this.setWindow(DEFAULT_PRESET.windowWidthHu, DEFAULT_PRESET.windowLevelHu);
    for (const plane of PLANES) this.viewport(plane).resetCamera();
    this.engine.render();
  }

  setWindow(windowWidthHu: number, windowLevelHu: number): void {
    if (!this.ctVolumeId) return;
    for (const plane of PLANES) {
      this.viewport(plane).setProperties({ voiRange: voiRangeOf(windowWidthHu, windowLevelHu) }, this.ctVolumeId);
    }
    this.engine.render();
  }

  /**
   * Renders every viewport at `scale` × the display resolution (1 = full). The camera is kept, so
   * the same part of the volume stays in view; coordinates stay consistent (see renderScale.ts).
   */
  setRenderScale(scale: number): void {
    if (scale === renderScale()) return;
    setRenderScale(scale);
    this.resizeCanvases();
  }

  /**
   * Sizes every canvas to its element (× the render scale) with the cameras exactly as they were.
   *
   * Two cornerstone 5 behaviours made this necessary. Its resize, called while a frame is queued
   * (ContextPoolRenderingEngine: the `_animationFrameSet` early return), records the new size but
   * neither resizes the canvas nor keeps the camera; the queued frame is dropped here instead (the
   * resize renders every viewport anyway). And nothing resized the canvases when the layout changed
   * (a wrapped toolbar, a taller panel): the image was drawn 454×389 into a 454×377 element,
   * squashed 3 % vertically, until the next fast-scroll drag resized it and the image jumped by
   * 2–3 voxels under the user's pointer. The ResizeObserver in the constructor now calls this too.
   */
  resizeCanvases(): void {
    const impl = (this.engine as unknown as { _implementation?: { _animationFrameSet?: unknown; _clearAnimationFrame?: () => void } })._implementation;
    if (impl?._animationFrameSet === true) impl._clearAnimationFrame?.();
    const cameras = PLANES.map((plane) => [plane, this.viewport(plane).getCamera()] as const);
    this.engine.resize(true, true);
    for (const [plane, camera] of cameras) {
      const { focalPoint, position, viewUp, parallelScale, flipHorizontal, flipVertical } = camera;
      this.viewport(plane).setCamera({ focalPoint, position, viewUp, parallelScale, flipHorizontal, flipVertical });
    }
    this.engine.render();
  }

  /** Enables crosshairs on the left button (the default navigation mode). */
  setCrosshairsActive(active: boolean): void {
    const group = ToolGroupManager.getToolGroup(this.toolGroupId);
    if (!group) return;
    if (active) group.setToolActive(CrosshairsTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
    else group.setToolPassive(CrosshairsTool.toolName);
  }

  /**
   * Centres all three viewports on a patient point (LPS mm, cornerstone's world): each camera moves
   * its focal point there, which scrolls to the slice through the point and pans it to the middle
   * of the view, zoom and orientation kept; the crosshairs centre follows.
   */
  centreOn(worldLps: Types.Point3): void {
    for (const plane of PLANES) {
      const vp = this.viewport(plane);
      const { focalPoint, position } = vp.getCamera();
      if (!focalPoint || !position) continue;
      const offset = [position[0] - focalPoint[0], position[1] - focalPoint[1], position[2] - focalPoint[2]];
      vp.setCamera({
        focalPoint: [worldLps[0], worldLps[1], worldLps[2]],
        position: [worldLps[0] + offset[0], worldLps[1] + offset[1], worldLps[2] + offset[2]],
      });
    }
    const crosshairs = ToolGroupManager.getToolGroup(this.toolGroupId)?.getToolInstance(CrosshairsTool.toolName) as CrosshairsTool | undefined;
    // The cameras are already there: this only moves the crosshairs' centre (and redraws them).
    crosshairs?.setToolCenter([worldLps[0], worldLps[1], worldLps[2]]);
    this.engine.render();
  }

  /** Adds (or replaces) a labelmap overlay, shown in all three planes. `labels` stays live. */
  addOverlay(segmentationId: string, labels: Uint8Array, style: OverlayStyle): void {
    if (!this.geometry || !this.ctVolumeId) throw new Error('no volume shown');
    const labelmapVolumeId = `${segmentationId}-labelmap`;
    if (this.overlays.has(segmentationId)) segmentation.removeSegmentation(segmentationId);
    registerLabelmapVolume(labelmapVolumeId, this.geometry, labels);
    segmentation.addSegmentations([
      {
        segmentationId,
        representation: {
          type: ToolEnums.SegmentationRepresentations.Labelmap,
          data: { volumeId: labelmapVolumeId, referencedVolumeId: this.ctVolumeId },
        },
      },
    ]);
    const map: Record<string, { segmentationId: string }[]> = {};
    for (const plane of PLANES) map[this.viewportIds[plane]] = [{ segmentationId }];
    segmentation.addLabelmapRepresentationToViewportMap(map);
    this.overlays.set(segmentationId, labelmapVolumeId);
    this.styleOverlay(segmentationId, style);
  }

  /**
   * Adds an overlay to a volume already on show without moving any viewport: adding a labelmap
   * representation later re-snaps the cameras (the axial view jumped one slice), so they are put back.
   */
  addOverlayKeepingView(segmentationId: string, labels: Uint8Array, style: OverlayStyle): void {
    const cameras = new Map(PLANES.map((p) => [this.viewportIds[p], { plane: p, camera: this.viewport(p).getCamera() }]));
    // The labelmap actor is mounted asynchronously: each viewport's camera is put back once its
    // first render with the new overlay is done (SEGMENTATION_RENDERED), or given up after 3 s.
    const onRendered = (evt: Event): void => {
      const { viewportId, segmentationId: id } = (evt as CustomEvent<{ viewportId: string; segmentationId: string }>).detail;
      const saved = id === segmentationId ? cameras.get(viewportId) : undefined;
      if (!saved) return;
      cameras.delete(viewportId);
      const vp = this.viewport(saved.plane);
      vp.setCamera(saved.camera);
      vp.render();
      if (cameras.size === 0) eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, onRendered);
    };
    eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, onRendered);
    setTimeout(() => eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, onRendered), 3000);
    this.addOverlay(segmentationId, labels, style);
  }

  /** Removes an overlay and releases its labelmap volume from the cache. */
  removeOverlay(segmentationId: string): void {
    const labelmapVolumeId = this.overlays.get(segmentationId);
    if (!labelmapVolumeId) return;
    segmentation.removeSegmentation(segmentationId);
    uncacheVolume(labelmapVolumeId);
    this.overlays.delete(segmentationId);
    this.engine.render();
  }

  styleOverlay(segmentationId: string, style: OverlayStyle): void {
    // A hidden overlay is also made fully transparent: the representation's visibility flag alone
    // did not hide every segment (the left lung stayed drawn when the lungs were hidden at creation).
    const shown = style.visible;
    for (const plane of PLANES) {
      const viewportId = this.viewportIds[plane];
      for (const [label, rgba] of Object.entries(style.colors)) {
        const color: Types.Color = [rgba[0], rgba[1], rgba[2], shown ? rgba[3] : 0];
        segmentation.config.color.setSegmentIndexColor(viewportId, segmentationId, Number(label), color);
      }
      segmentation.config.visibility.setSegmentationRepresentationVisibility(
        viewportId,
        { segmentationId, type: ToolEnums.SegmentationRepresentations.Labelmap },
        shown,
      );
      segmentation.config.style.setStyle(
        { viewportId, segmentationId, type: ToolEnums.SegmentationRepresentations.Labelmap },
        shown
          ? { fillAlpha: style.opacity, fillAlphaInactive: style.opacity, renderOutline: true, outlineOpacity: Math.min(1, style.opacity + 0.3) }
          : { fillAlpha: 0, fillAlphaInactive: 0, renderOutline: false, outlineOpacity: 0, outlineOpacityInactive: 0 },
      );
    }
    this.engine.render();
  }

  /** Call after writing into an overlay's label array. */
  /** The overlay's labels changed: on `slices` (axial k) only, or everywhere when undefined. */
  overlayChanged(segmentationId: string, slices?: number[]): void {
    segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(segmentationId, slices);
    this.engine.render();
  }

  /**
   * While a brush stroke is being drawn: the labelmap's shared texture takes the changed slices and
   * only the viewport being painted renders (one software-GL frame instead of three per pointer
   * move); the stroke's end calls overlayChanged(), which brings the other two up to date.
   */
  overlayChangedIn(segmentationId: string, slices: number[], plane: Plane): void {
    const volumeId = this.overlays.get(segmentationId);
    const volume = volumeId ? (cache.getVolume(volumeId) as unknown as LabelmapTextureVolume | undefined) : undefined;
    if (!volume?.imageData || !volume.vtkOpenGLTexture?.setUpdatedFrame) return this.overlayChanged(segmentationId, slices);
    for (const k of slices) volume.vtkOpenGLTexture.setUpdatedFrame(k);
    volume.voxelManager?.invalidateCache?.();
    volume.imageData.modified();
    this.viewport(plane).render();
  }

  destroy(): void {
    ToolGroupManager.destroyToolGroup(this.toolGroupId);
    this.engine.destroy();
  }
}
