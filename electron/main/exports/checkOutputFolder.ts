/**
 * The output folder is checked before any work (loading, inference, encoding), so that a folder
 * OPAL cannot write answers at once with E_WRITE_FAILED instead of after minutes of work.
 */
import { lstat, open, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';
import { ownedName, removeStaleStaging, WRITE_CHECK_PREFIX, type StaleStagingReport } from './commitExportSet.ts';

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** Views of the running system, not places for files (a write there fails, or hangs Node's mkdir). */
const PSEUDO_FILE_SYSTEMS = /^\/(proc|sys)(\/|$)/;

/**
 * Checks that outDir is a folder OPAL can write, or a folder it can create (the nearest existing
 * parent is a writable folder), without creating it. Refuses a file in its place or on its path, a
 * folder in /proc or /sys, a read-only or unwritable one, with E_WRITE_FAILED. When the folder
 * exists, the unfinished exports of killed runs are finished or rolled back first
 * (removeStaleStaging) and reported.
 */
export async function checkOutputFolder(outDir: string): Promise<{ recovered: StaleStagingReport[] }> {
  const target = resolve(outDir);
  const fail = (reason: string): OpalError => new OpalError('E_WRITE_FAILED', `The output folder ${target} cannot be used: ${reason}.`, target);
  let existing = target;
  for (;;) {
    try {
      const st = await stat(existing);
      if (!st.isDirectory()) throw fail(existing === target ? 'it is a file, not a folder' : `${existing} is a file, not a folder`);
      break;
    } catch (e) {
      if (e instanceof OpalError) throw e;
      if (codeOf(e) !== 'ENOENT' && codeOf(e) !== 'ENOTDIR') throw fail((e as Error).message);
      if (dirname(existing) === existing) throw fail('no part of the path exists');
      existing = dirname(existing);
    }
  }
  const real = await realpath(existing).catch(() => existing);
  if (PSEUDO_FILE_SYSTEMS.test(real) || PSEUDO_FILE_SYSTEMS.test(target)) {
    throw fail(`${real.startsWith('/sys') ? '/sys' : '/proc'} shows the running system; it cannot hold files`);
  }
  // Permissions do not tell (root may write anywhere but on a read-only disk): write a probe.
  const probe = join(existing, ownedName(WRITE_CHECK_PREFIX));
  try {
    const fh = await open(probe, 'wx');
    await fh.close();
  } catch (e) {
    throw fail(`OPAL cannot write in ${existing} (${(e as Error).message})`);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
  if (existing !== target) return { recovered: [] };
  try {
    return { recovered: await removeStaleStaging(target) };
  } catch (e) {
    throw fail(`an interrupted earlier export there could not be cleaned up (${(e as Error).message})`);
  }
}

/** Checks an output file's path before any work: its folder as checkOutputFolder, and no folder in its place. */
export async function checkOutputFile(path: string): Promise<void> {
  const target = resolve(path);
  const st = await lstat(target).catch(() => undefined);
  if (st && !st.isFile() && !st.isSymbolicLink()) {
    throw new OpalError('E_WRITE_FAILED', `The output ${target} cannot be written: a folder or device is in its place.`, target);
  }
  await checkOutputFolder(dirname(target));
}

/** One line per earlier export that was finished or rolled back, for the CLI and the log. */
export function describeRecovered(r: StaleStagingReport): string {
  const what =
    r.outcome === 'committed'
      ? 'its exports were complete; the leftover staging folder was removed'
      : r.outcome === 'rolled-back'
        ? 'its half-placed files were removed and the earlier ones restored'
        : 'its staged files were removed';
  return `an earlier export into ${dirname(r.path)} was interrupted: ${what}`;
}
