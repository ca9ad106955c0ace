import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { encodeNifti1, type EncodeNiftiOptions } from '../../common/nifti/index.ts';
import type { Volume } from '../../common/volume/index.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';

const gzipAsync = promisify(gzip);

/**
 * Writes a Volume as NIfTI-1 (RAS, sform = qform): gzip-compressed (level 6, like dcm2niix) when
 * the path ends in `.gz` (`.nii.gz`), plain `.nii` otherwise. Compression runs on Node's zlib
 * thread pool. Atomic: readers never see half a file (E_WRITE_FAILED names the path).
 */
export async function writeNiftiFile(path: string, volume: Volume, opts: EncodeNiftiOptions = {}): Promise<void> {
  const nii = encodeNifti1(volume, opts);
  const bytes = path.toLowerCase().endsWith('.gz') ? await gzipAsync(nii, { level: 6 }) : nii;
  await writeFileAtomic(path, bytes);
}
