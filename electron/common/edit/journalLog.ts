import { targetOf, type StrokeDiff } from './StrokeRecorder.ts';

/**
 * The autosaved edit journal as an append-only log (one record per edit, undo or redo), so that a
 * stroke costs one small append instead of rewriting the whole journal.
 *
 * File: magic "OPALJRN2" (8 bytes), then records. A record: kind (u8: 1 edit of the infection
 * labelmap, 2 undo, 3 redo, 4 edit of the lung labelmap), payload length (u32 LE), FNV-1a checksum
 * of the payload (u32 LE), payload. An edit's payload is n (u32 LE), n voxel indices (u32 LE), n
 * labels before, n labels after; undo and redo have none. Kind 4 came with editable lungs: an
 * infection edit is written exactly as before, so journals from before it replay unchanged.
 *
 * A process killed in the middle of an append leaves a torn last record: decodeJournalLog() stops
 * at the first record that is short or fails its checksum, so every complete record is replayed
 * and at most the last one is lost.
 */
export const JOURNAL_LOG_MAGIC = Uint8Array.from([0x4f, 0x50, 0x41, 0x4c, 0x4a, 0x52, 0x4e, 0x32]);
const RECORD_HEADER_BYTES = 9;

export type JournalRecord = { kind: 'edit'; diff: StrokeDiff } | { kind: 'undo' } | { kind: 'redo' };

const KIND_CODE = { edit: 1, undo: 2, redo: 3 } as const;
/** Kind of an edit of the lung labelmap (right/left lung). */
const LUNG_EDIT_CODE = 4;
const KIND_OF_CODE: Record<number, JournalRecord['kind'] | undefined> = { 1: 'edit', 2: 'undo', 3: 'redo', [LUNG_EDIT_CODE]: 'edit' };

/** FNV-1a (32 bit): cheap, and enough to tell a torn or zero-filled tail from a written record. */
function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One record's bytes, ready to append. */
export function encodeJournalRecord(record: JournalRecord): Uint8Array {
  const n = record.kind === 'edit' ? record.diff.indices.length : 0;
  const payloadBytes = record.kind === 'edit' ? 4 + n * 6 : 0;
  const out = new Uint8Array(RECORD_HEADER_BYTES + payloadBytes);
  const view = new DataView(out.buffer);
  out[0] = record.kind === 'edit' && targetOf(record.diff) === 'lungs' ? LUNG_EDIT_CODE : KIND_CODE[record.kind];
  view.setUint32(1, payloadBytes, true);
  if (record.kind === 'edit') {
    const { indices, before, after } = record.diff;
    let p = RECORD_HEADER_BYTES;
    view.setUint32(p, n, true);
    p += 4;
    for (let i = 0; i < n; i++, p += 4) view.setUint32(p, indices[i], true);
    out.set(before, p);
    out.set(after, p + n);
  }
  view.setUint32(5, fnv1a(out, RECORD_HEADER_BYTES, out.length), true);
  return out;
}

/** A whole log: the magic followed by the records. */
export function encodeJournalLog(records: readonly JournalRecord[]): Uint8Array {
  const parts = records.map(encodeJournalRecord);
  const out = new Uint8Array(JOURNAL_LOG_MAGIC.length + parts.reduce((a, p) => a + p.length, 0));
  out.set(JOURNAL_LOG_MAGIC, 0);
  let p = JOURNAL_LOG_MAGIC.length;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

export interface DecodedJournalLog {
  records: JournalRecord[];
  /** Bytes up to the end of the last complete record. */
  validBytes: number;
  /** Bytes after it (a record torn by a crash, or garbage): 0 for a clean log. */
  tornBytes: number;
}

/** Reads a log; throws RangeError only when the file is not a journal log at all. */
export function decodeJournalLog(bytes: Uint8Array): DecodedJournalLog {
  if (bytes.length < JOURNAL_LOG_MAGIC.length || JOURNAL_LOG_MAGIC.some((m, i) => bytes[i] !== m)) throw new RangeError('not an OPAL edit journal log');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: JournalRecord[] = [];
  let p = JOURNAL_LOG_MAGIC.length;
  while (p + RECORD_HEADER_BYTES <= bytes.length) {
    const kind = KIND_OF_CODE[bytes[p]];
    const payloadBytes = view.getUint32(p + 1, true);
    const start = p + RECORD_HEADER_BYTES;
    const end = start + payloadBytes;
    if (!kind || end > bytes.length || fnv1a(bytes, start, end) !== view.getUint32(p + 5, true)) break;
    if (kind === 'edit') {
      if (payloadBytes < 4) break;
      const n = view.getUint32(start, true);
      if (payloadBytes !== 4 + n * 6) break;
      const indices = new Uint32Array(n);
      for (let i = 0, q = start + 4; i < n; i++, q += 4) indices[i] = view.getUint32(q, true);
      const b = start + 4 + n * 4;
      const diff: StrokeDiff = { indices, before: bytes.slice(b, b + n), after: bytes.slice(b + n, b + 2 * n) };
      if (bytes[p] === LUNG_EDIT_CODE) diff.target = 'lungs';
      records.push({ kind, diff });
    } else {
      if (payloadBytes !== 0) break;
      records.push({ kind });
    }
    p = end;
  }
  return { records, validBytes: p, tornBytes: bytes.length - p };
}
