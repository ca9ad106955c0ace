/**
 * The labelmaps an edit journal starts from (the "base": the model's output, an imported mask, or
 * an earlier state folded in by compaction), as one binary blob for the autosave and the project
 * file. Layout: magic "OPALBASE" (8 bytes), header length (u32 LE), header (UTF-8 JSON: `meta`, the
 * voxel count and the names of the arrays that follow), then each array's bytes (one byte per
 * voxel). Exact round trip; compression is the writer's business.
 */
export const SNAPSHOT_MAGIC = Uint8Array.from([0x4f, 0x50, 0x41, 0x4c, 0x42, 0x41, 0x53, 0x45]);

/** lungEditedMask: voxels a lung stroke touched (snapshots written before lung edits existed have none). */
export const SNAPSHOT_ARRAYS = ['infection', 'lungs', 'confidence', 'modelInfection', 'editedMask', 'lungEditedMask'] as const;
export type SnapshotArrayName = (typeof SNAPSHOT_ARRAYS)[number];

export interface LabelmapSnapshot<Meta = unknown> {
  voxels: number;
  meta: Meta;
  /** Labels by name; an absent array is absent (e.g. no lungs before the model ran). */
  arrays: Partial<Record<SnapshotArrayName, Uint8Array>>;
}

export function encodeLabelmapSnapshot<Meta>(s: LabelmapSnapshot<Meta>): Uint8Array {
  const names = SNAPSHOT_ARRAYS.filter((n) => s.arrays[n]);
  for (const n of names) if (s.arrays[n]!.length !== s.voxels) throw new RangeError(`snapshot array ${n} has ${s.arrays[n]!.length} voxels, not ${s.voxels}`);
  const header = utf8Encode(JSON.stringify({ voxels: s.voxels, arrays: names, meta: s.meta }));
  const out = new Uint8Array(SNAPSHOT_MAGIC.length + 4 + header.length + names.length * s.voxels);
  out.set(SNAPSHOT_MAGIC, 0);
  new DataView(out.buffer).setUint32(SNAPSHOT_MAGIC.length, header.length, true);
  out.set(header, SNAPSHOT_MAGIC.length + 4);
  let p = SNAPSHOT_MAGIC.length + 4 + header.length;
  for (const n of names) {
    out.set(s.arrays[n]!, p);
    p += s.voxels;
  }
  return out;
}

export function decodeLabelmapSnapshot<Meta = unknown>(bytes: Uint8Array): LabelmapSnapshot<Meta> {
  if (bytes.length < SNAPSHOT_MAGIC.length + 4 || SNAPSHOT_MAGIC.some((m, i) => bytes[i] !== m)) throw new RangeError('not an OPAL labelmap snapshot');
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(SNAPSHOT_MAGIC.length, true);
  const start = SNAPSHOT_MAGIC.length + 4;
  if (start + headerBytes > bytes.length) throw new RangeError('labelmap snapshot is truncated');
  const header = JSON.parse(utf8Decode(bytes.subarray(start, start + headerBytes))) as { voxels: number; arrays: string[]; meta: Meta };
  const names = header.arrays.filter((n): n is SnapshotArrayName => (SNAPSHOT_ARRAYS as readonly string[]).includes(n));
  if (names.length !== header.arrays.length || !Number.isInteger(header.voxels) || header.voxels < 0) throw new RangeError('labelmap snapshot header is invalid');
  let p = start + headerBytes;
  if (p + names.length * header.voxels !== bytes.length) throw new RangeError('labelmap snapshot is truncated');
  const arrays: LabelmapSnapshot['arrays'] = {};
  for (const n of names) {
    arrays[n] = bytes.slice(p, p + header.voxels);
    p += header.voxels;
  }
  return { voxels: header.voxels, meta: header.meta, arrays };
}

// (electron/common has neither DOM nor Node types: no TextEncoder here.)
function utf8Encode(text: string): Uint8Array {
  const binary = unescape(encodeURIComponent(text));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function utf8Decode(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return decodeURIComponent(escape(binary));
}
