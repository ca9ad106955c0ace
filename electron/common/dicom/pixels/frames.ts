/**
 * The seam between DICOM parsing (which finds a frame's bytes) and pixel decoding (which turns them
 * into stored values). Parsing lives in electron/common/dicom and electron/main/studies; decoding of
 * compressed transfer syntaxes lives in electron/main/decode (WASM codecs, worker pool).
 */

/** Image Pixel module attributes a decoder needs (PS3.3 C.7.6.3). */
export interface PixelDescription {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  samplesPerPixel: number;
  photometricInterpretation: string;
  planarConfiguration?: number;
}

export interface EncodedFrame extends PixelDescription {
  transferSyntaxUid: string;
  /**
   * Native (uncompressed) syntaxes: exactly this frame's bytes in the syntax's byte order.
   * Encapsulated syntaxes: this frame's compressed bitstream (fragments already joined).
   */
  data: Uint8Array;
}

/**
 * Stored pixel values of one frame, before rescale slope/intercept. Int16Array/Uint16Array for
 * 9..16-bit data (sign taken from pixelRepresentation, with sign extension from bitsStored),
 * Uint8Array for 8-bit, Int32Array/Uint32Array for 32-bit. Colour data is interleaved (RGBRGB…).
 */
export type StoredPixels = Int16Array | Uint16Array | Uint8Array | Int32Array | Uint32Array;

export interface DecodedFrame {
  pixels: StoredPixels;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  /** True when the codec was lossy (JPEG baseline/extended, JPEG-LS near-lossless, lossy J2K/HTJ2K). */
  lossy: boolean;
}

/** Transfer syntax UIDs OPAL knows (PS3.5 Section 10 and Annex A). */
export const TransferSyntax = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  JPEGBaseline8Bit: '1.2.840.10008.1.2.4.50',
  JPEGExtended12Bit: '1.2.840.10008.1.2.4.51',
  JPEGExtended35Retired: '1.2.840.10008.1.2.4.53',
  JPEGSpectralSelectionRetired: '1.2.840.10008.1.2.4.55',
  JPEGLossless: '1.2.840.10008.1.2.4.57',
  JPEGLosslessSV1: '1.2.840.10008.1.2.4.70',
  JPEGLSLossless: '1.2.840.10008.1.2.4.80',
  JPEGLSNearLossless: '1.2.840.10008.1.2.4.81',
  JPEG2000Lossless: '1.2.840.10008.1.2.4.90',
  JPEG2000: '1.2.840.10008.1.2.4.91',
  HTJ2KLossless: '1.2.840.10008.1.2.4.201',
  HTJ2KLosslessRPCL: '1.2.840.10008.1.2.4.202',
  HTJ2K: '1.2.840.10008.1.2.4.203',
  RLELossless: '1.2.840.10008.1.2.5',
} as const;

/** Decodes one frame; implemented in electron/main/decode (codecs need WASM). */
export type FrameDecoder = (frame: EncodedFrame) => Promise<DecodedFrame>;
