/**
 * The sizes OPAL accepts from a DICOM header before it allocates or loops on them (README, "Limits").
 * A header is user input: a damaged or hostile file may claim 2^31 frames or a 65535 x 65535 image,
 * and every loop or buffer driven by such a number is checked against these limits and against the
 * bytes the file really holds first.
 */

/** Frames in one DICOM object (an enhanced CT series of 2,000 slices is far below). */
export const MAX_FRAMES_PER_OBJECT = 65_536;

/** Rows x Columns x SamplesPerPixel of one frame: 2^26 (8192 x 8192 grey samples). */
export const MAX_FRAME_SAMPLES = 2 ** 26;

/**
 * Voxels in one volume (one object, or one series as assembled): 2^30, e.g. 1024 x 1024 x 1024
 * (2 GiB as int16, 4 GiB as float32). A chest CT of 512 x 512 x 1000 is a quarter of it.
 */
export const MAX_VOLUME_VOXELS = 2 ** 30;

/** Bytes a deflated data set (PS3.5 A.5) may inflate to, at most (whatever its compressed size). */
export const MAX_INFLATED_BYTES = 2 ** 30;

/**
 * Below MAX_INFLATED_BYTES, a deflated data set may inflate to 64 MiB or to 100 times its compressed
 * size, whichever is larger: real images compress 2-20 times, a deflate bomb a thousand times.
 */
export function inflatedByteLimit(compressedBytes: number): number {
  return Math.min(MAX_INFLATED_BYTES, Math.max(64 * 2 ** 20, 100 * compressedBytes));
}

/**
 * A deflate bomb is refused as soon as it shows itself: once a deflated data set has inflated to
 * DEFLATE_RATIO_CHECK_BYTES, it may not have grown more than MAX_DEFLATE_RATIO times the compressed
 * bytes read so far (real images compress 2-20 times; an all-zero stream a thousand times). Without
 * this, a bomb costs the inflation up to inflatedByteLimit (seconds) before it is refused.
 */
export const MAX_DEFLATE_RATIO = 200;
export const DEFLATE_RATIO_CHECK_BYTES = 4 * 2 ** 20;

/**
 * Top-level data elements in one data set (nested ones in sequences do not count): a CT header has a
 * few hundred; 300,000 cost the parser seconds. More are refused before parsing (E_TOO_LARGE).
 */
export const MAX_TOP_LEVEL_ELEMENTS = 50_000;
