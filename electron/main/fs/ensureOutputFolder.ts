import { makeFolder } from './makeFolder.ts';

/** Creates an output folder (and its parents), or fails with E_WRITE_FAILED naming it (never hangs: see makeFolder). */
export async function ensureOutputFolder(outDir: string): Promise<void> {
  await makeFolder(outDir);
}
