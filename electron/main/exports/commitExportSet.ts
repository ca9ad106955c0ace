/**
 * Puts a set of export files into an output folder all or nothing, the done-marker last.
 *
 *   1. stage: every file is written (and flushed) into a hidden staging folder inside the output
 *      folder, `.opal-staging-<host>-<pid>-<random>/new.<name>`;
 *   2. journal: `journal.json` in the staging folder lists the files and the commit's id;
 *   3. put in place: the previous done-marker, then each previous file of the same name, is moved
 *      aside into the staging folder (`old.<name>`), and each new file renamed into place;
 *   4. commit: the new done-marker (doneMarker.ts: files, sha256, sizes, failed formats) is renamed
 *      into place. This rename is the commit point; the staging folder (with the previous files) is
 *      then removed.
 *
 * Any failure or cancellation before the commit point rolls back from the journal: the new files
 * are removed, the previous ones and their marker moved back, so the folder is as it was. A process
 * killed in between (kill -9, power loss) leaves its staging folder; the next export into the folder
 * (opal segment, --batch, the app) finds it and finishes the job the same way (removeStaleStaging):
 * rolled back, or, when the marker of that commit is in place, just removed. The previous complete
 * set therefore stays in place until the new one is complete, and a folder never shows a marker
 * that does not describe the files next to it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { OpalError } from '../../common/errors/index.ts';
import { makeFolder } from '../fs/makeFolder.ts';
import { DONE_MARKER, type DoneMarker } from './doneMarker.ts';
import { nodeExportFileSystem, type ExportFileSystem, type ExportStep, type ExportStepHooks } from './exportFileSystem.ts';

export const STAGING_PREFIX = '.opal-staging-';
/** Staging folders of OPAL before the journal (no roll-back possible: only removed). */
const LEGACY_STAGING_PREFIX = '.opal-export-';
/** Probe files of checkOutputFolder. */
export const WRITE_CHECK_PREFIX = '.opal-write-check-';
const JOURNAL = 'journal.json';
/** A staging folder of another machine (shared folder) counts as abandoned after a day. */
const FOREIGN_STALE_MS = 24 * 3600_000;

const journalSchema = z.object({ commitId: z.string(), files: z.array(z.string()) });

export interface ExportSetFile {
  name: string;
  format: string;
  data: Uint8Array | string;
}

export interface CommitExportSetOptions {
  fs?: ExportFileSystem;
  hooks?: ExportStepHooks;
  /** Aborting before the commit point rolls back and throws E_CANCELLED. */
  signal?: AbortSignal;
  /** What the done-marker says besides the files. */
  marker: Pick<DoneMarker, 'formats' | 'failed'> & Partial<Pick<DoneMarker, 'model' | 'modelSha256' | 'input'>>;
}

/** This machine, in staging folder names (a shared folder may be written from several). */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);

/** Staging folders of this process that are in use now (never taken for abandoned ones). */
const activeStaging = new Set<string>();

