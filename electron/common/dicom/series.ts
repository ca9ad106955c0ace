import { OpalError, type ErrorCode } from '../errors/index.ts';
import type { Mat3, Vec3, Volume, VolumeMeta } from '../volume/index.ts';
import type { StoredPixels } from './pixels/frames.ts';
import { canConvertNative16, nativeLittleEndian16ToHu } from './pixels/nativeToHu.ts';
import { hostIsLittleEndian } from './pixels/storedValues.ts';
import type { FrameHeader } from './readFrameHeaders.ts';
import { MAX_VOLUME_VOXELS } from './limits.ts';

/** Something about a series the user should know; loading went on. */
export interface VolumeWarning {
  code: ErrorCode;
  message: string;
  /** Where: a slice position, a file. */
  detail?: string;
  /** Position along the slice normal (mm), for slice-level warnings. */
  positionMm?: number;
}

/** Geometry of an assembled series, known from headers alone. */
export interface SeriesGeometry {
  dims: Vec3;
  spacingMm: Vec3;
  originMm: Vec3;
  direction: Mat3;
  /** Indices into the frames given to planSeries, in k order (duplicates of one SOP instance dropped). */
  order: number[];
  /**
   * Grid slice k of each entry of `order` (same length). Equal to 0..n-1 unless slices are
   * missing: then the grid keeps every image at its true position and the k values skip the gaps.
   */
  gridSlices: number[];
  /** Grid slices that no image fills (missing slices): the volume holds FILLER_HU there. */
  missingSlices: number[];
  /** Position of each grid slice along the normal (mm): the image's own, or the grid's for a missing slice. */
  slicePositionsMm: number[];
  /** Plane of the images: 'axial' unless the slice normal is not the patient's head-foot axis. */
  acquisitionPlane: AcquisitionPlane;
  /** Gantry/detector tilt in degrees (from the header or from the shear of the positions), 0 if none. */
  gantryTiltDeg: number;
  warnings: VolumeWarning[];
  /** Set when the series cannot become a volume as is (tilt, duplicates with different images). */
  refusal?: OpalError;
}

/** 'oblique': no image axis lies within MAX_REFORMAT_ANGLE_DEG of the head-foot axis. */
export type AcquisitionPlane = 'axial' | 'coronal' | 'sagittal' | 'oblique';

/** HU of the slices that stand in for missing images: air, so that nothing is ever found there. */
export const FILLER_HU = -1024;
/**
 * A non-axial series is reordered to axial when one of its image axes lies within this angle of
 * the head-foot axis; the geometry stays exact either way (see reformatToAxial), the angle only
 * bounds how far from axial the slices the engine sees may be.
 */
export const MAX_REFORMAT_ANGLE_DEG = 10;

const EPS_ORIENT = 1e-3;
const DUPLICATE_TOL_MM = 0.01;
/** PS3.3 does not fix a tolerance; 1.5x the median step is the project's "missing slice" rule. */
export const GAP_FACTOR = 1.5;
/** Steps that differ from the median by more than this fraction make a series "unevenly spaced". */
export const UNEVEN_TOLERANCE = 0.1;
/** Tilts below this (degrees) are numerical noise in positions. */
const TILT_TOLERANCE_DEG = 0.05;

const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: Vec3): Vec3 => {
  const l = Math.hypot(a[0], a[1], a[2]);
  return l > 0 ? [a[0] / l, a[1] / l, a[2] / l] : a;
};
const fmt = (v: number): string => (Math.round(v * 100) / 100).toString();

/** The key that says two frames can share one volume grid. */
export function geometryKey(f: FrameHeader): string {
  const r = (v: number, d: number): string => (Math.round(v / d) * d).toFixed(4);
  const iop = f.imageOrientation ? f.imageOrientation.map((v) => r(v, EPS_ORIENT)).join(',') : 'none';
  const ps = f.pixelSpacingMm ? f.pixelSpacingMm.map((v) => r(v, 1e-4)).join(',') : 'none';
  return `${f.rows}x${f.columns}|${iop}|${ps}|${f.samplesPerPixel}`;
}

