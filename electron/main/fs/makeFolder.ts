import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/**
 * Creates a folder and its missing parents, one level at a time, or fails with E_WRITE_FAILED
 * naming the folder. Not `mkdir(path, {recursive: true})`: in Node 20 that never returns for a path
 * in a pseudo file system such as /proc, where mkdir answers ENOENT for a parent that exists, and a
 * path from a user (an output folder) must give an answer. Bounded by the path's depth.
 */
export async function makeFolder(path: string): Promise<void> {
  const target = resolve(path);
  const fail = (reason: string): OpalError => new OpalError('E_WRITE_FAILED', `The folder ${target} cannot be created: ${reason}.`, target);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    try {
      if (!(await stat(p)).isDirectory()) throw fail(`${p} is a file, not a folder`);
      break;
    } catch (e) {
      if (e instanceof OpalError) throw e;
      if (codeOf(e) !== 'ENOENT' && codeOf(e) !== 'ENOTDIR') throw fail((e as Error).message);
      if (dirname(p) === p) throw fail('no part of the path exists');
      missing.push(p);
    }
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (e) {
      // Created meanwhile by someone else: fine if it is a folder.
      if (codeOf(e) === 'EEXIST' && (await stat(dir).catch(() => undefined))?.isDirectory()) continue;
      throw fail((e as Error).message);
    }
  }
}
