// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- dcmjs ships no types; this reference carries its declaration into every tsconfig that compiles this file.
/// <reference path="./dcmjs.d.ts" />
/**
 * Reads a DICOM SEG (PS3.3 A.51, C.8.20), BINARY or FRACTIONAL, back onto the voxel grid of its
 * source CT: one 0/1 mask per segment, placed slice by slice from each frame's referenced SOP
 * instance (or, without one, from its ImagePositionPatient). Segments may come in any order and
 * frames may refer to them in any order (ReferencedSegmentNumber). Used by `opal measure` and the
 * app's "Open mask…" (electron/common/masks) to load OPAL's own SEGs and other tools'.
 *
 * The SEG must lie on the CT (else E_GEOMETRY_MISMATCH, naming what differs): same frame of
 * reference (when both carry one), same slice size, every referenced image one of the CT's, and each
 * frame's plane (ImagePositionPatient, ImageOrientationPatient, PixelSpacing) within
 * GEOMETRY_TOLERANCE_MM of the CT slice it falls on, at every corner of the slice.
 */
import dcmjs from 'dcmjs';
import type { NaturalDataset } from 'dcmjs';
import { z } from 'zod';
import { OpalError } from '../errors/index.ts';
import type { Vec3, Volume } from '../volume/index.ts';
import type { CodedConcept, SegmentDefinition } from './segmentCodes.ts';
import { SEGMENTATION_SOP_CLASS_UID } from './dicomSeg.ts';

export interface SegTargetGeometry {
  volume: Pick<Volume, 'dims' | 'spacingMm' | 'originMm' | 'direction'>;
  /** SOPInstanceUIDs of the source slices in k order, when known (preferred way to place frames). */
  sopInstanceUids?: string[];
  /** Frame number of each slice within its instance, for a multi-frame source. */
  referencedFrameNumbers?: number[];
  /** When given, the SEG must share it (same patient coordinate system). */
  frameOfReferenceUid?: string;
  /** ImagePositionPatient of each slice's own image, in k order (default: the grid's position). */
  imagePositionsMm?: Vec3[];
}

/**
 * How far a mask's voxel centres may lie from the CT's (mm, at any corner of a slice or volume):
 * far below any CT voxel, far above the rounding of DICOM decimal strings and NIfTI's float32.
 */
export const GEOMETRY_TOLERANCE_MM = 0.1;

/**
 * A FRACTIONAL segment's voxel belongs to the segment when its value is at least this fraction of
 * MaximumFractionalValue (PS3.3 C.8.20.2.3: probability or occupancy).
 */
export const FRACTIONAL_THRESHOLD = 0.5;

export interface DecodedSegment {
  segmentNumber: number;
  label: string;
  algorithmType: string;
  algorithmName?: string;
  category: CodedConcept;
  type: CodedConcept;
  trackingId?: string;
  trackingUid?: string;
  /** 0/1 per voxel of the target grid (a FRACTIONAL segment: value >= FRACTIONAL_THRESHOLD x maximum). */
  mask: Uint8Array;
  /** Slices (k) that have a frame of this segment, ascending. */
  sliceIndices: number[];
}

export interface DecodedDicomSeg {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  referencedSeriesInstanceUids: string[];
  segmentationType: 'BINARY' | 'FRACTIONAL';
  /** Slices of the target grid (its dims[2]). */
  sliceCount: number;
  segments: DecodedSegment[];
}

/** dcmjs gives a one-item sequence or a single value either bare or in an array: normalise both. */
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const first = (v: unknown): unknown => asArray(v)[0];

const codeSchema = z.object({
  CodeValue: z.preprocess(first, z.coerce.string()),
  CodingSchemeDesignator: z.preprocess(first, z.string()),
  CodeMeaning: z.preprocess(first, z.string()),
});
const codeSequence = z.preprocess(first, codeSchema);
const optionalString = z.preprocess(first, z.string().optional());

const segmentSchema = z.object({
  SegmentNumber: z.preprocess(first, z.number().int().min(1)),
  SegmentLabel: z.preprocess(first, z.coerce.string()),
  SegmentAlgorithmType: z.preprocess(first, z.string()),
  SegmentAlgorithmName: optionalString,
  SegmentedPropertyCategoryCodeSequence: codeSequence,
  SegmentedPropertyTypeCodeSequence: codeSequence,
  TrackingID: optionalString,
  TrackingUID: optionalString,
});