export interface SeriesPart {
  seriesInstanceUid: string;
  /** seriesInstanceUid, or seriesInstanceUid#n when one series had to be split by geometry. */
  seriesKey: string;
  frames: FrameHeader[];
  warnings: VolumeWarning[];
}

/**
 * Groups frames by SeriesInstanceUID and, inside a series, by geometry (size, orientation, pixel
 * spacing): frames that disagree are never stacked into one grid. A split series gets one
 * E_INCONSISTENT_GEOMETRY warning per part naming what differed.
 */
export function splitSeries(frames: FrameHeader[]): SeriesPart[] {
  const bySeries = new Map<string, FrameHeader[]>();
  for (const f of frames) {
    const uid = f.seriesInstanceUid ?? `(no SeriesInstanceUID: ${f.source})`;
    const list = bySeries.get(uid);
    if (list) list.push(f);
    else bySeries.set(uid, [f]);
  }
  const parts: SeriesPart[] = [];
  for (const [uid, list] of bySeries) {
    const byGeom = new Map<string, FrameHeader[]>();
    for (const f of list) {
      const k = geometryKey(f);
      const l = byGeom.get(k);
      if (l) l.push(f);
      else byGeom.set(k, [f]);
    }
    if (byGeom.size === 1) {
      parts.push({ seriesInstanceUid: uid, seriesKey: uid, frames: list, warnings: [] });
      continue;
    }
    const groups = [...byGeom.entries()].sort((a, b) => b[1].length - a[1].length);
    groups.forEach(([key, l], i) => {
      parts.push({
        seriesInstanceUid: uid,
        seriesKey: `${uid}#${i + 1}`,
        frames: l,
        warnings: [
          {
            code: 'E_INCONSISTENT_GEOMETRY',
            message: `Series ${uid} mixes ${groups.length} image geometries (size|orientation|pixel spacing); it was split and this part (${l.length} of ${list.length} images, ${key}) is shown on its own.`,
          },
        ],
      });
    });
  }
  return parts;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Places slices at positions p (ascending, mm along the normal) on a regular grid: slice i at grid
 * index k[i], spacing from the first to the last slice. Undefined when some slice lies more than
 * UNEVEN_TOLERANCE of a step off its grid position (the images are not on one regular grid).
 */
export function fitRegularGrid(p: number[], stepMm: number): { k: number[]; spacingMm: number } | undefined {
  if (p.length < 2) return undefined;
  const last = Math.round((p[p.length - 1] - p[0]) / stepMm);
  if (last < p.length - 1) return undefined;
  const spacingMm = (p[p.length - 1] - p[0]) / last;
  const k = p.map((x) => Math.round((x - p[0]) / spacingMm));
  for (let i = 0; i < p.length; i++) {
    if (i > 0 && k[i] <= k[i - 1]) return undefined;
    if (Math.abs(p[i] - p[0] - k[i] * spacingMm) > UNEVEN_TOLERANCE * spacingMm) return undefined;
  }
  return { k, spacingMm };
}

/**
 * The plane of the images from their row, column and normal directions (LPS): axial when the
 * normal is the axis closest to head-foot (z), else coronal (normal along y) or sagittal (normal
 * along x) when the image axis closest to z lies within MAX_REFORMAT_ANGLE_DEG of it, else oblique.
 */
export function acquisitionPlaneOf(row: Vec3, col: Vec3, normal: Vec3): AcquisitionPlane {
  const zRow = Math.abs(row[2]);
  const zCol = Math.abs(col[2]);
  const zNormal = Math.abs(normal[2]);
  if (zNormal >= zRow && zNormal >= zCol) return 'axial';
  if (Math.max(zRow, zCol) < Math.cos((MAX_REFORMAT_ANGLE_DEG * Math.PI) / 180)) return 'oblique';
  return Math.abs(normal[1]) >= Math.abs(normal[0]) ? 'coronal' : 'sagittal';
}

/**
 * Orders the frames of one series along the normal of ImageOrientationPatient (never by
 * InstanceNumber) and derives the volume grid: spacing from positions, origin at the first slice,
 * LPS direction (PS3.3 C.7.6.2.1.1). Flags missing slices, uneven spacing, duplicates and gantry
 * tilt. All frames must share one geometryKey (use splitSeries first).
 */
export function planSeries(frames: FrameHeader[]): SeriesGeometry {
  if (frames.length === 0) throw new OpalError('E_EMPTY_FOLDER', 'The series has no images.');
  const warnings: VolumeWarning[] = [];
  const first = frames[0];
  const keys = new Set(frames.map(geometryKey));
  if (keys.size > 1) {
    throw new OpalError('E_INCONSISTENT_GEOMETRY', `The images of this series disagree on size, orientation or pixel spacing (${[...keys].join(' vs ')}).`, first.seriesInstanceUid);
  }
  const iop = first.imageOrientation;
  let row: Vec3 = [1, 0, 0];
  let col: Vec3 = [0, 1, 0];
  if (iop) {
    row = norm([iop[0], iop[1], iop[2]]);
    col = norm([iop[3], iop[4], iop[5]]);
  } else {
    warnings.push({ code: 'E_INCONSISTENT_GEOMETRY', message: 'No ImageOrientationPatient: the image is shown with an assumed axial orientation and its patient-space geometry is unknown.' });
  }
  const normal = norm(cross(row, col));
  const [rowSpacing, colSpacing] = first.pixelSpacingMm ?? [1, 1];
  if (!first.pixelSpacingMm) warnings.push({ code: 'E_INCONSISTENT_GEOMETRY', message: 'No PixelSpacing: 1 mm pixels are assumed, so distances and volumes are not in millimetres.' });

  const headerTilt = frames.find((f) => f.gantryTiltDeg !== undefined && Math.abs(f.gantryTiltDeg) > TILT_TOLERANCE_DEG)?.gantryTiltDeg ?? 0;
  const positioned = frames.every((f) => f.imagePositionMm !== undefined);

  // Sort by position along the normal; frames without positions (legacy multi-frame) keep file/frame order.
  let idx = frames.map((_, i) => i);
  const d = frames.map((f) => (f.imagePositionMm ? dot(f.imagePositionMm, normal) : 0));
  if (positioned) {
    idx.sort((a, b) => d[a] - d[b] || (frames[a].instanceNumber ?? 0) - (frames[b].instanceNumber ?? 0) || frames[a].frameIndex - frames[b].frameIndex);
  } else if (frames.length > 1) {
    warnings.push({ code: 'E_INCONSISTENT_GEOMETRY', message: 'The frames carry no per-frame ImagePositionPatient; they are stacked in frame order with SpacingBetweenSlices or SliceThickness as spacing.' });
  }

  // Duplicates: the same SOP instance read twice is dropped; two different images at one position refuse.
  let refusal: OpalError | undefined;
  if (positioned) {
    const kept: number[] = [];
    for (const i of idx) {
      const prev = kept[kept.length - 1];
      if (prev !== undefined && Math.abs(d[i] - d[prev]) < DUPLICATE_TOL_MM) {
        const same = frames[i].sopInstanceUid !== undefined && frames[i].sopInstanceUid === frames[prev].sopInstanceUid && frames[i].frameIndex === frames[prev].frameIndex;
        if (same) {
          warnings.push({ code: 'E_DUPLICATE_SLICE', message: `The same image (SOP instance ${frames[i].sopInstanceUid}) was found twice; one copy was ignored.`, detail: frames[i].source, positionMm: d[i] });
          continue;
        }
        const message = `Two different images share the slice position ${fmt(d[i])} mm (files ${frames[prev].source} and ${frames[i].source}); OPAL does not guess which one belongs to the volume.`;
        warnings.push({ code: 'E_DUPLICATE_SLICE', message, detail: frames[i].source, positionMm: d[i] });
        refusal ??= new OpalError('E_DUPLICATE_SLICE', message, `${fmt(d[i])} mm`);
        kept.push(i);
        continue;
      }
      kept.push(i);
    }
    idx = kept;
  }

  // One SOP instance (and frame) per image is what DICOM references rely on (PS3.3 C.12.1.1.1:
  // SOPInstanceUID identifies one instance). Anonymisers sometimes write one UID into every file.
  const byUid = new Map<string, number>();
  for (const i of idx) {
    const uid = frames[i].sopInstanceUid;
    if (uid) byUid.set(`${uid}#${frames[i].frameIndex}`, (byUid.get(`${uid}#${frames[i].frameIndex}`) ?? 0) + 1);
  }
  const shared = [...byUid.entries()].filter(([, n]) => n > 1);
  if (shared.length > 0) {
    const [key, n] = shared[0];
    const imagesAffected = shared.reduce((sum, [, c]) => sum + c, 0);
    warnings.push({
      code: 'E_DUPLICATE_SOP_UID',
      message: `${imagesAffected} of ${idx.length} images share ${shared.length === 1 ? 'one SOPInstanceUID' : `${shared.length} SOPInstanceUIDs`} (e.g. ${n} carry ${key.slice(0, key.lastIndexOf('#'))}), as an anonymiser that rewrote UIDs without keeping them unique leaves them. The images load and are segmented at their positions, but a DICOM SEG could not say which image each mask frame belongs to, so no SEG is written; the other exports are.`,
    });
  }

  const positions = idx.map((i) => d[i]);
  const steps: number[] = [];
  for (let k = 1; k < positions.length; k++) steps.push(positions[k] - positions[k - 1]);
  const positiveSteps = steps.filter((s) => s > DUPLICATE_TOL_MM);
  let spacingK = positiveSteps.length > 0 ? median(positiveSteps) : (first.spacingBetweenSlicesMm ?? first.sliceThicknessMm ?? 1);
  if (!(spacingK > 0)) spacingK = 1;

  const plane = acquisitionPlaneOf(row, col, normal);
  // Refusals found below that give way to a gantry tilt's (the tilt is the first thing to fix).
  let laterRefusal: OpalError | undefined;
  let gridSlices = idx.map((_, k) => k);
  const missingSlices: number[] = [];
  let slicePositionsMm = positions;
  if (positiveSteps.length > 0) {
    const gapAt: number[] = [];
    for (let k = 0; k < steps.length; k++) if (steps[k] > GAP_FACTOR * spacingK) gapAt.push(k);
    if (gapAt.length > 0) {
      // Missing slices: every image keeps its true position on a regular grid and the gaps become
      // empty slices (never closed up, which would shift every image after the gap).
      const fitted = fitRegularGrid(positions, spacingK);
      // More empty slices than images is not a series with a few slices missing (e.g. two stacks far
      // apart); refusing it also bounds the memory the empty slices take.
      const grid = fitted && fitted.k[fitted.k.length - 1] + 1 <= 2 * positions.length ? fitted : undefined;
      const where = (k: number): string => `between slices at ${fmt(positions[k])} mm and ${fmt(positions[k + 1])} mm`;
      if (grid && plane === 'axial') {
        spacingK = grid.spacingMm;
        gridSlices = grid.k;
        for (let g = 0, i = 0; g <= grid.k[grid.k.length - 1]; g++) {
          if (grid.k[i] === g) i++;
          else missingSlices.push(g);
        }
        slicePositionsMm = Array.from({ length: grid.k[grid.k.length - 1] + 1 }, (_, g) => positions[0] + g * spacingK);
        grid.k.forEach((g, i) => (slicePositionsMm[g] = positions[i]));
        for (const k of gapAt) {
          const missing = grid.k[k + 1] - grid.k[k] - 1;
          warnings.push({
            code: 'E_MISSING_SLICE',
            message: `Gap of ${fmt(steps[k])} mm ${where(k)} (spacing ${fmt(spacingK)} mm): ${missing} slice(s) missing. Every image keeps its true position; the missing slice(s) are empty (${FILLER_HU} HU, label 0) and are not segmented, nothing is interpolated, and volumes count each missing slice as its nearest image.`,
            positionMm: positions[k] + spacingK,
            detail: `after slice ${grid.k[k]} at ${fmt(positions[k])} mm`,
          });
        }
      } else {
        const why =
          plane !== 'axial'
            ? `this ${plane} series would have to be reordered to axial around the gap`
            : fitted
              ? `more slices are missing than present (${fitted.k[fitted.k.length - 1] + 1 - positions.length} of ${fitted.k[fitted.k.length - 1] + 1})`
              : 'the remaining images do not lie on one regular grid, so they cannot be placed at their true positions without resampling';
        const listed = gapAt.slice(0, 3).map(where).join('; ') + (gapAt.length > 3 ? `; and ${gapAt.length - 3} more` : '');
        const message = `${gapAt.length === 1 ? 'Gap' : `${gapAt.length} gaps`} ${listed} (median spacing ${fmt(spacingK)} mm): slices are missing and ${why}. OPAL does not shift or interpolate slices; please re-export the complete series.`;
        warnings.push({ code: 'E_MISSING_SLICE', message, positionMm: positions[gapAt[0]] + spacingK, detail: `after slice ${gapAt[0]} at ${fmt(positions[gapAt[0]])} mm` });
        laterRefusal ??= new OpalError('E_MISSING_SLICE', message, first.seriesInstanceUid);
      }
    }
    const uneven = steps.filter((s) => Math.abs(s - spacingK) > UNEVEN_TOLERANCE * spacingK && s <= GAP_FACTOR * spacingK);
    if (uneven.length > 0 || (gapAt.length > 0 && new Set(steps.map((s) => s.toFixed(2))).size > 2)) {
      const distinct = [...new Set(steps.map((s) => fmt(s)))].slice(0, 6).join(', ');
      warnings.push({
        code: 'E_UNEVEN_SPACING',
        message: `Slice spacing is uneven (steps of ${distinct} mm; median ${fmt(spacingK)} mm). The volume uses the median spacing; the true positions are kept in meta.slicePositionsMm.`,
      });
    }
  }

  if (plane !== 'axial' && iop) {
    if (plane === 'oblique') {
      const message = `Oblique acquisition: none of the image axes lies within ${MAX_REFORMAT_ANGLE_DEG}° of the patient's head-foot axis (ImageOrientationPatient ${iop.map(fmt).join('\\')}). OPAL segments axial slices and does not resample, because interpolation changes HU values and measured volumes; please use an axial reconstruction.`;
      warnings.push({ code: 'E_NOT_AXIAL', message });
      laterRefusal ??= new OpalError('E_NOT_AXIAL', message, first.seriesInstanceUid);
    } else {
      warnings.push({
        code: 'E_NOT_AXIAL',
        message: `${plane === 'coronal' ? 'Coronal' : 'Sagittal'} acquisition: OPAL reorders the voxels into axial slices for segmentation (an exact axis permutation, no interpolation; every voxel keeps its patient position). NIfTI exports are on that axial grid; DICOM SEG frames refer to the original ${plane} images.`,
      });
    }
  }
  // Gantry tilt: from the header, or from the shear of the slice positions against the normal.
  let shearTilt = 0;
  if (positioned && idx.length > 1) {
    const a = frames[idx[0]].imagePositionMm as Vec3;
    const b = frames[idx[idx.length - 1]].imagePositionMm as Vec3;
    const step: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const along = dot(step, normal);
    const inPlane = Math.hypot(dot(step, row), dot(step, col));
    if (Math.abs(along) > 0) shearTilt = (Math.atan2(inPlane, Math.abs(along)) * 180) / Math.PI;
  }
  const tilt = Math.abs(headerTilt) > TILT_TOLERANCE_DEG ? headerTilt : shearTilt > TILT_TOLERANCE_DEG ? shearTilt : 0;
  if (tilt !== 0) {
    // Decision: refuse, not resample. Resampling a sheared stack moves every voxel by a
    // sub-voxel in-plane interpolation that changes HU values at lesion borders and the
    // quantified volumes; a radiologist can ask the scanner/PACS for an untilted axial
    // reconstruction, and `opal info` still lists the series with its tilt.
    const message = `Gantry-tilted acquisition (${fmt(tilt)}°${headerTilt ? ' from GantryDetectorTilt' : ''}${shearTilt > TILT_TOLERANCE_DEG ? `; the slice positions are sheared by ${fmt(shearTilt)}° against the image plane` : ''}). OPAL does not resample tilted series because interpolation changes HU values and measured volumes; please use an untilted (axial-reformatted) series.`;
    warnings.push({ code: 'E_GANTRY_TILT', message });
    refusal ??= new OpalError('E_GANTRY_TILT', message, first.seriesInstanceUid);
  }
  refusal ??= laterRefusal;
  const voxels = first.columns * first.rows * slicePositionsMm.length;
  if (voxels > MAX_VOLUME_VOXELS) {
    const message = `The volume would be ${first.columns}x${first.rows}x${slicePositionsMm.length} = ${voxels} voxels; OPAL loads at most ${MAX_VOLUME_VOXELS} (README, Limits).`;
    warnings.push({ code: 'E_TOO_LARGE', message });
    refusal = new OpalError('E_TOO_LARGE', message, first.seriesInstanceUid);
  }

  const originMm: Vec3 = positioned ? ([...(frames[idx[0]].imagePositionMm as Vec3)] as Vec3) : (first.imagePositionMm ?? [0, 0, 0]);
  return {
    dims: [first.columns, first.rows, slicePositionsMm.length],
    // PixelSpacing is [between rows, between columns]: i (along a row) steps by the column spacing.
    spacingMm: [colSpacing, rowSpacing, spacingK],
    originMm,
    direction: [row[0], row[1], row[2], col[0], col[1], col[2], normal[0], normal[1], normal[2]],
    order: idx,
    gridSlices,
    missingSlices,
    slicePositionsMm,
    acquisitionPlane: plane,
    gantryTiltDeg: tilt,
    warnings,
    refusal,
  };
}

/** Rescaled values of one frame, in k order, with the header that describes them. */
export interface FramePixels {
  header: FrameHeader;
  pixels: StoredPixels;
}

function luminance(p: StoredPixels, n: number, planar: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = planar ? p[i] : p[3 * i];
    const g = planar ? p[n + i] : p[3 * i + 1];
    const b = planar ? p[2 * n + i] : p[3 * i + 2];
    out[i] = 0.299 * r + 0.587 * g + 0.114 * b;
  }
  return out;
}

