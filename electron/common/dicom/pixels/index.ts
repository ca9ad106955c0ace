export * from './frames.ts';
export { extractFrames, readPixelDescription, readNumberOfFrames } from './extractFrames.ts';
export { decodeNativeFrame, isNativeTransferSyntax, nativeTransferSyntaxes, swapBytes } from './decodeNativeFrame.ts';
export { decodeRleFrame } from './decodeRleFrame.ts';
export { toStoredValues, interleavePlanes } from './storedValues.ts';
export { decodeJpegDct, readJpegFrameHeader } from './jpeg/decodeJpegDct.ts';
export { transferSyntaxName } from './transferSyntaxName.ts';
