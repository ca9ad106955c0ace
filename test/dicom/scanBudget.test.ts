/**
 * Issue 17, point 2: no single file can stall a folder. Headers that need a whole read go to worker
 * threads with a per-file time and memory budget (electron/main/studies/scanPool.ts); over budget the
 * file is skipped with E_RESOURCE_LIMIT and the rest of the scan completes. A scan can be cancelled.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deflateBomb } from '../../electron/common/fuzz/mutators.ts';
import { encodeElement, locateElements } from '../../electron/common/fuzz/dicomEdit.ts';
import { scanPath } from '../../electron/main/studies/scan.ts';
import { ScanPool } from '../../electron/main/studies/scanPool.ts';
import { hostileScanFiles } from './hostileFiles.ts';
import { axialSeries, ctSlice } from './syntheticDicom.ts';

const root = mkdtempSync(join(tmpdir(), 'opal-scan-budget-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function folder(files: { name: string; bytes: Uint8Array }[]): string {
  const dir = join(root, `case${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
  return dir;
}

/**
 * A clean slice whose header is longer than the 64 KiB probe (so it is read whole, in a worker):
 * `elements` private elements at the top level, or inside one sequence item (`nested`).
 */
function longHeader(elements: number, nested = false): Uint8Array {
  const clean = ctSlice({ sopUid: '5.5.5', rows: 4, columns: 4 });
  const f = locateElements(clean);
  if (!f) throw new Error('synthetic slice not located');
  const at = f.spans.get('x00080060')?.end ?? 200;
  const parts = Array.from({ length: elements }, (_, k) => encodeElement({ tag: [0x0009, 0x1000 + (k % 0xefff)], vr: 'LO', value: 'x' }, true));
  const flat = new Uint8Array(parts.length * parts[0].length);
  parts.forEach((p, i) => flat.set(p, i * p.length));
  const item = Uint8Array.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
  const close = Uint8Array.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  const seqHead = encodeElement({ tag: [0x0009, 0x0f00], vr: 'SQ', value: new Uint8Array(0), declaredLength: 0xffffffff }, true);
  const block = nested ? new Uint8Array(seqHead.length + item.length + flat.length + close.length) : flat;
  if (nested) {
    block.set(seqHead, 0);
    block.set(item, seqHead.length);
    block.set(flat, seqHead.length + item.length);
    block.set(close, seqHead.length + item.length + flat.length);
  }
  const out = new Uint8Array(clean.length + block.length);
  out.set(clean.subarray(0, at));
  out.set(block, at);
  out.set(clean.subarray(at), at + block.length);
  return out;
}

describe('scan budget: one file cannot stall or exhaust a folder', () => {
  it('skips a file past its time budget with E_RESOURCE_LIMIT and finds the series beside it', async () => {
    const slow = longHeader(40_000);
    const dir = folder([...axialSeries(3), { name: 'slow.dcm', bytes: slow }]);
    const scan = await scanPath(dir, { fileTimeoutMs: 1 });
    expect(scan.series.map((s) => s.summary.dims)).toEqual([[4, 4, 3]]);
    expect(scan.skipped).toEqual([expect.objectContaining({ path: join(dir, 'slow.dcm'), code: 'E_RESOURCE_LIMIT', message: expect.stringContaining('took longer than 0.001 s') })]);
  });

  it('reads the same long header when the budget allows it', async () => {
    const dir = folder([...axialSeries(2), { name: 's2.dcm', bytes: longHeader(10_000) }]);
    const scan = await scanPath(dir);
    expect(scan.skipped).toEqual([]);
    expect(scan.series.flatMap((s) => s.frames.map((f) => f.source)).sort()).toEqual(['s0.dcm', 's1.dcm', 's2.dcm'].map((f) => join(dir, f)));
  });

  it('skips a file whose parsing runs a worker out of its heap with E_RESOURCE_LIMIT', async () => {
    const pool = new ScanPool({ size: 1, heapMb: 8, fileTimeoutMs: 120_000 });
    try {
      const dir = folder([{ name: 'big.dcm', bytes: longHeader(300_000, true) }, ...axialSeries(1)]);
      const big = await pool.scan(join(dir, 'big.dcm'), true);
      expect(big.skipped).toMatchObject({ code: 'E_RESOURCE_LIMIT', message: expect.stringContaining('more than 8 MB') });
      // The pool replaced the worker and goes on.
      const next = await pool.scan(join(dir, 's0.dcm'), true);
      expect(next.frames).toHaveLength(1);
      expect(pool.workersStarted).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('refuses ten hostile files beside a clean series, each with a code, and reads every clean file', async () => {
    const clean = axialSeries(40);
    const hostile = hostileScanFiles(ctSlice({ sopUid: '4.4.4', rows: 64, columns: 64 }));
    const dir = folder([...clean, ...hostile]);
    const scan = await scanPath(dir);
    expect(scan.series.map((s) => s.summary.dims)).toEqual([[4, 4, 40]]);
    expect(scan.skipped.map((s) => s.path.slice(dir.length + 1)).sort()).toEqual(hostile.map((h) => h.name).sort());
    for (const s of scan.skipped) expect(s.code).not.toBe('E_INTERNAL');
  });

  it('a deflate bomb is refused after a few MB of inflation, not at the size limit', async () => {
    const bomb = deflateBomb({ name: 'b.dcm', bytes: ctSlice({ sopUid: '3.3.3', rows: 64, columns: 64 }) }, 2 ** 31);
    const dir = folder([{ name: 'bomb.dcm', bytes: bomb as Uint8Array }]);
    const scan = await scanPath(join(dir, 'bomb.dcm'));
    expect(scan.skipped).toEqual([expect.objectContaining({ code: 'E_TOO_LARGE', message: expect.stringContaining('a deflate bomb') })]);
  });

  it('a scan cancelled while reading stops with E_CANCELLED', async () => {
    const dir = folder([...axialSeries(100), ...Array.from({ length: 8 }, (_, k) => ({ name: `long${k}.dcm`, bytes: longHeader(40_000) }))]);
    const ac = new AbortController();
    let seen = 0;
    const p = scanPath(dir, {
      signal: ac.signal,
      onProgress: (q) => {
        if (q.phase === 'reading' && q.done > 0 && seen++ === 0) ac.abort();
      },
    });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });
});