/** out[off + i] = px[i] * slope + intercept, one monomorphic loop per stored type (hot path). */
// One loop per array type: a single loop over a union of typed arrays is megamorphic in V8 and ran
// about 5x slower on a 512x512x300 load (measured with --cpu-prof).
function rescaleU16(out: Int16Array, off: number, px: Uint16Array, n: number, s: number, b: number): void {
  if (s === 1) for (let i = 0; i < n; i++) out[off + i] = px[i] + b;
  else for (let i = 0; i < n; i++) out[off + i] = px[i] * s + b;
}
function rescaleI16(out: Int16Array, off: number, px: Int16Array, n: number, s: number, b: number): void {
  if (s === 1) for (let i = 0; i < n; i++) out[off + i] = px[i] + b;
  else for (let i = 0; i < n; i++) out[off + i] = px[i] * s + b;
}
function rescaleU8(out: Int16Array, off: number, px: Uint8Array, n: number, s: number, b: number): void {
  for (let i = 0; i < n; i++) out[off + i] = px[i] * s + b;
}
function rescaleOther(out: Int16Array, off: number, px: ArrayLike<number>, n: number, s: number, b: number): void {
  for (let i = 0; i < n; i++) out[off + i] = px[i] * s + b;
}
function rescaleInto(out: Int16Array, off: number, px: StoredPixels, n: number, s: number, b: number): void {
  if (px instanceof Uint16Array) rescaleU16(out, off, px, n, s, b);
  else if (px instanceof Int16Array) rescaleI16(out, off, px, n, s, b);
  else if (px instanceof Uint8Array) rescaleU8(out, off, px, n, s, b);
  else rescaleOther(out, off, px, n, s, b);
}

