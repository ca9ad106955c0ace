import { describe, expect, it } from 'vitest';
import { decodeJournalLog, encodeJournalLog, encodeJournalRecord, type JournalRecord } from './journalLog.ts';
import { decodeLabelmapSnapshot, encodeLabelmapSnapshot } from './labelmapSnapshot.ts';

const edit = (indices: number[], before: number[], after: number[]): JournalRecord => ({
  kind: 'edit',
  diff: { indices: Uint32Array.from(indices), before: Uint8Array.from(before), after: Uint8Array.from(after) },
});

describe('append-only journal log', () => {
  const records: JournalRecord[] = [edit([1, 5, 9], [0, 0, 1], [1, 2, 0]), { kind: 'undo' }, { kind: 'redo' }, edit([70000], [2], [0])];

  it('round-trips edits, undos and redos exactly', () => {
    const log = decodeJournalLog(encodeJournalLog(records));
    expect(log.tornBytes).toBe(0);
    expect(log.records).toEqual(records);
  });

  it('a log is its header followed by the records appended one by one', () => {
    const whole = encodeJournalLog(records);
    const appended = Buffer.concat([Buffer.from(encodeJournalLog([])), ...records.map((r) => Buffer.from(encodeJournalRecord(r)))]);
    expect(Buffer.compare(Buffer.from(whole), appended)).toBe(0);
  });

  it('stops at a torn or corrupted last record and reports the bytes it left', () => {
    const whole = encodeJournalLog(records);
    for (const cut of [1, 5, 9, 12]) {
      const log = decodeJournalLog(whole.subarray(0, whole.length - cut));
      expect(log.records).toEqual(records.slice(0, 3));
      expect(log.validBytes + log.tornBytes).toBe(whole.length - cut);
    }
    const flipped = whole.slice();
    flipped[flipped.length - 1] ^= 0xff; // a zero-filled or garbled tail fails the checksum
    expect(decodeJournalLog(flipped).records).toEqual(records.slice(0, 3));
    expect(() => decodeJournalLog(new Uint8Array(20))).toThrow(RangeError);
  });
});

describe('labelmap snapshot', () => {
  it('round-trips the arrays and the metadata (non-ASCII text included)', () => {
    const infection = Uint8Array.from([0, 1, 2, 0]);
    const lungs = Uint8Array.from([1, 1, 2, 2]);
    const s = decodeLabelmapSnapshot(encodeLabelmapSnapshot({ voxels: 4, meta: { series: 'Thorax – Lunge ü' }, arrays: { infection, lungs } }));
    expect(s).toEqual({ voxels: 4, meta: { series: 'Thorax – Lunge ü' }, arrays: { infection, lungs } });
    const bytes = encodeLabelmapSnapshot({ voxels: 4, meta: {}, arrays: { infection } });
    expect(() => decodeLabelmapSnapshot(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
  });
});
