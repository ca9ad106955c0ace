import type { DataSet } from 'dicom-parser';
import { OpalError } from '../errors/index.ts';
import type { Vec3 } from '../volume/index.ts';
import { Tag } from './tags.ts';
import type { PixelDescription } from './pixels/frames.ts';

/**
 * What series assembly needs to know about one image frame (a single-frame file has one; an
 * enhanced multi-frame file has one per frame, from its functional groups, PS3.3 C.7.6.16).
 */
/** One frame's identity, geometry and rescale, plus its pixel description (rows, columns, bits, ...). */
export interface FrameHeader extends PixelDescription {
  /** Where the frame came from (a file path for the main process; opaque here). */
  source: string;
  /** 0-based frame number inside its object. */
  frameIndex: number;
  frameCount: number;
  transferSyntaxUid: string;
  sopClassUid?: string;
  sopInstanceUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  frameOfReferenceUid?: string;
  modality?: string;
  seriesDescription?: string;
  studyDescription?: string;
  studyDate?: string;
  patientName?: string;
  patientId?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  convolutionKernel?: string;
  /** PixelSpacing (0028,0030): [row spacing (between rows, along columns), column spacing] in mm. */
  pixelSpacingMm?: [number, number];
  /** ImageOrientationPatient (0020,0037): row direction cosines then column direction cosines. */
  imageOrientation?: [number, number, number, number, number, number];
  /** ImagePositionPatient (0020,0032): LPS mm of the centre of the first transmitted pixel. */
  imagePositionMm?: Vec3;
  sliceThicknessMm?: number;
  spacingBetweenSlicesMm?: number;
  gantryTiltDeg?: number;
  rescaleSlope: number;
  rescaleIntercept: number;
}

function str(ds: DataSet | undefined, tag: string): string | undefined {
  if (!ds || !ds.elements[tag]) return undefined;
  const v = ds.string(tag);
  if (v === undefined) return undefined;
  const t = v.replace(/\0/g, '').trim();
  return t === '' ? undefined : t;
}

function num(ds: DataSet | undefined, tag: string, index = 0): number | undefined {
  const s = ds && ds.elements[tag] ? ds.string(tag, index) : undefined;
  if (s === undefined) return undefined;
  const v = Number(s.trim());
  return Number.isFinite(v) && s.trim() !== '' ? v : undefined;
}

function nums(ds: DataSet | undefined, tag: string, count: number): number[] | undefined {
  if (!ds || !ds.elements[tag]) return undefined;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = num(ds, tag, i);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** US values; Implicit VR data sets give no VR, so a length-2 element is read as US. */
function us(ds: DataSet | undefined, tag: string): number | undefined {
  if (!ds) return undefined;
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  return ds.uint16(tag);
}

/** First item of a sequence, or undefined. */
function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  const items = ds?.elements[tag]?.items;
  return items && items.length > 0 ? items[0].dataSet : undefined;
}

/** The value of a functional-group macro: per-frame item first, then shared (PS3.3 C.7.6.16). */
function fromGroups<T>(perFrame: DataSet | undefined, shared: DataSet | undefined, seqTag: string, read: (d: DataSet) => T | undefined): T | undefined {
  const a = firstItem(perFrame, seqTag);
  const va = a ? read(a) : undefined;
  if (va !== undefined) return va;
  const b = firstItem(shared, seqTag);
  return b ? read(b) : undefined;
}

export function hasPixelData(ds: DataSet): boolean {
  return Boolean(ds.elements[Tag.PixelData] ?? ds.elements[Tag.FloatPixelData] ?? ds.elements[Tag.DoubleFloatPixelData]);
}

/**
 * Reads the per-frame headers of one DICOM image object. Throws E_NO_PIXEL_DATA for objects that
 * carry no image (SR, RT plans, presentation states, DICOMDIR) and E_BAD_ARGUMENT-free: missing
 * geometry is left undefined for assembly to judge.
 */