const vec = (n: number) => z.preprocess(asArray, z.array(z.coerce.number()).length(n));

const segDatasetSchema = z.object({
  SOPClassUID: z.preprocess(first, z.string()),
  SOPInstanceUID: z.preprocess(first, z.string()),
  SeriesInstanceUID: z.preprocess(first, z.string()),
  FrameOfReferenceUID: z.preprocess(first, z.string()),
  SegmentationType: z.preprocess(first, z.string()),
  Rows: z.preprocess(first, z.number().int().min(1)),
  Columns: z.preprocess(first, z.number().int().min(1)),
  BitsAllocated: z.preprocess(first, z.number().int()),
  NumberOfFrames: z.preprocess(first, z.coerce.number().int().min(1)),
  MaximumFractionalValue: z.preprocess(first, z.number().int().min(1).max(255).optional()),
  SegmentSequence: z.preprocess(asArray, z.array(segmentSchema).min(1)),
  PerFrameFunctionalGroupsSequence: z.preprocess(asArray, z.array(z.record(z.string(), z.unknown()))),
  SharedFunctionalGroupsSequence: z.preprocess(asArray, z.array(z.record(z.string(), z.unknown())).max(1)),
  ReferencedSeriesSequence: z.preprocess(asArray, z.array(z.object({ SeriesInstanceUID: z.preprocess(first, z.string()) }).passthrough())).optional(),
  PixelData: z.preprocess(first, z.instanceof(ArrayBuffer)),
});

/** A functional group of one frame, looked up per frame first, then in the shared groups. */
function functionalGroup(frame: Record<string, unknown>, shared: Record<string, unknown> | undefined, name: string): NaturalDataset | undefined {
  const item = first(frame[name]) ?? (shared ? first(shared[name]) : undefined);
  return item && typeof item === 'object' ? (item as NaturalDataset) : undefined;
}

