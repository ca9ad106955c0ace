// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- dcmjs ships no types; this reference carries its declaration into every tsconfig that compiles this file.
/// <reference path="./dcmjs.d.ts" />
/**
 * DICOM Segmentation (SEG) encoder: labelmaps on a CT series' own grid -> one Part-10 SEG object
 * (SOP Class 1.2.840.10008.5.1.4.1.1.66.4, PS3.3 A.51), SegmentationType BINARY, Explicit VR Little
 * Endian. Every module and functional group is built here; dcmjs only writes the bytes.
 */
import dcmjs from 'dcmjs';
import type { NaturalDataset } from 'dcmjs';
import { OpalError } from '../errors/index.ts';
import { voxelToPatient, type Vec3, type Volume } from '../volume/index.ts';
import type { CodedConcept, SegmentDefinition } from './segmentCodes.ts';
import { isValidDicomUid, newDicomUid } from './dicomUid.ts';
import { reviewLongText, reviewShortText, type ReviewRecord } from '../review/index.ts';

export const SEGMENTATION_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
export const CT_IMAGE_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** A UID under 2.25 naming OPAL as the implementation (PS3.7 D.3.3.2); fixed for every file. */
export const OPAL_IMPLEMENTATION_CLASS_UID = '2.25.199367204918404582371734582310921833481';
export const OPAL_IMPLEMENTATION_VERSION = 'OPAL_0_1';

/** Tags used as attribute pointers (AT values) in the Dimension Index Sequence. */
const TAG_REFERENCED_SEGMENT_NUMBER = 0x0062000b;
const TAG_SEGMENT_IDENTIFICATION_SEQUENCE = 0x0062000a;
const TAG_IMAGE_POSITION_PATIENT = 0x00200032;
const TAG_PLANE_POSITION_SEQUENCE = 0x00209113;

export interface SegSourceSeries {
  /** Geometry of the source CT (voxel grid the labelmaps live on). */
  volume: Pick<Volume, 'dims' | 'spacingMm' | 'originMm' | 'direction'>;
  /**
   * SOPInstanceUID of every source slice, in k order (one per slice); '' for a slice without an
   * image (a missing slice filled with air): it gets no frame and no reference.
   */
  sopInstanceUids: string[];
  /**
   * ImagePositionPatient of each slice's source image, in k order; written as each frame's
   * position so that it is exactly the referenced image's. Default: the grid position of the slice.
   */
  imagePositionsMm?: Vec3[];
  /**
   * For a multi-frame (enhanced) source: the frame number (1-based) of each slice within its SOP
   * instance, written as ReferencedFrameNumber. Absent for one-slice-per-file series.
   */
  referencedFrameNumbers?: number[];
  sopClassUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  patientName?: string;
  patientId?: string;
  patientBirthDate?: string;
  patientSex?: string;
  studyDate?: string;
  studyTime?: string;
  studyId?: string;
  accessionNumber?: string;
  referringPhysicianName?: string;
  studyDescription?: string;
}

export interface SegLabelmap {
  /** Voxel labels on the source grid (x fastest, then y, then z). */
  labelmap: Uint8Array;
  /** Which label values of this labelmap become segments, and what they mean. */
  segments: SegmentDefinition[];
}

export interface EncodeDicomSegInput {
  source: SegSourceSeries;
  labelmaps: SegLabelmap[];
  algorithm: { name: string; version: string };
  /** True once a person edited the masks: SegmentAlgorithmType SEMIAUTOMATIC instead of AUTOMATIC. */
  edited: boolean;
  /**
   * The app's review marks: "reviewed n of N slices, edited" joins ContentDescription (LO, 64
   * characters) and the whole record (reviewed slice numbers) goes into ImageComments (LT; PS3.3
   * C.7.6.1, the General Image module the Segmentation IOD includes).
   */
  review?: ReviewRecord;
  seriesNumber?: number;
  seriesDescription?: string;
  /** Fixed UIDs (tests, re-export of the same segmentation); new 2.25 UIDs otherwise. */
  uids?: { seriesInstanceUid?: string; sopInstanceUid?: string; dimensionOrganizationUid?: string };
  /** Content date and time; now otherwise. */
  createdAt?: Date;
}

/** One frame of the SEG: which segment, which source slice. */
export interface SegFrame {
  segmentNumber: number;
  sliceIndex: number;
}

