import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';
import { FolderGrantList, POSIX_PATHS, WINDOWS_PATHS, type FolderPurpose } from '../../common/ipc/folderGrants.ts';

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/**
 * The canonical form of a path that may not exist yet (an export folder to be created): the real
 * path (links resolved) of its deepest existing ancestor, with the missing names appended. A name
 * that exists as a link to nothing is refused: following it later could leave the granted folder.
 */
export async function canonicalPath(path: string): Promise<string> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      const real = await realpath(p);
      return missing.length ? join(real, ...missing.reverse()) : real;
    } catch (e) {
      if (codeOf(e) !== 'ENOENT' && codeOf(e) !== 'ENOTDIR') throw new OpalError('E_NOT_FOUND', `${p} cannot be read: ${(e as Error).message}`, p);
      if (await lstat(p).then(() => true, () => false)) {
        throw new OpalError('E_PATH_NOT_GRANTED', `${p} is a link to something that does not exist; OPAL does not follow it.`, p);
      }
      if (dirname(p) === p) throw new OpalError('E_NOT_FOUND', `No part of ${path} exists.`, path);
      missing.push(basename(p));
    }
  }
}

/**
 * Which folders the renderer may name (DESIGN.md §1: the renderer is untrusted). A folder is handed
 * out by the main process only: its folder dialog (contract method chooseFolder), the File menu's
 * dialog, a folder dropped on the window (its real path comes from Electron, not from the page), or a
 * recent folder the main process stored itself. Every path the renderer passes is resolved with
 * realpath (so `..` and links that lead outside are seen for what they are) and must be a granted
 * folder or lie inside one, else E_PATH_NOT_GRANTED. Handlers use the canonical path returned by
 * check(), so the folder that was checked is the one read or written.
 */
export class FolderGrants {
  private readonly list = new FolderGrantList(process.platform === 'win32' ? WINDOWS_PATHS : { ...POSIX_PATHS, caseInsensitive: process.platform === 'darwin' });

  constructor(
    /** Folders the main process stored itself that count as handed out for a purpose (recent folders for 'open'). */
    private readonly storedRoots: (purpose: FolderPurpose) => Promise<string[]> = async () => [],
  ) {}

  /** Records a folder the main process handed out; returns its canonical path. It must be an existing folder. */
  async grant(path: string, purpose: FolderPurpose): Promise<string> {
    const real = await realpath(resolve(path)).catch((e: unknown) => {
      throw new OpalError('E_NOT_FOUND', `The folder ${path} does not exist or cannot be read (${codeOf(e) ?? (e as Error).message}).`, path);
    });
    if (!(await stat(real)).isDirectory()) throw new OpalError('E_BAD_ARGUMENT', `${path} is a file, not a folder.`, path);
    this.list.add(real, purpose);
    return real;
  }

  /**
   * The canonical path of `path` when it is a granted folder for `purpose` or lies inside one;
   * E_PATH_NOT_GRANTED otherwise (also for a made-up path that does not exist).
   */
  async check(path: string, purpose: FolderPurpose): Promise<string> {
    const refuse = (why: string) =>
      new OpalError(
        'E_PATH_NOT_GRANTED',
        `${path} ${why}. Choose the ${purpose === 'open' ? 'study folder with Open folder… (or the File menu, or drop it on the window)' : 'output folder with Choose…'} first.`,
        path,
      );
    let canonical: string;
    try {
      canonical = await canonicalPath(path);
    } catch (e) {
      throw e instanceof OpalError && e.code === 'E_PATH_NOT_GRANTED' ? e : refuse('cannot be resolved');
    }
    const stored: string[] = [];
    for (const root of await this.storedRoots(purpose).catch(() => [])) {
      const real = await realpath(root).catch(() => undefined);
      if (real) stored.push(real);
    }
    if (!this.list.rootOf(canonical, purpose, stored)) {
      throw refuse(canonical === resolve(path) ? 'was not chosen in OPAL' : `(really ${canonical}) was not chosen in OPAL`);
    }
    return canonical;
  }

  granted(purpose: FolderPurpose): string[] {
    return this.list.list(purpose);
  }
}
