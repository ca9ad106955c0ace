// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- dcmjs ships no types; this reference carries its declaration into every tsconfig that compiles this file.
/// <reference path="./dcmjs.d.ts" />
/**
 * Reads a BINARY DICOM SEG back onto the voxel grid of its source CT: one 0/1 mask per segment,
 * placed slice by slice from each frame's referenced SOP instance (or, without one, from its
 * ImagePositionPatient). Used to load an exported segmentation back into OPAL.
 */
import dcmjs from 'dcmjs';
import type { NaturalDataset } from 'dcmjs';
import { z } from 'zod';
import { OpalError } from '../errors/index.ts';
import type { Volume } from '../volume/index.ts';
import type { CodedConcept, SegmentDefinition } from './segmentCodes.ts';
import { SEGMENTATION_SOP_CLASS_UID } from './dicomSeg.ts';

export interface SegTargetGeometry {
  volume: Pick<Volume, 'dims' | 'spacingMm' | 'originMm' | 'direction'>;
  /** SOPInstanceUIDs of the source slices in k order, when known (preferred way to place frames). */
  sopInstanceUids?: string[];
  /** When given, the SEG must share it (same patient coordinate system). */
  frameOfReferenceUid?: string;
}

export interface DecodedSegment {
  segmentNumber: number;
  label: string;
  algorithmType: string;
  algorithmName?: string;
  category: CodedConcept;
  type: CodedConcept;
  trackingId?: string;
  trackingUid?: string;
  /** 0/1 per voxel of the target grid. */
  mask: Uint8Array;
}

export interface DecodedDicomSeg {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  referencedSeriesInstanceUids: string[];
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

/** Decodes a BINARY DICOM SEG onto the target grid. */
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
  if (ds.SegmentationType !== 'BINARY' || ds.BitsAllocated !== 1) {
    throw new OpalError('E_BAD_ARGUMENT', `Only BINARY segmentations are read (this one is ${ds.SegmentationType})`);
  }
  const vol = target.volume;
  const [nx, ny, nz] = vol.dims;
  if (ds.Columns !== nx || ds.Rows !== ny) {
    throw new OpalError('E_INCONSISTENT_GEOMETRY', `The segmentation is ${ds.Columns}x${ds.Rows} per slice; the CT is ${nx}x${ny}`);
  }
  if (target.frameOfReferenceUid && ds.FrameOfReferenceUID !== target.frameOfReferenceUid) {
    throw new OpalError('E_INCONSISTENT_GEOMETRY', 'The segmentation belongs to a different frame of reference than this CT');
  }
  if (ds.PerFrameFunctionalGroupsSequence.length !== ds.NumberOfFrames) {
    throw new OpalError('E_BAD_ARGUMENT', `NumberOfFrames is ${ds.NumberOfFrames} but ${ds.PerFrameFunctionalGroupsSequence.length} per-frame groups are present`);
  }
  const sliceVoxels = nx * ny;
  const pixels = new Uint8Array(ds.PixelData);
  if (pixels.length * 8 < ds.NumberOfFrames * sliceVoxels) throw new OpalError('E_TRUNCATED', 'The segmentation pixel data is shorter than its frames');

  const shared = ds.SharedFunctionalGroupsSequence[0];
  const sliceOfUid = new Map<string, number>();
  target.sopInstanceUids?.forEach((u, k) => sliceOfUid.set(u, k));
  // Slice normal and its spacing, to place frames by position when no UID matches.
  const d = vol.direction;
  const normal = [d[6], d[7], d[8]];
  const planeOrientation = functionalGroup({}, shared, 'PlaneOrientationSequence');
  if (planeOrientation) {
    const iop = vec(6).parse(planeOrientation.ImageOrientationPatient);
    for (let c = 0; c < 6; c++) {
      if (Math.abs(iop[c] - d[c]) > 1e-3) throw new OpalError('E_INCONSISTENT_GEOMETRY', 'The segmentation slices are oriented differently from the CT');
    }
  }

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
  }));
  const segmentByNumber = new Map(segments.map((s) => [s.segmentNumber, s]));

  ds.PerFrameFunctionalGroupsSequence.forEach((frame, f) => {
    const ident = functionalGroup(frame, shared, 'SegmentIdentificationSequence');
    const segmentNumber = Number(first(ident?.ReferencedSegmentNumber));
    const segment = segmentByNumber.get(segmentNumber);
    if (!segment) throw new OpalError('E_BAD_ARGUMENT', `Frame ${f + 1} refers to segment ${segmentNumber}, which is not defined`);
    let k: number | undefined;
    const derivation = functionalGroup(frame, shared, 'DerivationImageSequence');
    const sourceImage = derivation ? first(derivation.SourceImageSequence) : undefined;
    const refUid = sourceImage && typeof sourceImage === 'object' ? first((sourceImage as NaturalDataset).ReferencedSOPInstanceUID) : undefined;
    if (typeof refUid === 'string') k = sliceOfUid.get(refUid);
    if (k === undefined) {
      const plane = functionalGroup(frame, shared, 'PlanePositionSequence');
      if (!plane) throw new OpalError('E_BAD_ARGUMENT', `Frame ${f + 1} has neither a known source image nor a plane position`);
      const ipp = vec(3).parse(plane.ImagePositionPatient);
      const rel = [ipp[0] - vol.originMm[0], ipp[1] - vol.originMm[1], ipp[2] - vol.originMm[2]];
      // In-plane offset must be zero (frames cover whole slices), along the normal a whole slice.
      const along = (rel[0] * normal[0] + rel[1] * normal[1] + rel[2] * normal[2]) / vol.spacingMm[2];
      const inPlane = [0, 1].map((axis) => rel[0] * d[axis * 3] + rel[1] * d[axis * 3 + 1] + rel[2] * d[axis * 3 + 2]);
      const kk = Math.round(along);
      if (Math.abs(along - kk) > 0.01 || Math.abs(inPlane[0]) > 0.01 || Math.abs(inPlane[1]) > 0.01) {
        throw new OpalError('E_INCONSISTENT_GEOMETRY', `Frame ${f + 1} does not lie on a slice of this CT`);
      }
      k = kk;
    }
    if (k < 0 || k >= nz) throw new OpalError('E_INCONSISTENT_GEOMETRY', `Frame ${f + 1} lies outside this CT (slice ${k})`);
    // Unpack this frame's bits (frames follow each other without padding).
    const mask = segment.mask;
    const base = k * sliceVoxels;
    let bit = f * sliceVoxels;
    for (let p = 0; p < sliceVoxels; p++, bit++) {
      if (pixels[bit >> 3] & (1 << (bit & 7))) mask[base + p] = 1;
    }
  });

  const referencedSeriesInstanceUids = (ds.ReferencedSeriesSequence ?? []).map((r) => r.SeriesInstanceUID);
  return {
    sopInstanceUid: ds.SOPInstanceUID,
    seriesInstanceUid: ds.SeriesInstanceUID,
    frameOfReferenceUid: ds.FrameOfReferenceUID,
    referencedSeriesInstanceUids,
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
    for (let p = 0; p < n; p++) if (seg.mask[p]) out[p] = def.labelValue;
  }
  return out;
}