/**
 * Fills a Volume slice by slice: stored values x RescaleSlope + RescaleIntercept (PS3.3
 * C.11.1.1.2) into an Int16Array while every slope and intercept is an integer and the values fit
 * int16, else a Float32Array (switched to on the first value that needs it, so memory stays at
 * one volume plus one slice). Colour frames (decoded frames are interleaved RGB) become luminance (Float32).
 */
export class VolumeBuilder {
  private voxels: Int16Array | Float32Array;
  private readonly sliceSize: number;
  private filled: boolean[];

  constructor(
    private readonly geometry: SeriesGeometry,
    private readonly headers: FrameHeader[],
  ) {
    const [nx, ny, nz] = geometry.dims;
    if (headers.length !== geometry.gridSlices.length) throw new OpalError('E_INTERNAL', `VolumeBuilder: ${headers.length} frames for ${geometry.gridSlices.length} images.`);
    this.sliceSize = nx * ny;
    // planSeries refuses such a series; this guards any other caller before the allocation.
    if (this.sliceSize * nz > MAX_VOLUME_VOXELS) throw new OpalError('E_TOO_LARGE', `A volume of ${nx}x${ny}x${nz} voxels is larger than OPAL loads (${MAX_VOLUME_VOXELS}).`);
    const integral = headers.every((h) => Number.isInteger(h.rescaleSlope) && Number.isInteger(h.rescaleIntercept) && h.samplesPerPixel === 1);
    this.voxels = integral ? new Int16Array(this.sliceSize * nz) : new Float32Array(this.sliceSize * nz);
    for (const g of geometry.missingSlices) this.voxels.fill(FILLER_HU, g * this.sliceSize, (g + 1) * this.sliceSize);
    this.filled = new Array<boolean>(headers.length).fill(false);
  }

