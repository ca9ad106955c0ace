import { appendFile, readFile, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { OpalError, toOpalError } from '../../common/errors/index.ts';
import {
  applyDiff,
  decodeJournalLog,
  decodeLabelmapSnapshot,
  encodeJournalLog,
  encodeJournalRecord,
  encodeLabelmapSnapshot,
  targetOf,
  type JournalRecord,
  type LabelmapSnapshot,
} from '../../common/edit/index.ts';
import type { ModelProvenance } from '../../common/quant/Measurements.ts';
import type { AutosaveSummary, LabelmapSource } from '../../common/ipc/contract.ts';
import { makeFolder } from '../fs/makeFolder.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import type { OpenVolume } from './OpenVolume.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** What the autosave manifest and a project file record about the base labelmap. */
export interface BaseMeta {
  format: 'opal-autosave';
  version: 1;
  key: string;
  seriesInstanceUid?: string;
  seriesDescription?: string;
  dims: [number, number, number];
  source: LabelmapSource;
  provenance: ModelProvenance | null;
  baseEdited: boolean;
  /** modelInfection was the base infection itself (not stored twice). */
  modelInfectionIsBase: boolean;
  createdAt: string;
}

interface Manifest extends BaseMeta {
  generation: number;
}

/** The saved work of one series: base labelmaps and the journal records to replay onto them. */
export interface SavedWork {
  meta: BaseMeta;
  snapshot: LabelmapSnapshot<BaseMeta>;
  records: JournalRecord[];
  tornBytes: number;
}

/** Review marks autosaved beside a series' journal (review.json). */
export interface SavedReview {
  /** Reviewed axial slices by voxel index k. */
  reviewedK: number[];
  lastReviewedAt?: string;
}

const PROJECT_MAGIC = Uint8Array.from([0x4f, 0x50, 0x41, 0x4c, 0x50, 0x52, 0x4a, 0x31]); // "OPALPRJ1"

/**
 * Autosave (DESIGN.md §3.6): per series, in `<appData>/autosave/<key>/` (key: SeriesInstanceUID +
 * content hash, see autosaveKeyOf), the base labelmap (`base-<g>.opalbase.gz`: the model's output,
 * an imported mask, or a compacted state) and an append-only journal (`journal-<g>.opaljournal`:
 * one record appended per edit, undo or redo), named by `autosave.json`. Replaying the journal onto
 * the base gives back the exact labelmap and undo/redo history. Every `compactAfterRecords` records
 * the journal is compacted: a new generation whose base folds in what undo can no longer reach and
 * whose journal holds only the undo/redo stacks. Base, journal and manifest are each written
 * atomically and the manifest last, so a crash at any point leaves one consistent generation.
 * All writes for one series go through one queue, in order.
 */
export class PersistenceService {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** The handle that autosaves each series: the series' latest load (a series open twice autosaves once). */
  private readonly owners = new Map<string, string>();
  readonly compactAfterRecords: number;

  constructor(private readonly options: { appDataDir: string; compactAfterRecords?: number }) {
    this.compactAfterRecords = options.compactAfterRecords ?? 256;
  }

  /** Makes `v` the copy of its series that autosaves (called on load). */
  claim(v: OpenVolume): void {
    this.owners.set(v.autosaveKey, v.handle);
  }

  /** Stops autosaving for a closed volume (unless a later load of the series took over). */
  release(v: OpenVolume): void {
    if (this.owners.get(v.autosaveKey) === v.handle) this.owners.delete(v.autosaveKey);
  }

  private assertOwner(v: OpenVolume): void {
    if (this.owners.get(v.autosaveKey) !== v.handle) throw new OpalError('E_WRITE_FAILED', 'This series is open a second time; only its latest copy is autosaved.');
  }

  folderOf(key: string): string {
    return join(this.options.appDataDir, 'autosave', key);
  }

  private manifestPath(key: string): string {
    return join(this.folderOf(key), 'autosave.json');
  }

  private journalPath(key: string, generation: number): string {
    return join(this.folderOf(key), `journal-${generation}.opaljournal`);
  }

  private basePath(key: string, generation: number): string {
    return join(this.folderOf(key), `base-${generation}.opalbase.gz`);
  }

  /** Runs `work` after every earlier write for the same series (one queue per series). */
  private enqueue<T>(key: string, work: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  /** Waits until every queued write of the series is on disk. */
  async flush(key: string): Promise<void> {
    await this.queues.get(key);
  }

  private async readManifest(key: string): Promise<Manifest | null> {
    const text = await readFile(this.manifestPath(key), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const m = JSON.parse(text) as Manifest;
      return m.format === 'opal-autosave' && m.version === 1 && Number.isInteger(m.generation) ? m : null;
    } catch {
      return null;
    }
  }

  /** The autosave of a series, if one exists (read-only: nothing is changed). */
  async summary(key: string): Promise<AutosaveSummary | undefined> {
    await this.flush(key);
    const m = await this.readManifest(key);
    if (!m) return undefined;
    const journal = await readFile(this.journalPath(key, m.generation)).catch(() => null);
    if (!journal) return undefined;
    let decoded;
    try {
      decoded = decodeJournalLog(new Uint8Array(journal.buffer, journal.byteOffset, journal.byteLength));
    } catch {
      return undefined;
    }
    // A base from the model or an import is work too, even before the first stroke.
    if (decoded.records.length === 0 && m.source === 'none') return undefined;
    const savedAt = (await stat(this.journalPath(key, m.generation))).mtime.toISOString();
    return { savedAt, edits: decoded.records.length, source: m.source, tornBytes: decoded.tornBytes };
  }

  /** Reads the autosave (base and journal) of a series; a torn last record is cut off the file. */
  async read(key: string): Promise<SavedWork> {
    return this.enqueue(key, async () => {
      const m = await this.readManifest(key);
      if (!m) throw new OpalError('E_NOT_FOUND', 'There is no autosaved work for this series.');
      try {
        const base = decodeLabelmapSnapshot<BaseMeta>(new Uint8Array(await gunzipAsync(await readFile(this.basePath(key, m.generation)))));
        const journalPath = this.journalPath(key, m.generation);
        const bytes = await readFile(journalPath);
        const log = decodeJournalLog(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        // Later appends must follow the last complete record, not the torn bytes.
        if (log.tornBytes > 0) await truncate(journalPath, log.validBytes);
        return { meta: base.meta, snapshot: base, records: log.records, tornBytes: log.tornBytes };
      } catch (e) {
        if (e instanceof OpalError) throw e;
        throw new OpalError('E_NOT_FOUND', 'The autosaved work of this series could not be read (damaged files).', e instanceof Error ? e.message : String(e));
      }
    });
  }

  private reviewPath(key: string): string {
    return join(this.folderOf(key), 'review.json');
  }

  /**
   * Writes the review marks of a series (`review.json` beside the manifest: reviewed axial slice
   * indices k, ascending; ReviewService) atomically, in the series' write queue. The file outlives
   * compactions; a new base resets it (ReviewService.reset). Returns a failure instead of throwing:
   * the marks stay in memory either way.
   */
  async writeReview(v: OpenVolume, marks: SavedReview): Promise<OpalError | undefined> {
    try {
      this.assertOwner(v);
      const key = v.autosaveKey;
      await this.enqueue(key, async () => {
        await makeFolder(this.folderOf(key));
        await writeFileAtomic(this.reviewPath(key), JSON.stringify({ format: 'opal-review', version: 1, ...marks }, null, 2));
      });
      return undefined;
    } catch (e) {
      const err = toOpalError(e, 'E_WRITE_FAILED');
      return err.code === 'E_WRITE_FAILED' ? err : new OpalError('E_WRITE_FAILED', `Autosave of the review marks failed: ${err.message}`);
    }
  }

  /** The review marks autosaved for a series, or undefined (none, or an unreadable file). */
  async readReview(key: string): Promise<SavedReview | undefined> {
    await this.flush(key);
    const text = await readFile(this.reviewPath(key), 'utf8').catch(() => null);
    if (text === null) return undefined;
    try {
      const r = JSON.parse(text) as { format?: unknown; version?: unknown; reviewedK?: unknown; lastReviewedAt?: unknown };
      if (r.format !== 'opal-review' || r.version !== 1 || !Array.isArray(r.reviewedK)) return undefined;
      const reviewedK = r.reviewedK.filter((k): k is number => Number.isInteger(k));
      return { reviewedK, ...(typeof r.lastReviewedAt === 'string' ? { lastReviewedAt: r.lastReviewedAt } : {}) };
    } catch {
      return undefined;
    }
  }

  /** Deletes a series' autosave. */
  async discard(key: string): Promise<boolean> {
    return this.enqueue(key, async () => {
      const had = (await this.readManifest(key)) !== null;
      await rm(this.folderOf(key), { recursive: true, force: true });
      return had;
    });
  }

  /** The base of a volume as it is now (copies: later edits do not reach the snapshot). */
  static snapshotOf(v: OpenVolume, createdAt = new Date().toISOString()): LabelmapSnapshot<BaseMeta> {
    const modelInfectionIsBase = v.modelInfection !== null && v.infection !== null && !v.journal.canUndo && !v.baseEdited && sameBytes(v.modelInfection, v.infection);
    return {
      voxels: v.volume.voxels.length,
      meta: {
        format: 'opal-autosave',
        version: 1,
        key: v.autosaveKey,
        seriesInstanceUid: v.info.seriesInstanceUid,
        seriesDescription: v.info.seriesDescription,
        dims: [...v.info.dims],
        source: v.source,
        provenance: v.provenance,
        baseEdited: v.baseEdited,
        modelInfectionIsBase,
        createdAt,
      },
      arrays: {
        ...(v.infection ? { infection: v.infection.slice() } : {}),
        ...(v.lungs ? { lungs: v.lungs.slice() } : {}),
        ...(v.confidence ? { confidence: v.confidence.slice() } : {}),
        ...(v.modelInfection && !modelInfectionIsBase ? { modelInfection: v.modelInfection.slice() } : {}),
        ...(v.editedMask ? { editedMask: v.editedMask.slice() } : {}),
        ...(v.lungEditedMask ? { lungEditedMask: v.lungEditedMask.slice() } : {}),
      },
    };
  }

  /**
   * Starts a new generation from `base` with `records` (none: a fresh journal). A waiting autosave
   * from an earlier session that was neither restored nor discarded is moved aside, never deleted.
   */
  writeBase(v: OpenVolume, base: LabelmapSnapshot<BaseMeta>, records: readonly JournalRecord[] = []): Promise<void> {
    const key = v.autosaveKey;
    if (this.owners.get(key) !== v.handle) return Promise.reject(new OpalError('E_WRITE_FAILED', 'This series is open a second time; only its latest copy is autosaved.'));
    v.persist.baseWritten = true;
    v.persist.recordsSinceCompaction = records.length;
    const setAside = v.persist.pendingRestore;
    v.persist.pendingRestore = false;
    return this.enqueue(key, async () => {
      const folder = this.folderOf(key);
      if (setAside) await rename(folder, `${folder}.superseded-${Date.now()}`).catch(() => undefined);
      await makeFolder(folder);
      const previous = await this.readManifest(key);
      const generation = (previous?.generation ?? 0) + 1;
      await writeFileAtomic(this.basePath(key, generation), new Uint8Array(await gzipAsync(encodeLabelmapSnapshot(base), { level: 1 })));
      await writeFileAtomic(this.journalPath(key, generation), encodeJournalLog(records));
      const manifest: Manifest = { ...base.meta, generation };
      await writeFileAtomic(this.manifestPath(key), JSON.stringify(manifest, null, 2));
      // The older generations are now unreferenced.
      for (const f of await readdir(folder)) {
        const g = /^(?:base|journal)-(\d+)\./.exec(f);
        if (g && Number(g[1]) !== generation) await rm(join(folder, f), { force: true });
      }
    });
  }

  /**
   * Appends one record to the series' journal (writing an empty base first when there is none yet)
   * and compacts when due. Resolves once the record is in the file; a failure is returned, not
   * thrown, because the edit itself is applied in memory either way.
   */
  async append(v: OpenVolume, record: JournalRecord): Promise<OpalError | undefined> {
    try {
      this.assertOwner(v);
      if (!v.persist.baseWritten) throw new Error('the base labelmap was not saved before the first edit');
      const key = v.autosaveKey;
      const bytes = encodeJournalRecord(record);
      await this.enqueue(key, async () => {
        const m = await this.readManifest(key);
        if (!m) throw new Error('the autosave manifest is missing');
        await appendFile(this.journalPath(key, m.generation), bytes);
      });
      if (++v.persist.recordsSinceCompaction >= this.compactAfterRecords) await this.compact(v);
      return undefined;
    } catch (e) {
      const err = toOpalError(e, 'E_WRITE_FAILED');
      return err.code === 'E_WRITE_FAILED' ? err : new OpalError('E_WRITE_FAILED', `Autosave failed: ${err.message}`);
    }
  }

  /**
   * Folds everything undo can no longer reach into a new base: the base is the labelmap before the
   * oldest undoable edit, the journal holds the undoable edits and then the redoable ones (written
   * as edits followed by undos), so replay rebuilds the same labelmap and the same undo/redo stacks.
   */
  compact(v: OpenVolume): Promise<void> {
    const { base, records } = compactedWork(v);
    v.baseEdited = base.meta.baseEdited;
    return this.writeBase(v, base, records);
  }

  /** One file holding a series' work as the autosave would after compaction (README: project files). */
  async saveProject(v: OpenVolume, path: string): Promise<void> {
    await this.flush(v.autosaveKey);
    const { base, records } = compactedWork(v);
    const snapshot = encodeLabelmapSnapshot(base);
    const journal = encodeJournalLog(records);
    const body = new Uint8Array(8 + snapshot.length + journal.length);
    const view = new DataView(body.buffer);
    view.setUint32(0, snapshot.length, true);
    view.setUint32(4, journal.length, true);
    body.set(snapshot, 8);
    body.set(journal, 8 + snapshot.length);
    const gz = new Uint8Array(await gzipAsync(body, { level: 6 }));
    const out = new Uint8Array(PROJECT_MAGIC.length + gz.length);
    out.set(PROJECT_MAGIC, 0);
    out.set(gz, PROJECT_MAGIC.length);
    await writeFileAtomic(path, out);
  }

  async readProject(path: string): Promise<SavedWork> {
    const bytes = await readFile(path).catch((e: unknown) => {
      throw new OpalError('E_NOT_FOUND', `The project file ${path} could not be read.`, e instanceof Error ? e.message : String(e));
    });
    if (bytes.length < PROJECT_MAGIC.length || PROJECT_MAGIC.some((m, i) => bytes[i] !== m)) throw new OpalError('E_BAD_ARGUMENT', `${path} is not an OPAL project file.`);
    try {
      const body = new Uint8Array(await gunzipAsync(bytes.subarray(PROJECT_MAGIC.length)));
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const snapshotBytes = view.getUint32(0, true);
      const journalBytes = view.getUint32(4, true);
      if (8 + snapshotBytes + journalBytes !== body.length) throw new RangeError('sizes do not add up');
      const snapshot = decodeLabelmapSnapshot<BaseMeta>(body.subarray(8, 8 + snapshotBytes));
      const log = decodeJournalLog(body.subarray(8 + snapshotBytes));
      if (log.tornBytes) throw new RangeError('the journal is damaged');
      return { meta: snapshot.meta, snapshot, records: log.records, tornBytes: 0 };
    } catch (e) {
      throw new OpalError('E_BAD_ARGUMENT', `The project file ${path} is damaged.`, e instanceof Error ? e.message : String(e));
    }
  }
}

/**
 * A volume's work as base + records with nothing undo cannot reach: the base is the labelmap before
 * the oldest undoable edit; the records are the undoable edits, then the redoable ones written as
 * edits followed by as many undos (the last undone comes back first on redo).
 */
function compactedWork(v: OpenVolume): { base: LabelmapSnapshot<BaseMeta>; records: JournalRecord[] } {
  const done = v.journal.entries();
  const undone = v.journal.redoEntries();
  const base = PersistenceService.snapshotOf(v);
  base.meta.modelInfectionIsBase = false;
  if (v.modelInfection) base.arrays.modelInfection = v.modelInfection.slice();
  // Each undoable edit is taken back out of the labelmap it edited (infection or lungs).
  for (let i = done.length - 1; i >= 0; i--) {
    const labels = targetOf(done[i]) === 'lungs' ? base.arrays.lungs : base.arrays.infection;
    if (labels) applyDiff(labels, done[i].indices, done[i].before);
  }
  // The edited-voxel marks keep every touched voxel (a superset is the safe side for re-segmenting).
  base.meta.baseEdited = v.baseEdited || v.editedMask !== null || (v.lungEditedMask ?? null) !== null;
  const records: JournalRecord[] = done.map((diff) => ({ kind: 'edit', diff }));
  for (let i = undone.length - 1; i >= 0; i--) records.push({ kind: 'edit', diff: undone[i] });
  for (let i = 0; i < undone.length; i++) records.push({ kind: 'undo' });
  return { base, records };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
