import { OpalError } from '../errors/index.ts';
import { TransferSyntax } from '../dicom/pixels/frames.ts';
import { tag, writeDicomPart10, type DicomElement } from '../dicom/write/index.ts';
import type { ChestPhantom } from './generateChestPhantom.ts';
import { phantomUidsFor, type PhantomUids } from './phantomUids.ts';

/** CT Image Storage (PS3.4 B.5). */
export const CT_IMAGE_STORAGE_UID = '1.2.840.10008.5.1.4.1.1.2';
/** Stored value = HU - RESCALE_INTERCEPT (so -1024 HU is stored as 0). */
export const PHANTOM_RESCALE_INTERCEPT = -1024;

export interface PhantomDicomOptions {
  /** Explicit VR Little Endian (default), Implicit VR Little Endian, or Deflated Explicit VR LE. */
  transferSyntaxUid?: string;
  /**
   * PixelRepresentation 1 (signed 16-bit, BitsStored 16) instead of the default 0 (unsigned,
   * BitsStored 12). Stored values are HU + 1024 either way, with RescaleIntercept -1024.
   */
  signedPixels?: boolean;
}

const WRITABLE_SYNTAXES: string[] = [
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
];

/** The phantom's UIDs (see phantomUidsFor): the same ones its volume.meta carries. */
export function phantomUids(phantom: ChestPhantom): PhantomUids {
  const t = phantom.truth;
  return phantomUidsFor(t.seed, t.dims, t.spacingMm, t.profile);
}

/** InstanceNumber of slice k: 1 is the top slice, as a head-first scan numbers them. */
export function phantomInstanceNumber(phantom: ChestPhantom, k: number): number {
  return phantom.volume.dims[2] - k;
}

/**
 * The data set of slice k as a CT Image Storage object: Patient, General Study, General Series,
 * Frame of Reference, General Equipment, General Image, Image Plane, Image Pixel, CT Image, VOI LUT
 * and SOP Common modules (PS3.3 A.3) with their type 1 and 2 attributes.
 */
