import { describe, expect, it } from 'vitest';
import { decodeJournal, encodeJournal } from './journalCodec.ts';
import { decodeJournalLog, encodeJournalLog, encodeJournalRecord, type JournalRecord } from './journalLog.ts';
import { targetOf, type StrokeDiff } from './StrokeRecorder.ts';

const diff = (indices: number[], before: number[], after: number[], target?: 'lungs'): StrokeDiff => ({
  indices: Uint32Array.from(indices),
  before: Uint8Array.from(before),
  after: Uint8Array.from(after),
  ...(target ? { target } : {}),
});

/** FNV-1a, written out again here so the old format is built without the encoder under test. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** A record as journals were written before lung edits existed (kind 1 = edit, 2 = undo, 3 = redo). */
function oldRecord(kind: 1 | 2 | 3, d?: StrokeDiff): Buffer {
  const n = d?.indices.length ?? 0;
  const payload = Buffer.alloc(d ? 4 + 6 * n : 0);
  if (d) {
    payload.writeUInt32LE(n, 0);
    d.indices.forEach((i, k) => payload.writeUInt32LE(i, 4 + 4 * k));
    payload.set(d.before, 4 + 4 * n);
    payload.set(d.after, 4 + 5 * n);
  }
  const head = Buffer.alloc(9);
  head[0] = kind;
  head.writeUInt32LE(payload.length, 1);
  head.writeUInt32LE(fnv1a(payload), 5);
  return Buffer.concat([head, payload]);
}

describe('journal log with lung edits', () => {
  it('replays a journal written before lung edits existed: every edit is an infection edit', () => {
    const a = diff([3, 4, 90], [0, 0, 1], [1, 1, 2]);
    const b = diff([7], [2], [0]);
    const old = Buffer.concat([Buffer.from('OPALJRN2', 'latin1'), oldRecord(1, a), oldRecord(2), oldRecord(3), oldRecord(1, b)]);
    const log = decodeJournalLog(new Uint8Array(old));
    expect(log.tornBytes).toBe(0);
    expect(log.records.map((r) => r.kind)).toEqual(['edit', 'undo', 'redo', 'edit']);
    const edits = log.records.filter((r): r is Extract<JournalRecord, { kind: 'edit' }> => r.kind === 'edit');
    expect(edits.map((r) => targetOf(r.diff))).toEqual(['infection', 'infection']);
    expect(edits.map((r) => [...r.diff.indices])).toEqual([[3, 4, 90], [7]]);
    expect(edits.map((r) => [...r.diff.after])).toEqual([[1, 1, 2], [0]]);
  });

  it('writes an infection edit byte for byte as before, so older readers still read it', () => {
    const a = diff([3, 4, 90], [0, 0, 1], [1, 1, 2]);
    expect(Buffer.from(encodeJournalRecord({ kind: 'edit', diff: a }))).toEqual(oldRecord(1, a));
  });

  it('round-trips lung edits beside infection edits, each with its labelmap', () => {
    const records: JournalRecord[] = [
      { kind: 'edit', diff: diff([10, 11], [0, 0], [1, 1], 'lungs') },
      { kind: 'edit', diff: diff([10], [0], [2]) },
      { kind: 'undo' },
      { kind: 'edit', diff: diff([12], [2], [0], 'lungs') },
    ];
    const bytes = encodeJournalLog(records);
    expect(bytes[8]).toBe(4); // a lung edit's kind
    const log = decodeJournalLog(bytes);
    expect(log.records).toEqual(records);
    expect(log.records.map((r) => (r.kind === 'edit' ? targetOf(r.diff) : r.kind))).toEqual(['lungs', 'infection', 'undo', 'lungs']);
  });

  it('a torn lung record is cut off like any other', () => {
    const records: JournalRecord[] = [{ kind: 'edit', diff: diff([1], [0], [1]) }, { kind: 'edit', diff: diff([2, 3], [0, 0], [2, 2], 'lungs') }];
    const bytes = encodeJournalLog(records);
    expect(decodeJournalLog(bytes.subarray(0, bytes.length - 3)).records).toEqual(records.slice(0, 1));
  });
});

describe('journal codec (OPALJRN1) with lung edits', () => {
  it('reads a journal without lung edits exactly as before and round-trips lung entries', () => {
    const infectionOnly = [diff([0, 5], [0, 1], [2, 2])];
    // Bytes of the old format: magic, count, n, indices, before, after.
    const old = Buffer.concat([Buffer.from('OPALJRN1', 'latin1'), Buffer.from([1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 1, 2, 2])]);
    expect(Buffer.from(encodeJournal(infectionOnly))).toEqual(old);
    expect(decodeJournal(new Uint8Array(old))).toEqual(infectionOnly);
    const mixed = [diff([9], [0], [1], 'lungs'), diff([0, 5], [0, 1], [2, 2])];
    const back = decodeJournal(encodeJournal(mixed));
    expect(back).toEqual(mixed);
    expect(back.map(targetOf)).toEqual(['lungs', 'infection']);
  });
});
