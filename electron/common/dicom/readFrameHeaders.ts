import type { DataSet } from 'dicom-parser';
import { OpalError } from '../errors/index.ts';
import type { Vec3 } from '../volume/index.ts';
import { Tag } from './tags.ts';
import type { PixelDescription } from './pixels/frames.ts';
import { MAX_FRAMES_PER_OBJECT, MAX_FRAME_SAMPLES, MAX_VOLUME_VOXELS } from './limits.ts';

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

/** The backslash-separated values of a string element (PS3.5 6.4), or undefined when absent or empty. */
function values(ds: DataSet | undefined, tag: string): string[] | undefined {
  const s = str(ds, tag);
  return s === undefined ? undefined : s.split('\\').map((v) => v.trim());
}

/** The first value of a DS/IS element as a finite number, or undefined. */
function num(ds: DataSet | undefined, tag: string): number | undefined {
  const first = values(ds, tag)?.[0];
  if (first === undefined || first === '') return undefined;
  const v = Number(first);
  return Number.isFinite(v) ? v : undefined;
}

const fmtTag = (tag: string): string => `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`;

/**
 * A geometry attribute of exactly `count` finite numbers, or undefined when absent. Present with
 * another multiplicity or a non-number is E_BAD_GEOMETRY: guessing would place the image wrongly.
 */
function geometry(ds: DataSet | undefined, tag: string, count: number, name: string, source: string): number[] | undefined {
  const vs = values(ds, tag);
  if (vs === undefined) return undefined;
  const out = vs.map((v) => (v === '' ? NaN : Number(v)));
  if (out.length !== count || out.some((v) => !Number.isFinite(v))) {
    throw new OpalError('E_BAD_GEOMETRY', `${name} ${fmtTag(tag)} is "${vs.join('\\').slice(0, 80)}": it must be ${count} numbers, not ${out.length} value(s)${out.some((v) => !Number.isFinite(v)) ? ' with non-numbers' : ''}.`, source);
  }
  return out;
}

/** Direction cosines of ImageOrientationPatient must be two unit vectors at a right angle (PS3.3 C.7.6.2.1.1). */
const ORIENTATION_TOLERANCE = 0.05;

function checkOrientation(iop: number[], source: string): void {
  const len = (a: number, b: number, c: number): number => Math.hypot(a, b, c);
  const rowLen = len(iop[0], iop[1], iop[2]);
  const colLen = len(iop[3], iop[4], iop[5]);
  const cos = (iop[0] * iop[3] + iop[1] * iop[4] + iop[2] * iop[5]) / (rowLen * colLen || 1);
  if (Math.abs(rowLen - 1) > ORIENTATION_TOLERANCE || Math.abs(colLen - 1) > ORIENTATION_TOLERANCE || Math.abs(cos) > ORIENTATION_TOLERANCE) {
    throw new OpalError('E_BAD_GEOMETRY', `ImageOrientationPatient (0020,0037) is ${iop.join('\\')}: its row and column directions must be unit vectors at a right angle.`, source);
  }
}

