import { afterAll, describe, expect, it } from 'vitest';
import { OpalError } from '../../common/errors/index.ts';
import { TransferSyntax, type EncodedFrame } from '../../common/dicom/pixels/frames.ts';
import { DecodePool } from './DecodePool.ts';

/** A 16-bit signed RLE frame (PS3.5 G): two segments (MSB, LSB), each as literal runs of ≤128 bytes. */
function rleFrame(values: Int16Array, rows: number, columns: number): EncodedFrame {
  const planes = [0, 1].map((b) => Array.from(values, (v) => (b === 0 ? (v >> 8) & 0xff : v & 0xff)));
  const segments = planes.map((plane) => {
    const seg: number[] = [];
    for (let i = 0; i < plane.length; i += 128) {
      const run = plane.slice(i, i + 128);
      seg.push(run.length - 1, ...run);
    }
    if (seg.length % 2) seg.push(128);
    return seg;
  });
  const data = new Uint8Array(64 + segments[0].length + segments[1].length);
  const view = new DataView(data.buffer);
  view.setUint32(0, 2, true);
  view.setUint32(4, 64, true);
  view.setUint32(8, 64 + segments[0].length, true);
  data.set(segments[0], 64);
  data.set(segments[1], 64 + segments[0].length);
  return {
    transferSyntaxUid: TransferSyntax.RLELossless,
    rows,
    columns,
    bitsAllocated: 16,
    bitsStored: 16,
    highBit: 15,
    pixelRepresentation: 1,
    samplesPerPixel: 1,
    photometricInterpretation: 'MONOCHROME2',
    data,
  };
}

function ramp(n: number, seed: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => ((i * 37 + seed * 101) % 4000) - 2000);
}

describe('DecodePool', () => {
  const pool = new DecodePool({ size: 2 });
  afterAll(() => pool.close());

  it('decodes compressed frames on two workers at once and keeps their order', async () => {
    const inputs = [0, 1, 2, 3].map((s) => ramp(64 * 64, s));
    const decoded = await pool.decodeAll(inputs.map((v) => rleFrame(v, 64, 64)));
    decoded.forEach((d, i) => {
      expect(d.pixels).toBeInstanceOf(Int16Array);
      expect(d.pixels).toEqual(inputs[i]);
    });
    const stats = pool.getStats();
    expect(stats.workersStarted).toBe(2);
    expect(stats.maxInFlight).toBe(2);
    expect(stats.threadIds).toHaveLength(2);
  });

  it('does not detach the caller’s buffer when it transfers a frame', async () => {
    const frame = rleFrame(ramp(16, 1), 4, 4);
    await pool.decode(frame);
    expect(frame.data.byteLength).toBeGreaterThan(64);
  });

  it('re-throws a worker’s failure as an OpalError with the same code, and keeps working', async () => {
    const bad = rleFrame(ramp(16, 2), 4, 4);
    bad.data[0] = 7; // segment count 7 for one 16-bit sample
    const err = await pool.decode(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpalError);
    expect(err).toMatchObject({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/7 segments/) });
    const good = ramp(16, 3);
    expect((await pool.decode(rleFrame(good, 4, 4))).pixels).toEqual(good);
  });

  it('names an unknown transfer syntax with E_UNSUPPORTED_TS', async () => {
    const frame = { ...rleFrame(ramp(16, 4), 4, 4), transferSyntaxUid: '1.2.840.10008.1.2.4.100' };
    await expect(pool.decode(frame)).rejects.toMatchObject({ code: 'E_UNSUPPORTED_TS', message: expect.stringContaining('1.2.840.10008.1.2.4.100') });
  });

  it('decodes uncompressed frames on the calling thread without starting workers', async () => {
    const local = new DecodePool({ size: 1 });
    const bytes = new Uint8Array([1, 0, 0xff, 0xff, 0, 0x80, 5, 0]);
    const d = await local.decode({ ...rleFrame(ramp(4, 0), 2, 2), transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, data: bytes });
    expect([...d.pixels]).toEqual([1, -1, -32768, 5]);
    expect(local.getStats().workersStarted).toBe(0);
    await local.close();
  });

  it('abandons a frame that exceeds the time limit with E_DECODE_FAILED', async () => {
    const slow = new DecodePool({ size: 1, frameTimeoutMs: 1 });
    await expect(slow.decode(rleFrame(ramp(512 * 512, 5), 512, 512))).rejects.toMatchObject({ code: 'E_DECODE_FAILED', message: expect.stringMatching(/longer than 1 ms/) });
    await slow.close();
  });

  it('rejects frames still waiting when it is closed, and every later frame', async () => {
    const p = new DecodePool({ size: 1 });
    const pending = [p.decode(rleFrame(ramp(64, 6), 8, 8)), p.decode(rleFrame(ramp(64, 7), 8, 8))];
    const settled = Promise.allSettled(pending);
    await p.close();
    for (const r of await settled) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'E_CANCELLED' } });
    await expect(p.decode(rleFrame(ramp(4, 8), 2, 2))).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('refuses a pool size that is not a positive integer', () => {
    expect(() => new DecodePool({ size: 0 })).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
  });
});
