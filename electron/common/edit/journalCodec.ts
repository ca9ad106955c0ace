import { targetOf, type StrokeDiff } from './StrokeRecorder.ts';

/**
 * Binary form of an edit journal, for autosave: magic "OPALJRN1", entry count (u32 LE), then per
 * entry: n (u32 LE), n indices (u32 LE), n before bytes, n after bytes. Exact round trip.
 * The top bit of n marks an edit of the lung labelmap (an entry never holds 2^31 voxels), so a
 * journal written before lung edits existed reads unchanged: every entry edits the infection.
 */
const MAGIC = [0x4f, 0x50, 0x41, 0x4c, 0x4a, 0x52, 0x4e, 0x31];
const LUNG_FLAG = 0x80000000;

export function encodeJournal(entries: readonly StrokeDiff[]): Uint8Array {
  let size = MAGIC.length + 4;
  for (const e of entries) size += 4 + e.indices.length * 6;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  let p = MAGIC.length;
  view.setUint32(p, entries.length, true);
  p += 4;
  for (const e of entries) {
    const n = e.indices.length;
    view.setUint32(p, (targetOf(e) === 'lungs' ? LUNG_FLAG | n : n) >>> 0, true);
    p += 4;
    for (let i = 0; i < n; i++, p += 4) view.setUint32(p, e.indices[i], true);
    out.set(e.before, p);
    p += n;
    out.set(e.after, p);
    p += n;
  }
  return out;
}

export function decodeJournal(bytes: Uint8Array): StrokeDiff[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || MAGIC.some((m, i) => bytes[i] !== m)) throw new RangeError('not an OPAL edit journal');
  let p = MAGIC.length;
  const count = view.getUint32(p, true);
  p += 4;
  const entries: StrokeDiff[] = [];
  for (let e = 0; e < count; e++) {
    if (p + 4 > bytes.length) throw new RangeError('edit journal is truncated');
    const word = view.getUint32(p, true);
    const n = word & ~LUNG_FLAG;
    p += 4;
    if (p + n * 6 > bytes.length) throw new RangeError('edit journal is truncated');
    const indices = new Uint32Array(n);
    for (let i = 0; i < n; i++, p += 4) indices[i] = view.getUint32(p, true);
    const before = bytes.slice(p, p + n);
    p += n;
    const after = bytes.slice(p, p + n);
    p += n;
    entries.push(word & LUNG_FLAG ? { indices, before, after, target: 'lungs' } : { indices, before, after });
  }
  return entries;
}
