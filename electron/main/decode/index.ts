export { decodeFrame } from './decodeFrame.ts';
export { DecodePool, type DecodePoolOptions, type DecodePoolStats } from './DecodePool.ts';
export { encodeFrameJpegLs, type JpegLsOptions } from './encodeFrameJpegLs.ts';
export { encodeFrameJ2k } from './encodeFrameJ2k.ts';
export { encodeFrameHtj2k } from './encodeFrameHtj2k.ts';
export type { FrameToEncode } from './frameToEncode.ts';
