import { TransferSyntax } from './frames.ts';

const names: Record<string, string> = {
  [TransferSyntax.ImplicitVRLittleEndian]: 'Implicit VR Little Endian',
  [TransferSyntax.ExplicitVRLittleEndian]: 'Explicit VR Little Endian',
  [TransferSyntax.DeflatedExplicitVRLittleEndian]: 'Deflated Explicit VR Little Endian',
  [TransferSyntax.ExplicitVRBigEndian]: 'Explicit VR Big Endian',
  [TransferSyntax.JPEGBaseline8Bit]: 'JPEG Baseline (8-bit)',
  [TransferSyntax.JPEGExtended12Bit]: 'JPEG Extended (12-bit)',
  [TransferSyntax.JPEGExtended35Retired]: 'JPEG Spectral Selection (retired)',
  [TransferSyntax.JPEGSpectralSelectionRetired]: 'JPEG Full Progression (retired)',
  [TransferSyntax.JPEGLossless]: 'JPEG Lossless',
  [TransferSyntax.JPEGLosslessSV1]: 'JPEG Lossless SV1',
  [TransferSyntax.JPEGLSLossless]: 'JPEG-LS Lossless',
  [TransferSyntax.JPEGLSNearLossless]: 'JPEG-LS Near-Lossless',
  [TransferSyntax.JPEG2000Lossless]: 'JPEG 2000 Lossless',
  [TransferSyntax.JPEG2000]: 'JPEG 2000',
  [TransferSyntax.HTJ2KLossless]: 'HTJ2K Lossless',
  [TransferSyntax.HTJ2KLosslessRPCL]: 'HTJ2K Lossless RPCL',
  [TransferSyntax.HTJ2K]: 'HTJ2K',
  [TransferSyntax.RLELossless]: 'RLE Lossless',
};

/** A transfer syntax's name for messages a person reads, with its UID. */
export function transferSyntaxName(uid: string): string {
  const name = names[uid];
  return name ? `${name} (${uid})` : uid;
}