  /** Offset in the volume of image k (k indexes the headers; the grid may hold missing slices between them). */
  private offsetOf(k: number): number {
    return this.geometry.gridSlices[k] * this.sliceSize;
  }

  get isFloat(): boolean {
    return this.voxels instanceof Float32Array;
  }

  /**
   * True when slice k can be filled by setSliceNative16: 16-bit single-sample stored values whose
   * HU all fit the Int16 volume (see canConvertNative16).
   */
  acceptsNative16(k: number): boolean {
    const h = this.headers[k];
    return this.voxels instanceof Int16Array && hostIsLittleEndian && h.bitsAllocated === 16 && h.samplesPerPixel === 1 && canConvertNative16(h);
  }

  /**
   * Fills slice k from the frame's raw little-endian 16-bit samples as stored in the file (the hot
   * path for uncompressed series: no decoded copy). Requires acceptsNative16(k).
   */
  setSliceNative16(k: number, bytes: Uint8Array): void {
    const h = this.headers[k];
    const n = this.sliceSize;
    if (!this.acceptsNative16(k)) throw new OpalError('E_INTERNAL', 'setSliceNative16 called for a frame it cannot convert.');
    if (bytes.byteLength < n * 2) throw new OpalError('E_TRUNCATED', `A frame has ${bytes.byteLength >> 1} pixels, ${n} expected.`, h.source);
    nativeLittleEndian16ToHu(bytes, n, h, this.voxels as Int16Array, this.offsetOf(k));
    this.filled[k] = true;
  }

