import { readFile } from 'node:fs/promises';
import { OpalError, isOpalError } from '../../common/errors/index.ts';
import { decodeNifti } from '../../common/nifti/index.ts';
import type { Volume } from '../../common/volume/index.ts';

/**
 * Reads a `.nii` or `.nii.gz` file (gzip is recognised by content, not by name) into a Volume with
 * LPS geometry. E_NOT_FOUND when the file is missing, E_BAD_NIFTI (naming the file) when it is not
 * a readable NIfTI-1 volume.
 */
export async function readNiftiFile(path: string): Promise<Volume> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new OpalError('E_NOT_FOUND', `No such file: ${path}`, path);
    if (code === 'EISDIR') throw new OpalError('E_BAD_NIFTI', `${path} is a folder, not a NIfTI file`, path);
    throw new OpalError('E_BAD_NIFTI', `Could not read ${path}: ${e instanceof Error ? e.message : String(e)}`, path);
  }
  try {
    const volume = decodeNifti(bytes);
    volume.meta.sourcePath = path;
    return volume;
  } catch (e) {
    if (isOpalError(e)) throw new OpalError(e.code, e.message, path);
    throw e;
  }
}