export function phantomSliceElements(phantom: ChestPhantom, k: number, uids: PhantomUids, opts: PhantomDicomOptions = {}): DicomElement[] {
  const { volume, truth } = phantom;
  const [nx, ny, nz] = volume.dims;
  if (!Number.isInteger(k) || k < 0 || k >= nz) throw new OpalError('E_BAD_ARGUMENT', `slice ${k} outside 0..${nz - 1}`);
  const [sx, sy, sz] = volume.spacingMm;
  const position = [volume.originMm[0], volume.originMm[1], volume.originMm[2] + k * sz];
  const signed = opts.signedPixels === true;

  const sliceSize = nx * ny;
  const hu = volume.voxels.subarray(k * sliceSize, (k + 1) * sliceSize);
  const stored = signed ? new Int16Array(sliceSize) : new Uint16Array(sliceSize);
  for (let p = 0; p < sliceSize; p++) stored[p] = hu[p] - PHANTOM_RESCALE_INTERCEPT;

  const instance = phantomInstanceNumber(phantom, k);
  const seconds = 120000 + instance; // distinct, plausible content times
  const contentTime = `${String(Math.floor(seconds / 10000)).padStart(2, '0')}${String(Math.floor(seconds / 100) % 100).padStart(2, '0')}${String(seconds % 100).padStart(2, '0')}`;
  const seed = truth.seed;
  return [
    // SOP Common (C.12.1) and General Image (C.7.6.1) / CT Image (C.8.2.1)
    { tag: tag(0x0008, 0x0008), vr: 'CS', value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
    { tag: tag(0x0008, 0x0016), vr: 'UI', value: CT_IMAGE_STORAGE_UID },
    { tag: tag(0x0008, 0x0018), vr: 'UI', value: uids.sopInstanceUid(k) },
    { tag: tag(0x0008, 0x0020), vr: 'DA', value: '20200401' },
    { tag: tag(0x0008, 0x0021), vr: 'DA', value: '20200401' },
    { tag: tag(0x0008, 0x0023), vr: 'DA', value: '20200401' },
    { tag: tag(0x0008, 0x0030), vr: 'TM', value: '120000' },
    { tag: tag(0x0008, 0x0031), vr: 'TM', value: '120000' },
    { tag: tag(0x0008, 0x0033), vr: 'TM', value: contentTime },
    { tag: tag(0x0008, 0x0050), vr: 'SH', value: '' },
    { tag: tag(0x0008, 0x0060), vr: 'CS', value: 'CT' },
    { tag: tag(0x0008, 0x0070), vr: 'LO', value: 'OPAL' },
    { tag: tag(0x0008, 0x0090), vr: 'PN', value: '' },
    { tag: tag(0x0008, 0x1030), vr: 'LO', value: 'OPAL synthetic chest phantom' },
    { tag: tag(0x0008, 0x103e), vr: 'LO', value: volume.meta.seriesDescription ?? `OPAL chest phantom seed ${seed}` },
    { tag: tag(0x0008, 0x1090), vr: 'LO', value: 'OPAL chest phantom' },
    // Patient (C.7.1.1)
    { tag: tag(0x0010, 0x0010), vr: 'PN', value: 'OPAL^PHANTOM' },
    { tag: tag(0x0010, 0x0020), vr: 'LO', value: volume.meta.patientId ?? `OPAL-PHANTOM-${seed}` },
    { tag: tag(0x0010, 0x0030), vr: 'DA', value: '' },
    { tag: tag(0x0010, 0x0040), vr: 'CS', value: 'O' },
    // CT acquisition attributes
    { tag: tag(0x0018, 0x0015), vr: 'CS', value: 'CHEST' },
    { tag: tag(0x0018, 0x0050), vr: 'DS', value: sz },
    { tag: tag(0x0018, 0x0060), vr: 'DS', value: 120 },
    { tag: tag(0x0018, 0x1020), vr: 'LO', value: 'OPAL 0.1' },
    { tag: tag(0x0018, 0x5100), vr: 'CS', value: 'HFS' },
    // Study, series, frame of reference, image plane (C.7.2.1, C.7.3.1, C.7.4.1, C.7.6.2)
    { tag: tag(0x0020, 0x000d), vr: 'UI', value: uids.studyInstanceUid },
    { tag: tag(0x0020, 0x000e), vr: 'UI', value: uids.seriesInstanceUid },
    { tag: tag(0x0020, 0x0010), vr: 'SH', value: '1' },
    { tag: tag(0x0020, 0x0011), vr: 'IS', value: 1 },
    { tag: tag(0x0020, 0x0012), vr: 'IS', value: 1 },
    { tag: tag(0x0020, 0x0013), vr: 'IS', value: instance },
    { tag: tag(0x0020, 0x0032), vr: 'DS', value: position },
    // Row direction +x (towards the patient's left), column direction +y (posterior): PS3.3 C.7.6.2.1.1.
    { tag: tag(0x0020, 0x0037), vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
    { tag: tag(0x0020, 0x0052), vr: 'UI', value: uids.frameOfReferenceUid },
    { tag: tag(0x0020, 0x1040), vr: 'LO', value: '' },
    { tag: tag(0x0020, 0x1041), vr: 'DS', value: position[2] },
    // Image Pixel (C.7.6.3) and CT Image (C.8.2.1): CT needs BitsAllocated 16, BitsStored 12..16.
    { tag: tag(0x0028, 0x0002), vr: 'US', value: 1 },
    { tag: tag(0x0028, 0x0004), vr: 'CS', value: 'MONOCHROME2' },
    { tag: tag(0x0028, 0x0010), vr: 'US', value: ny },
    { tag: tag(0x0028, 0x0011), vr: 'US', value: nx },
    // PixelSpacing is row spacing (between rows, along y) \ column spacing (along x): C.7.6.2.1.
    { tag: tag(0x0028, 0x0030), vr: 'DS', value: [sy, sx] },
    { tag: tag(0x0028, 0x0100), vr: 'US', value: 16 },
    { tag: tag(0x0028, 0x0101), vr: 'US', value: signed ? 16 : 12 },
    { tag: tag(0x0028, 0x0102), vr: 'US', value: signed ? 15 : 11 },
    { tag: tag(0x0028, 0x0103), vr: 'US', value: signed ? 1 : 0 },
    { tag: tag(0x0028, 0x0301), vr: 'CS', value: 'NO' },
    // VOI LUT (C.11.2): the lung window.
    { tag: tag(0x0028, 0x1050), vr: 'DS', value: -600 },
    { tag: tag(0x0028, 0x1051), vr: 'DS', value: 1500 },
    { tag: tag(0x0028, 0x1052), vr: 'DS', value: PHANTOM_RESCALE_INTERCEPT },
    { tag: tag(0x0028, 0x1053), vr: 'DS', value: 1 },
    { tag: tag(0x0028, 0x1054), vr: 'LO', value: 'HU' },
    { tag: tag(0x0028, 0x1055), vr: 'LO', value: 'LUNG' },
    { tag: tag(0x0028, 0x2110), vr: 'CS', value: '00' },
    { tag: tag(0x7fe0, 0x0010), vr: 'OW', value: stored },
  ];
}

/** Slice k as a DICOM Part 10 file. */
export function encodePhantomSlice(phantom: ChestPhantom, k: number, uids: PhantomUids, opts: PhantomDicomOptions = {}): Uint8Array {
  const transferSyntaxUid = opts.transferSyntaxUid ?? TransferSyntax.ExplicitVRLittleEndian;
  if (!WRITABLE_SYNTAXES.includes(transferSyntaxUid)) {
    throw new OpalError('E_BAD_ARGUMENT', `The phantom is written uncompressed; transfer syntax ${transferSyntaxUid} is not one of ${WRITABLE_SYNTAXES.join(', ')}`);
  }
  return writeDicomPart10(phantomSliceElements(phantom, k, uids, opts), {
    transferSyntaxUid,
    sopClassUid: CT_IMAGE_STORAGE_UID,
    sopInstanceUid: uids.sopInstanceUid(k),
  });
}
