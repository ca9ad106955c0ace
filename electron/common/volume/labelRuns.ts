/**
 * Run-length form of a labelmap, for sending it to the renderer. A labelmap is mostly background:
 * the infection of a 512×512×300 study is 78 MB raw but a few hundred kB as runs, so the preview
 * overlay reaches the screen without pushing 78 MB through the transport while the model still runs.
 *
 * Layout (little-endian): u32 voxel count, u32 run count n, n × u32 run lengths, n × u8 values.
 * Lengths come first so that they stay 4-byte aligned.
 */
const HEADER_BYTES = 8;

export function encodeLabelRuns(labels: Uint8Array): Uint8Array {
  let lengths = new Uint32Array(1024);
  let values = new Uint8Array(1024);
  let n = 0;
  const total = labels.length;
  let i = 0;
  while (i < total) {
    const v = labels[i];
    let j = i + 1;
    while (j < total && labels[j] === v) j++;
    if (n === lengths.length) {
      const l2 = new Uint32Array(n * 2);
      l2.set(lengths);
      lengths = l2;
      const v2 = new Uint8Array(n * 2);
      v2.set(values);
      values = v2;
    }
    lengths[n] = j - i;
    values[n] = v;
    n++;
    i = j;
  }
  const out = new Uint8Array(HEADER_BYTES + n * 5);
  const view = new DataView(out.buffer);
  view.setUint32(0, total, true);
  view.setUint32(4, n, true);
  // Lengths as little-endian u32: copy through a Uint32Array when the platform is little-endian (all
  // platforms OPAL ships on), else write them one by one.
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) out.set(new Uint8Array(lengths.buffer, 0, n * 4), HEADER_BYTES);
  else for (let r = 0; r < n; r++) view.setUint32(HEADER_BYTES + r * 4, lengths[r], true);
  out.set(values.subarray(0, n), HEADER_BYTES + n * 4);
  return out;
}

/** The message of a labelmap that holds one value everywhere (e.g. an empty one), without building the labelmap. */
export function uniformLabelRuns(voxels: number, value = 0): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + (voxels > 0 ? 5 : 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, voxels, true);
  view.setUint32(4, voxels > 0 ? 1 : 0, true);
  if (voxels > 0) {
    view.setUint32(HEADER_BYTES, voxels, true);
    out[HEADER_BYTES + 4] = value;
  }
  return out;
}

/** The runs of an encoded labelmap, checked: a corrupt or truncated message throws RangeError. */
function readRuns(runs: Uint8Array): { total: number; lengths: (r: number) => number; values: Uint8Array; n: number } {
  if (runs.byteLength < HEADER_BYTES) throw new RangeError('label runs: shorter than the header');
  const view = new DataView(runs.buffer, runs.byteOffset, runs.byteLength);
  const total = view.getUint32(0, true);
  const n = view.getUint32(4, true);
  if (runs.byteLength !== HEADER_BYTES + n * 5) throw new RangeError(`label runs: ${runs.byteLength} bytes for ${n} runs`);
  return { total, n, lengths: (r) => view.getUint32(HEADER_BYTES + r * 4, true), values: runs.subarray(HEADER_BYTES + n * 4) };
}

/** The labelmap a message encodes (tests, and callers that want a fresh array). */
export function decodeLabelRuns(runs: Uint8Array): Uint8Array {
  const { total, n, lengths, values } = readRuns(runs);
  const out = new Uint8Array(total);
  let at = 0;
  for (let r = 0; r < n; r++) {
    const len = lengths(r);
    if (at + len > total) throw new RangeError('label runs: longer than the labelmap');
    if (values[r] !== 0) out.fill(values[r], at, at + len);
    at += len;
  }
  if (at !== total) throw new RangeError('label runs: shorter than the labelmap');
  return out;
}

/**
 * Writes an encoded labelmap into `target` in place and returns the slices (k, ascending) whose
 * labels changed, so that only those are uploaded to the GPU. `target` is unchanged when the
 * message does not fit it (RangeError).
 */
export function applyLabelRuns(target: Uint8Array, runs: Uint8Array, sliceSize: number): number[] {
  const { total, n, lengths, values } = readRuns(runs);
  if (total !== target.length) throw new RangeError(`label runs: ${total} voxels for a labelmap of ${target.length}`);
  let sum = 0;
  for (let r = 0; r < n; r++) sum += lengths(r);
  if (sum !== total) throw new RangeError('label runs: lengths do not add up to the labelmap');
  const changed = new Uint8Array(Math.ceil(total / sliceSize));
  const words = target.byteOffset % 4 === 0 ? new Uint32Array(target.buffer, target.byteOffset, target.byteLength >> 2) : null;
  let at = 0;
  for (let r = 0; r < n; r++) {
    const end = at + lengths(r);
    const v = values[r];
    // Slice by slice, so that a long background run marks only the slices that really change.
    for (let i = at; i < end; ) {
      const k = Math.floor(i / sliceSize);
      const sliceEnd = Math.min(end, (k + 1) * sliceSize);
      if (!changed[k] && differs(target, words, i, sliceEnd, v)) changed[k] = 1;
      if (changed[k]) target.fill(v, i, sliceEnd);
      i = sliceEnd;
    }
    at = end;
  }
  const out: number[] = [];
  for (let k = 0; k < changed.length; k++) if (changed[k]) out.push(k);
  return out;
}

/** Whether any of target[from, to) differs from v; four voxels per comparison where aligned (the hot loop of a preview). */
function differs(target: Uint8Array, words: Uint32Array | null, from: number, to: number, v: number): boolean {
  let x = from;
  if (words) {
    while (x < to && (x & 3) !== 0) if (target[x++] !== v) return true;
    const word = v * 0x01010101;
    const lastWord = to >> 2;
    for (let q = x >> 2; q < lastWord; q++) if (words[q] !== word) return true;
    x = Math.max(x, lastWord << 2);
  }
  for (; x < to; x++) if (target[x] !== v) return true;
  return false;
}