function checkSpacing(ps: number[], source: string): void {
  if (!(ps[0] > 0 && ps[1] > 0)) {
    throw new OpalError('E_BAD_GEOMETRY', `PixelSpacing (0028,0030) is ${ps.join('\\')}: both values must be greater than 0 mm, or distances and volumes would be zero or mirrored.`, source);
  }
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

export interface ReadFrameHeadersOptions {
  /**
   * Bytes in the stream the data set's offsets count in: the file's size, or the inflated data set
   * of a deflated file. Default: the parsed bytes (right when the whole file was parsed; a header-only
   * read must pass the file's size).
   */
  byteLength?: number;
}

const SUPPORTED_BITS_ALLOCATED = [1, 8, 16, 32, 64];

/** Item tag + length of one encapsulated fragment (PS3.5 A.4): the least bytes a frame can take. */
const ITEM_HEADER_BYTES = 8;

function pixelModuleError(message: string, source: string): OpalError {
  return new OpalError('E_BAD_PIXEL_MODULE', message, source);
}

/**
 * Checks the sizes a header claims against the limits (./limits.ts) and against the bytes the
 * Pixel Data really holds, before anything is allocated or looped over per frame: the frames of a
 * native syntax are Rows x Columns x SamplesPerPixel x BitsAllocated / 8 bytes each (PS3.5 8.1.1);
 * each encapsulated frame is at least one fragment (PS3.5 A.4).
 */
function checkClaimedSize(ds: DataSet, d: { rows: number; columns: number; samplesPerPixel: number; bitsAllocated: number; frameCount: number }, byteLength: number, source: string): void {
  const { rows, columns, samplesPerPixel: spp, frameCount } = d;
  const frameSamples = rows * columns * spp;
  const size = `${columns}x${rows}${spp > 1 ? `x${spp} samples` : ''}`;
  if (frameSamples > MAX_FRAME_SAMPLES) {
    throw new OpalError('E_TOO_LARGE', `A ${size} frame has ${frameSamples} samples; OPAL accepts at most ${MAX_FRAME_SAMPLES} per frame.`, source);
  }
  checkAgainstPixelData(ds, d, byteLength, source);
  if (frameCount > MAX_FRAMES_PER_OBJECT) {
    throw new OpalError('E_TOO_LARGE', `Number of Frames (0028,0008) is ${frameCount}; OPAL accepts at most ${MAX_FRAMES_PER_OBJECT} frames in one object.`, source);
  }
  if (rows * columns * frameCount > MAX_VOLUME_VOXELS) {
    throw new OpalError('E_TOO_LARGE', `${frameCount} frames of ${size} make ${rows * columns * frameCount} voxels; OPAL accepts at most ${MAX_VOLUME_VOXELS} in one volume.`, source);
  }
}

function checkAgainstPixelData(ds: DataSet, d: { rows: number; columns: number; samplesPerPixel: number; bitsAllocated: number; frameCount: number }, byteLength: number, source: string): void {
  const { rows, columns, samplesPerPixel: spp, bitsAllocated: bits, frameCount } = d;
  const frameSamples = rows * columns * spp;
  const size = `${columns}x${rows}${spp > 1 ? `x${spp} samples` : ''}`;
  const px = ds.elements[Tag.PixelData];
  if (!px) return;
  const inFile = Math.max(0, byteLength - px.dataOffset);
  // A whole parse gives encapsulated Pixel Data its found length; a header-only one leaves 0xFFFFFFFF.
  const encapsulated = px.length === 0xffffffff || px.hadUndefinedLength === true || px.encapsulatedPixelData === true;
  if (!encapsulated) {
    const frameBytes = (frameSamples * bits) / 8;
    const expected = Math.ceil(frameCount * frameBytes);
    const present = Math.min(px.length, inFile);
    if (present >= expected) return;
    if (px.length >= expected || frameCount === 1) {
      throw new OpalError('E_TRUNCATED', `Pixel data is incomplete: ${present} bytes present, ${expected} needed for ${frameCount} frame(s) of ${columns}x${rows}.`, source);
    }
    throw pixelModuleError(`Number of Frames (0028,0008) is ${frameCount}, but Pixel Data holds ${px.length} bytes: room for ${Math.floor(px.length / frameBytes)} frame(s) of ${frameBytes} bytes (${size}, ${bits} bits allocated).`, source);
  }
  // Encapsulated: count the fragments when the data set was parsed whole, else bound by the bytes left.
  const fragments = px.fragments?.filter((f) => f.length > 0).length;
  if (fragments !== undefined) {
    if (frameCount > fragments) throw pixelModuleError(`Number of Frames (0028,0008) is ${frameCount}, but the encapsulated Pixel Data holds ${fragments} fragment(s); every frame needs at least one.`, source);
    return;
  }
  // The Basic Offset Table item, then one item per frame at least.
  const room = Math.floor(inFile / ITEM_HEADER_BYTES) - 1;
  if (frameCount > room) {
    throw pixelModuleError(`Number of Frames (0028,0008) is ${frameCount}, but the file holds ${inFile} bytes of encapsulated Pixel Data: room for ${Math.max(0, room)} fragment(s) at most, and every frame needs at least one.`, source);
  }
}

/**
 * Reads the per-frame headers of one DICOM image object. Throws E_NO_PIXEL_DATA for objects that
 * carry no image (SR, RT plans, presentation states, DICOMDIR); E_BAD_PIXEL_MODULE, E_TRUNCATED or
 * E_TOO_LARGE when the image size, the frame count and the Pixel Data disagree or exceed the limits
 * (checked before any per-frame work); E_BAD_GEOMETRY for a present but impossible
 * ImageOrientationPatient, ImagePositionPatient or PixelSpacing. Missing geometry is left undefined
 * for assembly to judge.
 */
export function readFrameHeaders(ds: DataSet, transferSyntaxUid: string, source: string, options: ReadFrameHeadersOptions = {}): FrameHeader[] {
  const modality = str(ds, Tag.Modality);
  if (!hasPixelData(ds)) {
    throw new OpalError('E_NO_PIXEL_DATA', `No image pixels in this DICOM object${modality ? ` (modality ${modality})` : ''}; it is not an image and was skipped.`, source);
  }
  const rows = us(ds, Tag.Rows);
  const columns = us(ds, Tag.Columns);
  if (rows === undefined || columns === undefined) {
    throw new OpalError('E_NO_PIXEL_DATA', 'The object has Pixel Data but no Rows/Columns, so it cannot be shown as an image.', source);
  }
  if (rows === 0 || columns === 0) throw pixelModuleError(`Rows (0028,0010) ${rows} and Columns (0028,0011) ${columns} must both be at least 1.`, source);
  const framesRaw = str(ds, Tag.NumberOfFrames);
  let frameCount = 1;
  if (framesRaw !== undefined) {
    if (!/^\s*[+]?\d+\s*$/.test(framesRaw)) {
      throw new OpalError('E_NOT_DICOM', `Number of Frames (0028,0008) has the invalid value "${framesRaw}".`, source);
    }
    frameCount = Math.max(1, Number(framesRaw));
  }
  const bitsAllocated = us(ds, Tag.BitsAllocated) ?? 16;
  if (!SUPPORTED_BITS_ALLOCATED.includes(bitsAllocated)) throw pixelModuleError(`Bits Allocated (0028,0100) is ${bitsAllocated}; it must be one of ${SUPPORTED_BITS_ALLOCATED.join(', ')}.`, source);
  const samplesPerPixel = us(ds, Tag.SamplesPerPixel) ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3 && samplesPerPixel !== 4) throw pixelModuleError(`Samples per Pixel (0028,0002) is ${samplesPerPixel}; it must be 1, 3 or 4.`, source);
  checkClaimedSize(ds, { rows, columns, samplesPerPixel, bitsAllocated, frameCount }, options.byteLength ?? ds.byteArray.length, source);
  const shared = firstItem(ds, Tag.SharedFunctionalGroupsSequence);
  const perFrameItems = ds.elements[Tag.PerFrameFunctionalGroupsSequence]?.items ?? [];
  const pixelRepresentation = (us(ds, Tag.PixelRepresentation) ?? 0) === 1 ? 1 : 0;
  const readSpacing = (d: DataSet): number[] | undefined => {
    const ps = geometry(d, Tag.PixelSpacing, 2, 'PixelSpacing', source);
    if (ps) checkSpacing(ps, source);
    return ps;
  };
  const readOrientation = (d: DataSet): number[] | undefined => {
    const iop = geometry(d, Tag.ImageOrientationPatient, 6, 'ImageOrientationPatient', source);
    if (iop) checkOrientation(iop, source);
    return iop;
  };
  const readPosition = (d: DataSet): number[] | undefined => geometry(d, Tag.ImagePositionPatient, 3, 'ImagePositionPatient', source);
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
    samplesPerPixel,
    photometricInterpretation: str(ds, Tag.PhotometricInterpretation) ?? 'MONOCHROME2',
    planarConfiguration: us(ds, Tag.PlanarConfiguration),
  };
  const frames: FrameHeader[] = [];
  for (let f = 0; f < frameCount; f++) {
    const pf = perFrameItems[f]?.dataSet;
    const ps = fromGroups(pf, shared, Tag.PixelMeasuresSequence, readSpacing) ?? readSpacing(ds);
    const iop = fromGroups(pf, shared, Tag.PlaneOrientationSequence, readOrientation) ?? readOrientation(ds);
    const ipp = fromGroups(pf, shared, Tag.PlanePositionSequence, readPosition) ?? (frameCount === 1 || perFrameItems.length === 0 ? readPosition(ds) : undefined);
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
