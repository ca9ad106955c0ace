import type { Measurements } from '../../../electron/common/quant/Measurements.ts';
import type { AppInfo, ScanResult, VolumeInfo } from '../../../electron/common/ipc/contract.ts';
import type { OpalErrorJson } from '../../../electron/common/errors/index.ts';
import { DEFAULT_PRESET } from '../viewport/windowPresets.ts';
import { DEFAULT_LESION_SORT, type LesionSort } from '../panels/lesionSort.ts';

export type ToolMode = 'navigate' | 'brush' | 'eraser' | 'delete-lesion' | 'grow' | 'assist';

/** The brush and eraser paint on a left-drag; the other modes are navigation or click tools (tools/CorrectionTools.ts). */
export function isPaintMode(mode: ToolMode): mode is 'brush' | 'eraser' {
  return mode === 'brush' || mode === 'eraser';
}

export interface OverlaySettings {
  visible: boolean;
  /** 0..1 fill opacity. */
  opacity: number;
  /** RGBA per label value. */
  colors: Record<number, [number, number, number, number]>;
}

export interface AppState {
  appInfo: AppInfo | null;
  scan: ScanResult | null;
  scanning: boolean;
  volume: VolumeInfo | null;
  loading: boolean;
  segmentation: { running: boolean; phase: 'preview' | 'full' | null; done: number; total: number; previewShown: boolean; executionProvider: string | null };
  labelmapRevision: number;
  measurements: Measurements | null;
  /**
   * The lesion panel's order, and the lesion last gone to with the measurements it was chosen in
   * (an edit renumbers lesions by size, so the mark holds only while those measurements stand).
   */
  lesions: { sort: LesionSort; selectedId: number | null; selectedIn: Measurements | null };
  window: { windowWidthHu: number; windowLevelHu: number };
  /** brushTarget: the labelmap the brush and eraser paint; brushLabel: the label in it (1 GGO / 2 consolidation, or 1 right / 2 left lung). */
  tool: { mode: ToolMode; brushRadiusMm: number; brushTarget: 'infection' | 'lungs'; brushLabel: 1 | 2; huLimit: HuLimit };
  overlays: { infection: OverlaySettings; lungs: OverlaySettings };
  canUndo: boolean;
  canRedo: boolean;
  error: OpalErrorJson | null;
  status: string;
  /**
   * Counts status messages (set by Store.update whenever a patch carries `status`), so the status
   * line is written only when a message is given, and the same message twice (two strokes of the
   * same size) still reads as new.
   */
  statusSeq: number;
}

/** HU-threshold brush: when on, the brush and eraser touch only voxels in the label's HU range. */
export interface HuLimit {
  enabled: boolean;
  /** [min, max] HU per brush label, inclusive. */
  ranges: Record<1 | 2, [number, number]>;
}

/**
 * Default HU ranges: ground-glass opacity -750..-300 HU (hazy, vessels still visible) and
 * consolidation -300..+150 HU (soft-tissue density), the usual reading of the Fleischner glossary's
 * descriptions; the user can change both.
 */
export const DEFAULT_HU_RANGES: Record<1 | 2, [number, number]> = { 1: [-750, -300], 2: [-300, 150] };

/** CT values a stored HU range may take (12-bit CT with the usual -1024 intercept). */
export const HU_LIMITS: [number, number] = [-1024, 3071];

/** A range from user input: numbers clamped to HU_LIMITS, swapped if given the wrong way round. */
export function normaliseHuRange(a: number, b: number, fallback: [number, number]): [number, number] {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return [...fallback];
  const clamp = (x: number) => Math.min(HU_LIMITS[1], Math.max(HU_LIMITS[0], Math.round(x)));
  const [lo, hi] = [clamp(a), clamp(b)];
  return lo <= hi ? [lo, hi] : [hi, lo];
}

export const MIN_BRUSH_MM = 1;
export const MAX_BRUSH_MM = 50;

export function initialState(): AppState {
  return {
    appInfo: null,
    scan: null,
    scanning: false,
    volume: null,
    loading: false,
    segmentation: { running: false, phase: null, done: 0, total: 0, previewShown: false, executionProvider: null },
    labelmapRevision: 0,
    measurements: null,
    lesions: { sort: DEFAULT_LESION_SORT, selectedId: null, selectedIn: null },
    window: { windowWidthHu: DEFAULT_PRESET.windowWidthHu, windowLevelHu: DEFAULT_PRESET.windowLevelHu },
    tool: { mode: 'navigate', brushRadiusMm: 5, brushTarget: 'infection', brushLabel: 1, huLimit: { enabled: false, ranges: { 1: [...DEFAULT_HU_RANGES[1]], 2: [...DEFAULT_HU_RANGES[2]] } } },
    overlays: {
      infection: { visible: true, opacity: 0.5, colors: { 1: [255, 196, 0, 255], 2: [230, 40, 40, 255] } },
      lungs: { visible: false, opacity: 0.2, colors: { 1: [60, 140, 255, 255], 2: [60, 220, 160, 255] } },
    },
    canUndo: false,
    canRedo: false,
    error: null,
    status: 'Open a CT folder to begin.',
    statusSeq: 0,
  };
}

/** Brush radius after one Shift+wheel notch (wheel up = larger), clamped to the allowed range. */
export function nextBrushRadius(currentMm: number, wheelDeltaY: number): number {
  const step = currentMm < 10 ? 1 : 2;
  const next = wheelDeltaY < 0 ? currentMm + step : currentMm - step;
  return Math.min(MAX_BRUSH_MM, Math.max(MIN_BRUSH_MM, next));
}

type Listener = (s: AppState, previous: AppState) => void;

/**
 * The app store: one immutable state object, replaced by update(); panels subscribe and re-render
 * what changed. Subscribing returns the unsubscribe function (OHIF's service pattern).
 */
export class Store {
  private current: AppState;
  private readonly listeners = new Set<Listener>();

  constructor(initial: AppState = initialState()) {
    this.current = initial;
  }

  get state(): AppState {
    return this.current;
  }

  update(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
    const previous = this.current;
    const p = typeof patch === 'function' ? patch(previous) : patch;
    this.current = { ...previous, ...p, statusSeq: 'status' in p ? previous.statusSeq + 1 : previous.statusSeq };
    for (const l of this.listeners) l(this.current, previous);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