function readDataset(bytes: Uint8Array): NaturalDataset {
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const dict = dcmjs.data.DicomMessage.readFile(buffer);
    return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  } catch (e) {
    throw new OpalError('E_NOT_DICOM', `Not a readable DICOM file: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Sets mask[maskStart + p] = 1 for every set bit p of one frame (frames follow each other without
 * padding, first pixel in the least significant bit). Zero bytes, most of a mask, are skipped.
 */
function unpackFrame(pixels: Uint8Array, firstBit: number, count: number, mask: Uint8Array, maskStart: number): void {
  let p = 0;
  // Up to the first byte boundary bit by bit, then whole bytes, then the tail.
  for (; p < count && (firstBit + p) & 7; p++) {
    const bit = firstBit + p;
    if (pixels[bit >> 3] & (1 << (bit & 7))) mask[maskStart + p] = 1;
  }
  for (; p + 8 <= count; p += 8) {
    const byte = pixels[(firstBit + p) >> 3];
    if (byte === 0) continue;
    for (let t = 0; t < 8; t++) if (byte & (1 << t)) mask[maskStart + p + t] = 1;
  }
  for (; p < count; p++) {
    const bit = firstBit + p;
    if (pixels[bit >> 3] & (1 << (bit & 7))) mask[maskStart + p] = 1;
  }
}

/** Sets mask[maskStart + p] = 1 for every pixel p of one 8-bit FRACTIONAL frame at or above the threshold. */
function thresholdFrame(pixels: Uint8Array, start: number, count: number, threshold: number, mask: Uint8Array, maskStart: number): void {
  for (let p = 0; p < count; p++) if (pixels[start + p] >= threshold) mask[maskStart + p] = 1;
}

const mismatch = (message: string, detail?: string): OpalError => new OpalError('E_GEOMETRY_MISMATCH', message, detail);

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4).replace(/\.?0+$/, ''));
const fmtVec = (v: readonly number[]): string => v.map(fmt).join(', ');

/** PixelSpacing (0028,0030) is [between rows (y), between columns (x)] (PS3.3 10.7.1.3). */
function pixelSpacingXy(group: NaturalDataset | undefined): [number, number] | undefined {
  if (!group || group.PixelSpacing === undefined) return undefined;
  const ps = vec(2).parse(group.PixelSpacing);
  return [ps[1], ps[0]];
}

/**
 * Largest distance (mm) between the four corner pixel centres of a frame plane and those of CT
 * slice k: 0 when the frame is exactly that slice.
 */
function planeCornerDeviationMm(ipp: number[], iop: number[], spacingXy: [number, number], ctOrigin: number[], vol: SegTargetGeometry['volume']): number {
  const d = vol.direction;
  const [nx, ny] = vol.dims;
  let worst = 0;
  for (const [i, j] of [[0, 0], [nx - 1, 0], [0, ny - 1], [nx - 1, ny - 1]]) {
    for (let c = 0; c < 3; c++) {
      const frame = ipp[c] + iop[c] * spacingXy[0] * i + iop[3 + c] * spacingXy[1] * j;
      const ct = ctOrigin[c] + d[c] * vol.spacingMm[0] * i + d[3 + c] * vol.spacingMm[1] * j;
      worst = Math.max(worst, Math.abs(frame - ct));
    }
  }
  return worst;
}

/** Decodes a BINARY or FRACTIONAL DICOM SEG onto the target grid (see the top of this file). */
export function decodeDicomSeg(bytes: Uint8Array, target: SegTargetGeometry): DecodedDicomSeg {
  const raw = readDataset(bytes);
  if (first(raw.SOPClassUID) !== SEGMENTATION_SOP_CLASS_UID) {
    throw new OpalError('E_BAD_ARGUMENT', `Not a DICOM Segmentation (SOP Class ${String(first(raw.SOPClassUID))})`);
  }
  const parsed = segDatasetSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OpalError('E_BAD_ARGUMENT', `DICOM Segmentation is missing or has an invalid ${issue?.path.join('.') ?? 'attribute'}`);
  }
  const ds = parsed.data;
  const fractional = ds.SegmentationType === 'FRACTIONAL';
  if (!(ds.SegmentationType === 'BINARY' && ds.BitsAllocated === 1) && !(fractional && ds.BitsAllocated === 8)) {
    throw new OpalError('E_BAD_ARGUMENT', `Only BINARY (1 bit) and FRACTIONAL (8 bits) segmentations are read (this one is ${ds.SegmentationType} with ${ds.BitsAllocated} bits)`);
  }
  // PS3.3 C.8.20.2.3: MaximumFractionalValue is Type 1 for FRACTIONAL; 255 when a writer left it out.
  const threshold = fractional ? Math.max(1, Math.ceil(FRACTIONAL_THRESHOLD * (ds.MaximumFractionalValue ?? 255))) : 0;
  const vol = target.volume;
  const [nx, ny, nz] = vol.dims;
  if (ds.Columns !== nx || ds.Rows !== ny) {
    throw mismatch(`The mask's slices are ${ds.Columns}x${ds.Rows} pixels; this CT's are ${nx}x${ny}: the mask was made on another series.`);
  }
  if (target.frameOfReferenceUid && ds.FrameOfReferenceUID !== target.frameOfReferenceUid) {
    throw mismatch(
      `The mask belongs to another frame of reference (patient coordinate system) than this CT: it was made on another scan.`,
      `mask FrameOfReferenceUID ${ds.FrameOfReferenceUID}, CT ${target.frameOfReferenceUid}`,
    );
  }
  if (ds.PerFrameFunctionalGroupsSequence.length !== ds.NumberOfFrames) {
    throw new OpalError('E_BAD_ARGUMENT', `NumberOfFrames is ${ds.NumberOfFrames} but ${ds.PerFrameFunctionalGroupsSequence.length} per-frame groups are present`);
  }
  const sliceVoxels = nx * ny;
  const pixels = new Uint8Array(ds.PixelData);
  const bitsNeeded = ds.NumberOfFrames * sliceVoxels * (fractional ? 8 : 1);
  if (pixels.length * 8 < bitsNeeded) throw new OpalError('E_TRUNCATED', 'The segmentation pixel data is shorter than its frames');

  const shared = ds.SharedFunctionalGroupsSequence[0];
  const sliceOfUid = new Map<string, number>();
  target.sopInstanceUids?.forEach((u, k) => {
    if (u === '') return;
    if (!sliceOfUid.has(u)) sliceOfUid.set(u, k);
    const fn = target.referencedFrameNumbers?.[k];
    if (fn !== undefined) sliceOfUid.set(`${u}#${fn}`, k);
  });
  const knowsImages = sliceOfUid.size > 0;
  const d = vol.direction;
  const normal = [d[6], d[7], d[8]];
  const ctSliceOrigin = (k: number): number[] => {
    const own = target.imagePositionsMm?.[k];
    if (own) return own;
    return [0, 1, 2].map((c) => vol.originMm[c] + d[6 + c] * vol.spacingMm[2] * k);
  };

  const segments: DecodedSegment[] = ds.SegmentSequence.map((s) => ({
    segmentNumber: s.SegmentNumber,
    label: s.SegmentLabel,
    algorithmType: s.SegmentAlgorithmType,
    algorithmName: s.SegmentAlgorithmName,
    category: { value: s.SegmentedPropertyCategoryCodeSequence.CodeValue, scheme: s.SegmentedPropertyCategoryCodeSequence.CodingSchemeDesignator as CodedConcept['scheme'], meaning: s.SegmentedPropertyCategoryCodeSequence.CodeMeaning },
    type: { value: s.SegmentedPropertyTypeCodeSequence.CodeValue, scheme: s.SegmentedPropertyTypeCodeSequence.CodingSchemeDesignator as CodedConcept['scheme'], meaning: s.SegmentedPropertyTypeCodeSequence.CodeMeaning },
    trackingId: s.TrackingID,
    trackingUid: s.TrackingUID,
    mask: new Uint8Array(nx * ny * nz),
    sliceIndices: [],
  }));
  const segmentByNumber = new Map(segments.map((s) => [s.segmentNumber, s]));
  const sliceSets = new Map(segments.map((s) => [s.segmentNumber, new Set<number>()]));
  const unknownImages = new Set<string>();

  ds.PerFrameFunctionalGroupsSequence.forEach((frame, f) => {
    const ident = functionalGroup(frame, shared, 'SegmentIdentificationSequence');
    const segmentNumber = Number(first(ident?.ReferencedSegmentNumber));
    const segment = segmentByNumber.get(segmentNumber);
    if (!segment) throw new OpalError('E_BAD_ARGUMENT', `Frame ${f + 1} refers to segment ${segmentNumber}, which is not defined`);
    let k: number | undefined;
    const derivation = functionalGroup(frame, shared, 'DerivationImageSequence');
    const sourceImage = derivation ? first(derivation.SourceImageSequence) : undefined;
    const refUid = sourceImage && typeof sourceImage === 'object' ? first((sourceImage as NaturalDataset).ReferencedSOPInstanceUID) : undefined;
    const refFrame = sourceImage && typeof sourceImage === 'object' ? first((sourceImage as NaturalDataset).ReferencedFrameNumber) : undefined;
    if (typeof refUid === 'string' && knowsImages) {
      k = (refFrame !== undefined ? sliceOfUid.get(`${refUid}#${Number(refFrame)}`) : undefined) ?? sliceOfUid.get(refUid);
      if (k === undefined) {
        unknownImages.add(refUid);
        return;
      }
    }
    const plane = functionalGroup(frame, shared, 'PlanePositionSequence');
    const orientation = functionalGroup(frame, shared, 'PlaneOrientationSequence');
    const measures = functionalGroup(frame, shared, 'PixelMeasuresSequence');
    const iop = orientation?.ImageOrientationPatient !== undefined ? vec(6).parse(orientation.ImageOrientationPatient) : undefined;
    if (iop) {
      // Direction cosines: a difference of 1e-3 moves the far edge of a 512-pixel slice ~0.3 mm.
      for (let c = 0; c < 6; c++) {
        if (Math.abs(iop[c] - d[c]) > 1e-3) {
          throw mismatch(`The mask's slices are oriented differently from this CT's (ImageOrientationPatient ${fmtVec(iop)} vs ${fmtVec(d.slice(0, 6))}).`);
        }
      }
    }
    const spacingXy = pixelSpacingXy(measures);
    if (spacingXy) {
      for (const a of [0, 1] as const) {
        if (Math.abs(spacingXy[a] - vol.spacingMm[a]) * (vol.dims[a] - 1) > GEOMETRY_TOLERANCE_MM) {
          throw mismatch(`The mask's pixel spacing (${fmt(spacingXy[0])} x ${fmt(spacingXy[1])} mm) is not this CT's (${fmt(vol.spacingMm[0])} x ${fmt(vol.spacingMm[1])} mm).`);
        }
      }
    }
    const ipp = plane?.ImagePositionPatient !== undefined ? vec(3).parse(plane.ImagePositionPatient) : undefined;
    if (k === undefined) {
      if (!ipp) throw new OpalError('E_BAD_ARGUMENT', `Frame ${f + 1} has neither a known source image nor a plane position`);
      const o = vol.originMm;
      const rel = [ipp[0] - o[0], ipp[1] - o[1], ipp[2] - o[2]];
      k = Math.round((rel[0] * normal[0] + rel[1] * normal[1] + rel[2] * normal[2]) / vol.spacingMm[2]);
      if (k < 0 || k >= nz) {
        throw mismatch(`Frame ${f + 1} of the mask lies outside this CT (at slice ${k + 1} of ${nz}, position ${fmtVec(ipp)} mm).`);
      }
    }
    if (ipp) {
      const dev = planeCornerDeviationMm(ipp, iop ?? d.slice(0, 6), spacingXy ?? [vol.spacingMm[0], vol.spacingMm[1]], ctSliceOrigin(k), vol);
      if (dev > GEOMETRY_TOLERANCE_MM) {
        throw mismatch(
          `Frame ${f + 1} of the mask lies ${fmt(dev)} mm from slice ${k + 1} of this CT (more than ${GEOMETRY_TOLERANCE_MM} mm): the mask was made on another grid.`,
          `frame ImagePositionPatient ${fmtVec(ipp)}, CT slice ${fmtVec(ctSliceOrigin(k))}`,
        );
      }
    }
    if (fractional) thresholdFrame(pixels, f * sliceVoxels, sliceVoxels, threshold, segment.mask, k * sliceVoxels);
    else unpackFrame(pixels, f * sliceVoxels, sliceVoxels, segment.mask, k * sliceVoxels);
    sliceSets.get(segmentNumber)?.add(k);
  });
  if (unknownImages.size > 0) {
    const example = [...unknownImages][0];
    throw mismatch(
      `The mask refers to ${unknownImages.size} image${unknownImages.size === 1 ? '' : 's'} that ${unknownImages.size === 1 ? 'is' : 'are'} not in this CT series: it was made on another series.`,
      `e.g. ReferencedSOPInstanceUID ${example}; mask references series ${(ds.ReferencedSeriesSequence ?? []).map((r) => r.SeriesInstanceUID).join(', ') || '(none named)'}`,
    );
  }
  for (const s of segments) s.sliceIndices = [...(sliceSets.get(s.segmentNumber) ?? [])].sort((a, b) => a - b);

  const referencedSeriesInstanceUids = (ds.ReferencedSeriesSequence ?? []).map((r) => r.SeriesInstanceUID);
  return {
    sopInstanceUid: ds.SOPInstanceUID,
    seriesInstanceUid: ds.SeriesInstanceUID,
    frameOfReferenceUid: ds.FrameOfReferenceUID,
    referencedSeriesInstanceUids,
    segmentationType: fractional ? 'FRACTIONAL' : 'BINARY',
    sliceCount: nz,
    segments,
  };
}

/**
 * Rebuilds one labelmap from decoded segments: each definition's type code picks its segment,
 * whose voxels get the definition's label value (later definitions win where masks overlap).
 */
export function labelmapFromSegments(decoded: DecodedDicomSeg, definitions: SegmentDefinition[]): Uint8Array {
  const n = decoded.segments[0]?.mask.length ?? 0;
  const out = new Uint8Array(n);
  for (const def of definitions) {
    const seg = decoded.segments.find((s) => s.type.value === def.type.value && s.type.scheme === def.type.scheme);
    if (!seg) continue;
    const sliceVoxels = seg.sliceIndices.length > 0 ? n / Math.max(1, decoded.sliceCount) : 0;
    for (const k of seg.sliceIndices) {
      const end = (k + 1) * sliceVoxels;
      for (let p = k * sliceVoxels; p < end; p++) if (seg.mask[p]) out[p] = def.labelValue;
    }
  }
  return out;
}