/** A name for a hidden file or folder owned by this process: `<prefix><host>-<pid>-<random>`. */
export function ownedName(prefix: string): string {
  return `${prefix}${HOST_TAG}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function cancelled(): OpalError {
  return new OpalError('E_CANCELLED', 'The export was cancelled; nothing was written.');
}

/** Writes the files and the done-marker into outDir all or nothing (see the top of this file). */
export async function commitExportSet(outDir: string, files: ExportSetFile[], options: CommitExportSetOptions): Promise<DoneMarker> {
  const fs = options.fs ?? nodeExportFileSystem;
  const { signal, hooks } = options;
  const dir = resolve(outDir);
  let index = 0;
  const step = async (kind: ExportStep['kind'], label: string, path: string, op: () => Promise<void>): Promise<void> => {
    if (signal?.aborted) throw cancelled();
    await hooks?.beforeStep?.({ index: ++index, kind, label, path });
    // Checked again right before the operation, with no await in between: once Ctrl-C has been
    // seen, nothing more is put in place.
    if (signal?.aborted) throw cancelled();
    await op();
  };

  if (signal?.aborted) throw cancelled();
  await makeFolder(dir);
  for (const f of files) {
    const kind = await fs.entryKind(join(dir, f.name)).catch(() => 'other' as const);
    if (kind === 'folder' || kind === 'other') {
      throw new OpalError('E_WRITE_FAILED', `Could not write the exports to ${dir}: ${f.name} there is not a file (a folder or a device is in the way); nothing was written.`, dir);
    }
  }
  const staging = join(dir, ownedName(STAGING_PREFIX));
  activeStaging.add(staging);
  const commitId = randomBytes(8).toString('hex');
  const marker: DoneMarker = {
    kind: 'opal-exports/1',
    commitId,
    completedAt: new Date().toISOString(),
    formats: options.marker.formats,
    files: files.map((f) => f.name),
    sha256: {},
    bytes: {},
    failed: options.marker.failed,
    ...(options.marker.model ? { model: options.marker.model } : {}),
    ...(options.marker.modelSha256 ? { modelSha256: options.marker.modelSha256 } : {}),
    ...(options.marker.input ? { input: options.marker.input } : {}),
  };
  try {
    await step('mkdir', 'create the staging folder', staging, () => fs.mkdir(staging));
    for (const f of files) {
      const bytes = typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
      marker.sha256[f.name] = createHash('sha256').update(bytes).digest('hex');
      marker.bytes[f.name] = bytes.byteLength;
      const staged = join(staging, `new.${f.name}`);
      await step('write', `stage ${f.name}`, staged, () => fs.writeNewFile(staged, f.data));
    }
    const journal = join(staging, JOURNAL);
    await step('write', 'write the commit journal', journal, () => fs.writeNewFile(journal, JSON.stringify({ commitId, files: marker.files })));
    if ((await fs.entryKind(join(dir, DONE_MARKER))) !== 'none') {
      await step('rename', 'set the previous done-marker aside', join(staging, `old.${DONE_MARKER}`), () => fs.rename(join(dir, DONE_MARKER), join(staging, `old.${DONE_MARKER}`)));
    }
    for (const f of files) {
      const target = join(dir, f.name);
      if ((await fs.entryKind(target)) !== 'none') {
        await step('rename', `set the previous ${f.name} aside`, join(staging, `old.${f.name}`), () => fs.rename(target, join(staging, `old.${f.name}`)));
      }
      await step('rename', `put ${f.name} in place`, target, () => fs.rename(join(staging, `new.${f.name}`), target));
    }
    marker.completedAt = new Date().toISOString();
    const stagedMarker = join(staging, 'marker.json');
    await step('write', 'write the done-marker', stagedMarker, () => fs.writeNewFile(stagedMarker, JSON.stringify(marker, null, 2) + '\n'));
    await step('rename', 'put the done-marker in place (commit)', join(dir, DONE_MARKER), () => fs.rename(stagedMarker, join(dir, DONE_MARKER)));
  } catch (e) {
    let rolledBack = true;
    try {
      await recoverStaging(dir, staging, fs);
    } catch {
      rolledBack = false; // the journal stays: the next export into this folder finishes the roll-back
    }
    activeStaging.delete(staging);
    if (e instanceof OpalError && e.code === 'E_CANCELLED' && rolledBack) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    throw new OpalError(
      'E_WRITE_FAILED',
      rolledBack
        ? `Could not write the exports to ${dir}: ${reason}. Nothing was changed in the folder.`
        : `Could not write the exports to ${dir}: ${reason}. The folder could not be restored at once; the next export into it finishes restoring it.`,
      dir,
    );
  }
  // Committed. Cleaning up may fail (or be killed) without changing that: a leftover staging
  // folder is recognised as committed and removed by the next run. Ctrl-C no longer matters here.
  try {
    await fs.syncFolder(dir);
    await hooks?.beforeStep?.({ index: ++index, kind: 'remove', label: 'remove the staging folder', path: staging });
    await fs.remove(staging);
  } catch {
    // left for the next run
  }
  activeStaging.delete(staging);
  return marker;
}

export type StagingOutcome = 'committed' | 'rolled-back' | 'discarded';

/**
 * Brings a staging folder's commit to an end: rolled back (the folder as before the commit), or
 * kept when its done-marker made it into place; then removes the staging folder. Every step looks
 * at what is there, so running it again after it was itself interrupted is safe.
 */
export async function recoverStaging(outDir: string, staging: string, fs: ExportFileSystem = nodeExportFileSystem): Promise<StagingOutcome> {
  const dir = resolve(outDir);
  let journal: z.infer<typeof journalSchema> | undefined;
  try {
    journal = journalSchema.parse(JSON.parse(await fs.readText(join(staging, JOURNAL))));
  } catch {
    journal = undefined; // not written (or torn): nothing was moved yet
  }
  if (!journal) {
    await fs.remove(staging);
    return 'discarded';
  }
  let placedId: string | undefined;
  try {
    placedId = (JSON.parse(await fs.readText(join(dir, DONE_MARKER))) as { commitId?: string }).commitId;
  } catch {
    placedId = undefined;
  }
  if (placedId === journal.commitId) {
    await fs.remove(staging);
    return 'committed';
  }
  for (const name of [...journal.files].reverse()) {
    const target = join(dir, name);
    // A rename moves a file whole: when new.<name> has left the staging folder, the file at the
    // target is the new one.
    if ((await fs.entryKind(join(staging, `new.${name}`))) === 'none' && (await fs.entryKind(target)) === 'file') await fs.remove(target);
    if ((await fs.entryKind(join(staging, `old.${name}`))) !== 'none') await fs.rename(join(staging, `old.${name}`), target);
  }
  if ((await fs.entryKind(join(staging, `old.${DONE_MARKER}`))) !== 'none') await fs.rename(join(staging, `old.${DONE_MARKER}`), join(dir, DONE_MARKER));
  await fs.syncFolder(dir);
  await fs.remove(staging);
  return 'rolled-back';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** True when the hidden file or folder was left by a process that no longer runs. */
function abandoned(path: string, name: string, prefix: string): boolean {
  if (activeStaging.has(path)) return false;
  const m = /^([0-9a-f]{6})-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
  if (!m) return true;
  const pid = Number(m[2]);
  if (m[1] === HOST_TAG) return pid === process.pid || !processAlive(pid);
  try {
    return Date.now() - statSync(path).mtimeMs > FOREIGN_STALE_MS;
  } catch {
    return false;
  }
}

export interface StaleStagingReport {
  path: string;
  outcome: StagingOutcome;
}

/**
 * Finishes (rolls back or completes) the commits of killed runs found in an output folder and
 * removes their staging folders and write probes. Folders of runs still going are left alone.
 */
export async function removeStaleStaging(outDir: string, fs: ExportFileSystem = nodeExportFileSystem): Promise<StaleStagingReport[]> {
  const dir = resolve(outDir);
  const found: StaleStagingReport[] = [];
  for (const name of await fs.list(dir)) {
    const path = join(dir, name);
    if (name.startsWith(STAGING_PREFIX)) {
      if (abandoned(path, name, STAGING_PREFIX)) found.push({ path, outcome: await recoverStaging(dir, path, fs) });
    } else if (name.startsWith(LEGACY_STAGING_PREFIX)) {
      await fs.remove(path);
      found.push({ path, outcome: 'discarded' });
    } else if (name.startsWith(WRITE_CHECK_PREFIX) && abandoned(path, name, WRITE_CHECK_PREFIX)) {
      await fs.remove(path);
    }
  }
  return found;
}
