import { mkdir } from 'node:fs/promises';
import { OpalError } from '../../common/errors/index.ts';

/** Creates an output folder (and its parents), or fails with E_WRITE_FAILED naming it. */
export async function ensureOutputFolder(outDir: string): Promise<void> {
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new OpalError('E_WRITE_FAILED', `The output folder ${outDir} cannot be created: ${(e as Error).message}`, outDir);
  }
}