export function readFrameHeaders(ds: DataSet, transferSyntaxUid: string, source: string): FrameHeader[] {
  const modality = str(ds, Tag.Modality);
  if (!hasPixelData(ds)) {
    throw new OpalError('E_NO_PIXEL_DATA', `No image pixels in this DICOM object${modality ? ` (modality ${modality})` : ''}; it is not an image and was skipped.`, source);
  }
  const rows = us(ds, Tag.Rows);
  const columns = us(ds, Tag.Columns);
  if (!rows || !columns) {
    throw new OpalError('E_NO_PIXEL_DATA', 'The object has Pixel Data but no Rows/Columns, so it cannot be shown as an image.', source);
  }
  const framesRaw = str(ds, Tag.NumberOfFrames);
  let frameCount = 1;
  if (framesRaw !== undefined) {
    if (!/^\s*[+]?\d+\s*$/.test(framesRaw)) {
      throw new OpalError('E_NOT_DICOM', `Number of Frames (0028,0008) has the invalid value "${framesRaw}".`, source);
    }
    frameCount = Math.max(1, parseInt(framesRaw, 10));
  }
  const shared = firstItem(ds, Tag.SharedFunctionalGroupsSequence);
  const perFrameItems = ds.elements[Tag.PerFrameFunctionalGroupsSequence]?.items ?? [];
  const bitsAllocated = us(ds, Tag.BitsAllocated) ?? 16;
  const pixelRepresentation = (us(ds, Tag.PixelRepresentation) ?? 0) === 1 ? 1 : 0;
  const common = {
    source,
    frameCount,
    transferSyntaxUid,
    sopClassUid: str(ds, Tag.SOPClassUID),
    sopInstanceUid: str(ds, Tag.SOPInstanceUID),
    studyInstanceUid: str(ds, Tag.StudyInstanceUID),
    seriesInstanceUid: str(ds, Tag.SeriesInstanceUID),
    frameOfReferenceUid: str(ds, Tag.FrameOfReferenceUID),
    modality,
    seriesDescription: str(ds, Tag.SeriesDescription),
    studyDescription: str(ds, Tag.StudyDescription),
    studyDate: str(ds, Tag.StudyDate),
    patientName: str(ds, Tag.PatientName),
    patientId: str(ds, Tag.PatientID),
    seriesNumber: num(ds, Tag.SeriesNumber),
    instanceNumber: num(ds, Tag.InstanceNumber),
    convolutionKernel: str(ds, Tag.ConvolutionKernel),
    gantryTiltDeg: num(ds, Tag.GantryDetectorTilt),
    spacingBetweenSlicesMm: num(ds, 'x00180088'),
    rows,
    columns,
    bitsAllocated,
    bitsStored: us(ds, Tag.BitsStored) ?? bitsAllocated,
    highBit: us(ds, Tag.HighBit) ?? bitsAllocated - 1,
    pixelRepresentation: pixelRepresentation as 0 | 1,
    samplesPerPixel: us(ds, Tag.SamplesPerPixel) ?? 1,
    photometricInterpretation: str(ds, Tag.PhotometricInterpretation) ?? 'MONOCHROME2',
    planarConfiguration: us(ds, Tag.PlanarConfiguration),
  };
  const frames: FrameHeader[] = [];
  for (let f = 0; f < frameCount; f++) {
    const pf = perFrameItems[f]?.dataSet;
    const ps = fromGroups(pf, shared, Tag.PixelMeasuresSequence, (d) => nums(d, Tag.PixelSpacing, 2)) ?? nums(ds, Tag.PixelSpacing, 2);
    const iop = fromGroups(pf, shared, Tag.PlaneOrientationSequence, (d) => nums(d, Tag.ImageOrientationPatient, 6)) ?? nums(ds, Tag.ImageOrientationPatient, 6);
    const ipp = fromGroups(pf, shared, Tag.PlanePositionSequence, (d) => nums(d, Tag.ImagePositionPatient, 3)) ?? (frameCount === 1 || perFrameItems.length === 0 ? nums(ds, Tag.ImagePositionPatient, 3) : undefined);
    const thickness = fromGroups(pf, shared, Tag.PixelMeasuresSequence, (d) => num(d, Tag.SliceThickness)) ?? num(ds, Tag.SliceThickness);
    const slope = fromGroups(pf, shared, Tag.PixelValueTransformationSequence, (d) => num(d, Tag.RescaleSlope)) ?? num(ds, Tag.RescaleSlope) ?? 1;
    const intercept = fromGroups(pf, shared, Tag.PixelValueTransformationSequence, (d) => num(d, Tag.RescaleIntercept)) ?? num(ds, Tag.RescaleIntercept) ?? 0;
    frames.push({
      ...common,
      frameIndex: f,
      pixelSpacingMm: ps ? [ps[0], ps[1]] : undefined,
      imageOrientation: iop ? (iop as FrameHeader['imageOrientation']) : undefined,
      // A legacy multi-frame object without per-frame positions has one position for frame 0 only.
      imagePositionMm: ipp && (f === 0 || perFrameItems.length > 0 || frameCount === 1) ? [ipp[0], ipp[1], ipp[2]] : undefined,
      sliceThicknessMm: thickness,
      rescaleSlope: slope === 0 ? 1 : slope,
      rescaleIntercept: intercept,
    });
  }
  return frames;
}