  setSlice(k: number, pixels: StoredPixels): void {
    const h = this.headers[k];
    const n = this.sliceSize;
    const px: ArrayLike<number> = h.samplesPerPixel === 3 ? luminance(pixels, n, false) : pixels;
    if (px.length < n) throw new OpalError('E_TRUNCATED', `A frame has ${px.length} pixels, ${n} expected.`, h.source);
    const s = h.rescaleSlope;
    const b = h.rescaleIntercept;
    const off = this.offsetOf(k);
    if (this.voxels instanceof Int16Array) {
      const out = this.voxels;
      if (s === 1 && b === 0 && px instanceof Int16Array) {
        out.set(px.subarray(0, n), off);
        this.filled[k] = true;
        return;
      }
      // When every value BitsStored allows maps into int16, skip the per-voxel range check.
      const lo = h.pixelRepresentation === 1 ? -(2 ** (h.bitsStored - 1)) : 0;
      const hi = h.pixelRepresentation === 1 ? 2 ** (h.bitsStored - 1) - 1 : 2 ** h.bitsStored - 1;
      const ends = [lo * s + b, hi * s + b];
      if (h.samplesPerPixel === 1 && Math.min(...ends) >= -32768 && Math.max(...ends) <= 32767) {
        rescaleInto(out, off, pixels, n, s, b);
        this.filled[k] = true;
        return;
      }
      for (let i = 0; i < n; i++) {
        const v = px[i] * s + b;
        if (v < -32768 || v > 32767) {
          // Needs more range than int16: continue in float.
          this.voxels = Float32Array.from(this.voxels);
          this.setSlice(k, pixels);
          return;
        }
        out[off + i] = v;
      }
    } else {
      const out = this.voxels;
      for (let i = 0; i < n; i++) out[off + i] = px[i] * s + b;
    }
    this.filled[k] = true;
  }

