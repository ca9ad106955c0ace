/**
 * The file-system operations an export commit is made of, behind one small interface so that tests
 * can fail or pause any step (see exportTestHooks.ts). Every forward step of a commit goes through
 * `ExportStepHooks.beforeStep` first; the roll-back does not (a fault is injected once, as a disk
 * that fills up or a process that is killed at one moment).
 */
import { renameSync } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, rm } from 'node:fs/promises';

export interface ExportFileSystem {
  /** Creates one folder (not its parents). */
  mkdir(path: string): Promise<void>;
  /** Creates a new file (fails if it exists), writes all of it and flushes it to the disk. */
  writeNewFile(path: string, data: Uint8Array | string): Promise<void>;
  /**
   * Renames within one folder tree. The default does it synchronously: a Ctrl-C handler can run
   * only between steps, never while a file is being put in place, so nothing lands after it.
   */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or a folder with everything in it; a missing path is fine. */
  remove(path: string): Promise<void>;
  /** What is at the path (a link counts as a file: renaming replaces the link, not its target). */
  entryKind(path: string): Promise<'none' | 'file' | 'folder' | 'other'>;
  readText(path: string): Promise<string>;
  list(dir: string): Promise<string[]>;
  /** Flushes a folder's entries (renames) to the disk, where the platform allows it. */
  syncFolder(dir: string): Promise<void>;
}

export const nodeExportFileSystem: ExportFileSystem = {
  async mkdir(path) {
    await mkdir(path);
  },
  async writeNewFile(path, data) {
    const fh = await open(path, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  async rename(from, to) {
    renameSync(from, to);
  },
  remove: (path) => rm(path, { recursive: true, force: true }),
  async entryKind(path) {
    try {
      const st = await lstat(path);
      return st.isFile() || st.isSymbolicLink() ? 'file' : st.isDirectory() ? 'folder' : 'other';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
      throw e;
    }
  },
  readText: (path) => readFile(path, 'utf8'),
  list: (dir) => readdir(dir),
  async syncFolder(dir) {
    // fsync on a folder is how POSIX makes renames durable; Windows cannot open a folder for it.
    let fh;
    try {
      fh = await open(dir, 'r');
      await fh.sync();
    } catch {
      // not supported here (Windows, some network file systems): the renames are still atomic
    } finally {
      await fh?.close();
    }
  },
};

/** One forward step of an export commit, as the hooks see it. */
export interface ExportStep {
  /** 1-based, in the order the steps run. */
  index: number;
  /** 'remove' is the last step, after the commit point: failing it changes nothing but a leftover. */
  kind: 'mkdir' | 'write' | 'rename' | 'remove';
  /** What the step does, in words (e.g. "put seg.dcm in place"). */
  label: string;
  /** The path the step creates or writes. */
  path: string;
}

export interface ExportStepHooks {
  /** Runs before each forward step; throwing fails that step (and the commit rolls back). */
  beforeStep?(step: ExportStep): Promise<void> | void;
}