/** Formats a number as a DICOM DS (PS3.5 6.2: at most 16 characters). */
export function formatDecimalString(x: number): string {
  if (!Number.isFinite(x)) throw new OpalError('E_BAD_ARGUMENT', `Not a finite number for a DICOM decimal: ${x}`);
  if (Object.is(x, -0) || Math.abs(x) < 1e-12) return '0';
  for (let digits = 15; digits >= 1; digits--) {
    let s = x.toPrecision(digits);
    if (s.includes('e')) {
      s = Number(s).toString();
    } else if (s.includes('.')) {
      s = s.replace(/0+$/, '').replace(/\.$/, '');
    }
    if (s.length <= 16) return s;
  }
  throw new OpalError('E_BAD_ARGUMENT', `Number ${x} does not fit a DICOM decimal string`);
}

function codeItem(c: CodedConcept): NaturalDataset {
  return { CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning };
}

function dicomDate(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

function dicomTime(d: Date): string {
  return d.toISOString().slice(11, 19).replace(/:/g, '');
}

function checkUid(uid: string, what: string): string {
  if (!isValidDicomUid(uid)) throw new OpalError('E_BAD_ARGUMENT', `${what} is not a valid DICOM UID: "${uid}"`);
  return uid;
}

/** The voxels of one (labelmap, label value) on one axial slice, or undefined when none is set. */
function sliceHasLabel(labelmap: Uint8Array, sliceVoxels: number, k: number, value: number): boolean {
  const start = k * sliceVoxels;
  const end = start + sliceVoxels;
  for (let p = start; p < end; p++) if (labelmap[p] === value) return true;
  return false;
}

/**
 * Packs frames of one bit per pixel (PS3.5 8.1.1 and PS3.3 C.8.20.2.1: BitsAllocated 1, the
 * frames one after another with no padding between them, first pixel in the least significant
 * bit), padded to an even byte count (PS3.5 7.1.1).
 */
function packFrames(frames: SegFrame[], labelmapOf: (segmentNumber: number) => { labelmap: Uint8Array; value: number }, sliceVoxels: number): Uint8Array {
  const totalBits = frames.length * sliceVoxels;
  let bytes = Math.ceil(totalBits / 8);
  if (bytes % 2 === 1) bytes++;
  const out = new Uint8Array(bytes);
  let bit = 0;
  for (const f of frames) {
    const { labelmap, value } = labelmapOf(f.segmentNumber);
    const start = f.sliceIndex * sliceVoxels;
    let p = 0;
    // Bit by bit up to a byte boundary, then eight pixels per byte, then the tail.
    for (; p < sliceVoxels && bit & 7; p++, bit++) if (labelmap[start + p] === value) out[bit >> 3] |= 1 << (bit & 7);
    for (; p + 8 <= sliceVoxels; p += 8, bit += 8) {
      const q = start + p;
      let byte = 0;
      for (let t = 0; t < 8; t++) if (labelmap[q + t] === value) byte |= 1 << t;
      out[bit >> 3] = byte;
    }
    for (; p < sliceVoxels; p++, bit++) if (labelmap[start + p] === value) out[bit >> 3] |= 1 << (bit & 7);
  }
  return out;
}

function validateInput(input: EncodeDicomSegInput): void {
  const { source, labelmaps } = input;
  const [nx, ny, nz] = source.volume.dims;
  if (!(nx > 0 && ny > 0 && nz > 0)) throw new OpalError('E_BAD_ARGUMENT', `Source volume has empty dimensions ${nx}x${ny}x${nz}`);
  if (nx > 65535 || ny > 65535) throw new OpalError('E_BAD_ARGUMENT', `Slice size ${nx}x${ny} exceeds what DICOM Rows/Columns hold`);
  if (source.sopInstanceUids.length !== nz) {
    throw new OpalError('E_BAD_ARGUMENT', `The source series has ${nz} slices but ${source.sopInstanceUids.length} SOPInstanceUIDs were given`);
  }
  source.sopInstanceUids.forEach((u, k) => u !== '' && checkUid(u, `SOPInstanceUID of slice ${k}`));
  if (source.sopInstanceUids.every((u) => u === '')) throw new OpalError('E_BAD_ARGUMENT', 'No slice of the source series has an image to refer to');
  if (source.referencedFrameNumbers && source.referencedFrameNumbers.length !== nz) {
    throw new OpalError('E_BAD_ARGUMENT', `The source series has ${nz} slices but ${source.referencedFrameNumbers.length} frame numbers were given`);
  }
  if (source.imagePositionsMm && source.imagePositionsMm.length !== nz) {
    throw new OpalError('E_BAD_ARGUMENT', `The source series has ${nz} slices but ${source.imagePositionsMm.length} image positions were given`);
  }
  // Each frame names its source image by SOP instance (and frame); PS3.3 C.12.1.1.1 makes that
  // UID unique per instance, so two slices naming the same one leave the SEG unable to say which.
  const seen = new Map<string, number>();
  source.sopInstanceUids.forEach((u, k) => {
    if (u === '') return;
    const key = `${u}#${source.referencedFrameNumbers?.[k] ?? 1}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const count = source.sopInstanceUids.filter((x) => x === u).length;
      throw new OpalError(
        'E_DUPLICATE_SOP_UID',
        `${count} source images share SOPInstanceUID ${u} (slices ${earlier + 1} and ${k + 1} among them), so a SEG frame could not say which image it belongs to. Ask for a copy of the series whose images keep their own SOPInstanceUIDs; the other exports are not affected.`,
        u,
      );
    }
    seen.set(key, k);
  });
  checkUid(source.sopClassUid, 'Source SOPClassUID');
  checkUid(source.studyInstanceUid, 'StudyInstanceUID');
  checkUid(source.seriesInstanceUid, 'Source SeriesInstanceUID');
  checkUid(source.frameOfReferenceUid, 'FrameOfReferenceUID');
  if (labelmaps.length === 0) throw new OpalError('E_BAD_ARGUMENT', 'No labelmap to export');
  const n = nx * ny * nz;
  const trackingIds = new Set<string>();
  for (const lm of labelmaps) {
    if (lm.labelmap.length !== n) {
      throw new OpalError('E_BAD_ARGUMENT', `A labelmap has ${lm.labelmap.length} voxels; the source volume has ${n}`);
    }
    if (lm.segments.length === 0) throw new OpalError('E_BAD_ARGUMENT', 'A labelmap was given without segments');
    for (const s of lm.segments) {
      if (!Number.isInteger(s.labelValue) || s.labelValue < 1 || s.labelValue > 255) {
        throw new OpalError('E_BAD_ARGUMENT', `Segment "${s.label}" has label value ${s.labelValue}; it must be 1-255`);
      }
      if (trackingIds.has(s.trackingId)) throw new OpalError('E_BAD_ARGUMENT', `Two segments share the tracking ID ${s.trackingId}`);
      trackingIds.add(s.trackingId);
    }
  }
  if (!input.algorithm.name.trim() || !input.algorithm.version.trim()) {
    throw new OpalError('E_BAD_ARGUMENT', 'The algorithm name and version are required for an automatic segmentation');
  }
}

/**
 * Tracking UIDs must stay the same for the same finding across exports of one study (PS3.3
 * C.8.20.2: TrackingUID identifies the tracked entity); derive them from the source series and
 * the tracking ID so a re-export after edits keeps them.
 */
function trackingUid(seriesInstanceUid: string, trackingId: string): string {
  // FNV-1a 64-bit over "series|trackingId", written under 2.25 as a decimal integer.
  let h = 0xcbf29ce484222325n;
  const text = `${seriesInstanceUid}|${trackingId}`;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `2.25.${(h | (1n << 64n)).toString(10)}`;
}

/** Lists the frames to write: for each segment in order, each source slice (with an image) where it has voxels. */
export function segFrames(input: Pick<EncodeDicomSegInput, 'source' | 'labelmaps'>): SegFrame[] {
  const [nx, ny, nz] = input.source.volume.dims;
  const sliceVoxels = nx * ny;
  const frames: SegFrame[] = [];
  let segmentNumber = 0;
  for (const lm of input.labelmaps) {
    for (const s of lm.segments) {
      segmentNumber++;
      for (let k = 0; k < nz; k++) {
        if (input.source.sopInstanceUids[k] === '') continue; // a missing slice: no image to refer to
        if (sliceHasLabel(lm.labelmap, sliceVoxels, k, s.labelValue)) frames.push({ segmentNumber, sliceIndex: k });
      }
    }
  }
  return frames;
}

/** Encodes the labelmaps as one DICOM SEG Part-10 file. */
export function encodeDicomSeg(input: EncodeDicomSegInput): Uint8Array {
  validateInput(input);
  const { source, algorithm } = input;
  const vol = source.volume;
  const [nx, ny] = vol.dims;
  const sliceVoxels = nx * ny;
  const now = input.createdAt ?? new Date();
  const seriesInstanceUid = checkUid(input.uids?.seriesInstanceUid ?? newDicomUid(), 'SEG SeriesInstanceUID');
  const sopInstanceUid = checkUid(input.uids?.sopInstanceUid ?? newDicomUid(), 'SEG SOPInstanceUID');
  const dimensionOrganizationUid = checkUid(input.uids?.dimensionOrganizationUid ?? newDicomUid(), 'DimensionOrganizationUID');
  const algorithmType = input.edited ? 'SEMIAUTOMATIC' : 'AUTOMATIC';
  const algorithmName = `${algorithm.name} ${algorithm.version}`.slice(0, 64);

  // Segment numbers run 1..n over all labelmaps in order (PS3.3 C.8.20.2: start at 1, step 1).
  const segmentSources: { labelmap: Uint8Array; def: SegmentDefinition }[] = [];
  for (const lm of input.labelmaps) for (const def of lm.segments) segmentSources.push({ labelmap: lm.labelmap, def });

  const segmentSequence: NaturalDataset[] = segmentSources.map(({ def }, i) => {
    const lab = dcmjs.data.Colors.rgb2DICOMLAB([def.colorRgb[0] / 255, def.colorRgb[1] / 255, def.colorRgb[2] / 255]).map((v) =>
      Math.max(0, Math.min(65535, Math.round(v))),
    );
    return {
      SegmentNumber: i + 1,
      SegmentLabel: def.label,
      SegmentAlgorithmType: algorithmType,
      SegmentAlgorithmName: algorithmName,
      SegmentedPropertyCategoryCodeSequence: [codeItem(def.category)],
      SegmentedPropertyTypeCodeSequence: [codeItem(def.type)],
      ...(def.anatomicRegion ? { AnatomicRegionSequence: [codeItem(def.anatomicRegion)] } : {}),
      RecommendedDisplayCIELabValue: lab,
      TrackingID: def.trackingId,
      TrackingUID: trackingUid(source.seriesInstanceUid, def.trackingId),
    };
  });

  let frames = segFrames(input);
  // A SEG holds at least one frame (NumberOfFrames is 1..n): when every mask is empty, write one
  // empty frame of the first segment on the first slice so the "nothing found" result still exports.
  const allEmpty = frames.length === 0;
  if (allEmpty) frames = [{ segmentNumber: 1, sliceIndex: source.sopInstanceUids.findIndex((u) => u !== '') }];

  const pixelData = packFrames(
    frames,
    (n) => {
      const s = segmentSources[n - 1];
      return { labelmap: allEmpty ? new Uint8Array(s.labelmap.length) : s.labelmap, value: s.def.labelValue };
    },
    sliceVoxels,
  );

  const derivationCode = { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' }; // PS3.16 CID 7203
  const purposeSourceImage = { CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' }; // PS3.16 CID 7202

  // Frame numbers matter only when one SOP instance holds several slices (PS3.3 C.7.6.16.2.6).
  const uidCount = new Map<string, number>();
  for (const u of source.sopInstanceUids) if (u !== '') uidCount.set(u, (uidCount.get(u) ?? 0) + 1);
  const frameNumberOf = (k: number): number | undefined =>
    source.referencedFrameNumbers && (uidCount.get(source.sopInstanceUids[k]) ?? 0) > 1 ? source.referencedFrameNumbers[k] : undefined;

  const perFrame: NaturalDataset[] = frames.map((f) => {
    const referencedFrame = frameNumberOf(f.sliceIndex);
    const position = source.imagePositionsMm?.[f.sliceIndex] ?? voxelToPatient(vol, 0, 0, f.sliceIndex);
    return {
      // PS3.3 C.7.6.16.2.2: one index per dimension, in DimensionIndexSequence order.
      FrameContentSequence: [{ DimensionIndexValues: [f.segmentNumber, f.sliceIndex + 1] }],
      // PS3.3 C.7.6.16.2.3: the patient position of the first transmitted pixel of this frame.
      PlanePositionSequence: [{ ImagePositionPatient: position.map(formatDecimalString) }],
      // PS3.3 C.7.6.16.2.6: the CT slice this frame was derived from.
      DerivationImageSequence: [
        {
          DerivationCodeSequence: [derivationCode],
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: source.sopClassUid,
              ReferencedSOPInstanceUID: source.sopInstanceUids[f.sliceIndex],
              ...(referencedFrame !== undefined ? { ReferencedFrameNumber: referencedFrame } : {}),
              PurposeOfReferenceCodeSequence: [purposeSourceImage],
            },
          ],
        },
      ],
      // PS3.3 C.8.20.3.1: which segment the frame belongs to.
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segmentNumber }],
    };
  });

  const d = vol.direction;
  const [si, sj, sk] = vol.spacingMm;
  const shared: NaturalDataset = {
    // PS3.3 C.7.6.16.2.1: PixelSpacing is (row spacing = along a column, column spacing = along a row).
    PixelMeasuresSequence: [
      {
        PixelSpacing: [formatDecimalString(sj), formatDecimalString(si)],
        SliceThickness: formatDecimalString(sk),
        SpacingBetweenSlices: formatDecimalString(sk),
      },
    ],
    // PS3.3 C.7.6.16.2.4: row direction then column direction cosines (LPS).
    PlaneOrientationSequence: [{ ImageOrientationPatient: [d[0], d[1], d[2], d[3], d[4], d[5]].map(formatDecimalString) }],
  };

  const content = dicomDate(now);
  const contentTime = dicomTime(now);
  const dataset: NaturalDataset = {
    // SOP Common (PS3.3 C.12.1)
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEGMENTATION_SOP_CLASS_UID,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: content,
    InstanceCreationTime: contentTime,
    // Patient (C.7.1.1): type 2 attributes are present, empty when unknown.
    PatientName: source.patientName ?? '',
    PatientID: source.patientId ?? '',
    PatientBirthDate: source.patientBirthDate ?? '',
    PatientSex: source.patientSex ?? '',
    // General Study (C.7.2.1): the SEG belongs to the source's study.
    StudyInstanceUID: source.studyInstanceUid,
    StudyDate: source.studyDate ?? '',
    StudyTime: source.studyTime ?? '',
    ReferringPhysicianName: source.referringPhysicianName ?? '',
    StudyID: source.studyId ?? '',
    AccessionNumber: source.accessionNumber ?? '',
    ...(source.studyDescription ? { StudyDescription: source.studyDescription } : {}),
    // General Series + Segmentation Series (C.7.3.1, C.8.20.1)
    Modality: 'SEG',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: input.seriesNumber ?? 901,
    SeriesDescription: (input.seriesDescription ?? `OPAL segmentation (${algorithmName})`).slice(0, 64),
    SeriesDate: content,
    SeriesTime: contentTime,
    // Frame of Reference (C.7.4.1): the SEG lives in the source's patient coordinate system.
    FrameOfReferenceUID: source.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    // General + Enhanced General Equipment (C.7.5.1, C.7.5.2)
    Manufacturer: 'OPAL',
    ManufacturerModelName: 'OPAL Offline Pulmonary AI Labeller',
    DeviceSerialNumber: 'OPAL',
    SoftwareVersions: [OPAL_IMPLEMENTATION_VERSION, algorithmName],
    // General Image / Content Identification (C.7.6.1, C.10.9)
    InstanceNumber: 1,
    ContentLabel: 'OPAL_LUNG_SEG',
    ContentDescription: input.review ? `Lung/COVID-19 infection; ${reviewShortText(input.review)}`.slice(0, 64) : 'Lungs and COVID-19 infection (investigational use)',
    ...(input.review ? { ImageComments: reviewLongText(input.review) } : {}),
    ContentCreatorName: '',
    ContentDate: content,
    ContentTime: contentTime,
    ImageType: ['DERIVED', 'PRIMARY'],
    // Image Pixel (C.7.6.3) as restricted by the Segmentation Image Module (C.8.20.2)
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ny,
    Columns: nx,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    // Lung segments contain the infection segments.
    SegmentsOverlap: input.labelmaps.length > 1 ? 'YES' : 'NO',
    SegmentSequence: segmentSequence,
    // Multi-frame Functional Groups (C.7.6.16)
    NumberOfFrames: frames.length,
    SharedFunctionalGroupsSequence: [shared],
    PerFrameFunctionalGroupsSequence: perFrame,
    // Multi-frame Dimension (C.7.6.17): frames are indexed by segment, then by slice position.
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionOrganizationType: '3D',
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: TAG_REFERENCED_SEGMENT_NUMBER,
        FunctionalGroupPointer: TAG_SEGMENT_IDENTIFICATION_SEQUENCE,
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: TAG_IMAGE_POSITION_PATIENT,
        FunctionalGroupPointer: TAG_PLANE_POSITION_SEQUENCE,
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
    // Common Instance Reference (C.12.2): every slice of the source series.
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: [...uidCount.keys()].map((uid) => ({ ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: uid })),
      },
    ],
    PixelData: [pixelData.buffer.slice(pixelData.byteOffset, pixelData.byteOffset + pixelData.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };

  const meta: NaturalDataset = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEGMENTATION_SOP_CLASS_UID,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: OPAL_IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: OPAL_IMPLEMENTATION_VERSION,
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