  /**
   * The volume. Per-image lists in `meta` given in header order (sopInstanceUids, frameNumbers)
   * are spread onto the grid ('' and 0 at missing slices), and meta gains imagePositionsMm (each
   * grid slice's ImagePositionPatient: the image's own, the grid's at a missing slice) and, when
   * slices are missing, missingSlices.
   */
  finish(meta: VolumeMeta): Volume {
    const missing = this.filled.indexOf(false);
    if (missing >= 0) throw new OpalError('E_INTERNAL', `Slice ${missing} was never filled.`);
    const g = this.geometry;
    const nz = g.dims[2];
    const spread = <T>(list: unknown, empty: T): T[] | undefined => {
      if (!Array.isArray(list) || list.length !== g.gridSlices.length) return undefined;
      const out = new Array<T>(nz).fill(empty);
      g.gridSlices.forEach((k, i) => (out[k] = list[i] as T));
      return out;
    };
    const sz = g.spacingMm[2];
    const kAxis: Vec3 = [g.direction[6], g.direction[7], g.direction[8]];
    const imagePositionsMm: Vec3[] = Array.from({ length: nz }, (_, k) => [g.originMm[0] + kAxis[0] * k * sz, g.originMm[1] + kAxis[1] * k * sz, g.originMm[2] + kAxis[2] * k * sz]);
    g.gridSlices.forEach((k, i) => {
      const p = this.headers[i].imagePositionMm;
      if (p) imagePositionsMm[k] = [p[0], p[1], p[2]];
    });
    const out: VolumeMeta = { ...meta, slicePositionsMm: g.slicePositionsMm, gantryTiltDeg: g.gantryTiltDeg, imagePositionsMm };
    const uids = spread<string>(meta.sopInstanceUids, '');
    if (uids) out.sopInstanceUids = uids;
    const frameNumbers = spread<number>(meta.frameNumbers, 0);
    if (frameNumbers) out.frameNumbers = frameNumbers;
    if (g.missingSlices.length > 0) out.missingSlices = [...g.missingSlices];
    return {
      dims: [...g.dims] as Vec3,
      spacingMm: [...g.spacingMm] as Vec3,
      originMm: [...g.originMm] as Vec3,
      direction: [...g.direction] as Mat3,
      voxels: this.voxels,
      meta: out,
    };
  }
}

/** Builds a Volume from frames in k order (see VolumeBuilder). */
export function buildVolume(geometry: SeriesGeometry, frames: FramePixels[], meta: VolumeMeta): Volume {
  const builder = new VolumeBuilder(geometry, frames.map((f) => f.header));
  frames.forEach((f, k) => builder.setSlice(k, f.pixels));
  return builder.finish(meta);
}

/** Volume meta from the first frame of a series and the k order. */
export function volumeMetaFromFrames(frames: FrameHeader[]): VolumeMeta {
  const f = frames[0];
  return {
    modality: f.modality,
    patientName: f.patientName,
    patientId: f.patientId,
    studyInstanceUid: f.studyInstanceUid,
    seriesInstanceUid: f.seriesInstanceUid,
    frameOfReferenceUid: f.frameOfReferenceUid,
    seriesDescription: f.seriesDescription,
    studyDate: f.studyDate,
    sliceThicknessMm: f.sliceThicknessMm,
    sopClassUid: f.sopClassUid,
    sopInstanceUids: frames.map((x) => x.sopInstanceUid ?? ''),
    frameNumbers: frames.map((x) => x.frameIndex + 1),
    convolutionKernel: f.convolutionKernel,
  };
}
