import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OpalError } from '../../common/errors/index.ts';

/**
 * Writes a file so that readers see either the old content or the whole new content, never a half
 * (write to a temporary name in the same folder, fsync, rename). On any failure the temporary file
 * is removed and an E_WRITE_FAILED OpalError names the target.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    const reason = e instanceof Error ? e.message : String(e);
    throw new OpalError('E_WRITE_FAILED', `Could not write ${path}: ${reason}`, path);
  }
}
