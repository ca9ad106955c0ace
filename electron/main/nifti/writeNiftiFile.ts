import { encodeNifti1, encodeNiftiGz, type EncodeNiftiOptions } from '../../common/nifti/index.ts';
import type { Volume } from '../../common/volume/index.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';

/**
 * Writes a Volume as NIfTI-1 (RAS, sform = qform): gzip-compressed when the path ends in `.gz`
 * (`.nii.gz`), plain `.nii` otherwise. Atomic: readers never see half a file (E_WRITE_FAILED).
 */
export async function writeNiftiFile(path: string, volume: Volume, opts: EncodeNiftiOptions = {}): Promise<void> {
  const bytes = path.toLowerCase().endsWith('.gz') ? encodeNiftiGz(volume, opts) : encodeNifti1(volume, opts);
  await writeFileAtomic(path, bytes);
}
