import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchResult, BenchRow, BenchSection } from './BenchSection.ts';
import { parseDicomBytes } from '../../common/dicom/parseDicomBytes.ts';
import { extractFrames } from '../../common/dicom/pixels/extractFrames.ts';
import { TransferSyntax, type EncodedFrame } from '../../common/dicom/pixels/frames.ts';
import { isNativeTransferSyntax } from '../../common/dicom/pixels/decodeNativeFrame.ts';
import { decodeFrame } from '../../main/decode/decodeFrame.ts';
import { DecodePool } from '../../main/decode/DecodePool.ts';
import { encodeFrameJpegLs } from '../../main/decode/encodeFrameJpegLs.ts';
import { encodeFrameJ2k } from '../../main/decode/encodeFrameJ2k.ts';
import { encodeFrameHtj2k } from '../../main/decode/encodeFrameHtj2k.ts';

/** The transfer-syntax copies of one CT image in ../shared/data (see its README), one per codec family. */
const families: [string, string][] = [
  ['uncompressed LE (baseline read)', 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm'],
  ['uncompressed big endian', 'CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm'],
  ['RLE lossless (TS)', 'CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm'],
  ['JPEG baseline 8-bit (libjpeg-turbo)', 'CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm'],
  ['JPEG extended 12-bit (OPAL TS)', 'CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm'],
  ['JPEG progressive 12-bit (OPAL TS)', 'CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm'],
  ['JPEG lossless SV1 (jpeg-lossless-decoder-js)', 'CTImage.dcm_JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm'],
  ['JPEG-LS lossless (CharLS)', 'CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm'],
  ['JPEG-LS near-lossless (CharLS)', 'CTImage.dcm_JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm'],
  ['JPEG 2000 lossless (OpenJPEG)', 'CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm'],
  ['JPEG 2000 lossy (OpenJPEG)', 'CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm'],
  ['HTJ2K RGB 640x480 (OpenJPH)', 'HTJ2K_08_RGB.dcm'],
];

function sharedTransferSyntaxDir(): string | undefined {
  const repoRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
  const root = process.env.OPAL_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
  const dir = join(root, 'dicom', 'transfer-syntaxes');
  return existsSync(dir) ? dir : undefined;
}

/** The first encoded frame of a file, parsed exactly as the loader parses it. */
function readFirstFrame(path: string): EncodedFrame {
  const parsed = parseDicomBytes(new Uint8Array(readFileSync(path)), { source: path });
  return extractFrames(parsed.dataSet, parsed.transferSyntaxUid)[0];
}

/** A 512x512 CT-like slice (air, body disc with texture, a denser spine) for runs without ../shared. */
function syntheticSlice(): Int16Array {
  const n = 512;
  let seed = 12345;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % 41) - 20;
  return Int16Array.from({ length: n * n }, (_, i) => {
    const x = (i % n) - 256;
    const y = Math.floor(i / n) - 256;
    if (x * x + (y * 1.4) ** 2 > 220 ** 2) return -1024 + noise();
    if (x * x + (y - 120) ** 2 < 30 ** 2) return 700 + noise();
    if ((Math.abs(x) - 100) ** 2 + (y * 0.8) ** 2 < 80 ** 2) return -850 + noise();
    return 40 + noise();
  });
}

const frameFields = { rows: 512, columns: 512, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1 as const, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' };

function decodedBytes(f: EncodedFrame): number {
  return f.rows * f.columns * f.samplesPerPixel * (f.bitsAllocated <= 8 ? 1 : f.bitsAllocated / 8);
}

/** Repeats `work` until `minMs` have passed (at least 3 times) and returns ms per call. */
async function timePerCall(work: () => unknown, minMs: number): Promise<number> {
  await work(); // warm-up: WASM instantiation, JIT
  let n = 0;
  const t0 = performance.now();
  while (n < 3 || performance.now() - t0 < minMs) {
    await work();
    n++;
  }
  return (performance.now() - t0) / n;
}

const mbPerS = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

export const decodeBench: BenchSection = {
  name: 'decode',
  description: 'pixel decoding throughput per transfer syntax, one thread vs the worker pool, against memcpy and an uncompressed read of the same image',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const minMs = ctx.quick ? 100 : 400;
    const poolFrames = ctx.quick ? 8 : 32;
    const seriesSlices = ctx.quick ? 30 : 300;
    const dir = sharedTransferSyntaxDir();
    const inputs: [string, EncodedFrame][] = [];
    let source: Int16Array;
    if (dir) {
      for (const [label, file] of families) if (existsSync(join(dir, file))) inputs.push([label, readFirstFrame(join(dir, file))]);
      source = new Int16Array((await decodeFrame(inputs[0][1])).pixels);
    } else {
      ctx.log('../shared/data absent: benchmarking a synthetic 512x512 slice encoded here (JPEG-LS, JPEG 2000)');
      source = syntheticSlice();
      inputs.push(['uncompressed LE (baseline read)', { ...frameFields, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, data: new Uint8Array(source.buffer.slice(0)) }]);
    }
    const jls = await encodeFrameJpegLs({ pixels: source, rows: 512, columns: 512 });
    const j2k = await encodeFrameJ2k({ pixels: source, rows: 512, columns: 512 });
    const htj2k = await encodeFrameHtj2k({ pixels: source, rows: 512, columns: 512 });
    if (!dir) {
      inputs.push(['JPEG-LS lossless (CharLS), encoded here', { ...frameFields, transferSyntaxUid: TransferSyntax.JPEGLSLossless, data: jls }]);
      inputs.push(['JPEG 2000 lossless (OpenJPEG), encoded here', { ...frameFields, transferSyntaxUid: TransferSyntax.JPEG2000Lossless, data: j2k }]);
    }
    inputs.push(['HTJ2K lossless CT (OpenJPH), encoded here', { ...frameFields, transferSyntaxUid: TransferSyntax.HTJ2KLossless, data: htj2k }]);

    // Baseline 1: memcpy of one decoded frame's bytes.
    const frameBytes = 512 * 512 * 2;
    const copySource = new Uint8Array(source.buffer, source.byteOffset, frameBytes);
    const copyTarget = new Uint8Array(frameBytes);
    const memcpyMs = await timePerCall(() => copyTarget.set(copySource), minMs);
    const memcpyMbS = mbPerS(frameBytes, memcpyMs);
    ctx.log(`memcpy ${memcpyMbS.toFixed(0)} MB/s`);

    const pool = new DecodePool();
    const rows: BenchRow[] = [{ syntax: 'memcpy of the decoded bytes (baseline)', 'compressed KB': (frameBytes / 1024).toFixed(0), 'ms/frame': memcpyMs, 'MB/s 1 thread': memcpyMbS, [`MB/s pool(${pool.size})`]: '', 'pool ÷ 1 thread': '', 'time × memcpy': 1 }];
    let uncompressedMbS = 0;
    try {
      for (const [label, frame] of inputs) {
        ctx.log(`${label}…`);
        const bytes = decodedBytes(frame);
        const ms = await timePerCall(() => decodeFrame(frame), minMs);
        const single = mbPerS(bytes, ms);
        if (label.startsWith('uncompressed LE')) uncompressedMbS = single;
        let poolMbS: number | string = 'bypass';
        if (!isNativeTransferSyntax(frame.transferSyntaxUid)) {
          await pool.decodeAll(Array.from({ length: pool.size }, () => frame)); // start workers, load codecs
          const t0 = performance.now();
          await pool.decodeAll(Array.from({ length: poolFrames }, () => frame));
          poolMbS = mbPerS(bytes * poolFrames, performance.now() - t0);
        }
        rows.push({
          syntax: label,
          'compressed KB': (frame.data.length / 1024).toFixed(0),
          'ms/frame': ms,
          'MB/s 1 thread': single,
          [`MB/s pool(${pool.size})`]: poolMbS,
          'pool ÷ 1 thread': typeof poolMbS === 'number' ? poolMbS / single : '',
          'time × memcpy': memcpyMbS / single,
        });
      }

      // A JPEG-LS copy of a whole series through the pool, the way a compressed study loads.
      ctx.log('whole series through the pool…');
      const jlsFrame: EncodedFrame = { ...frameFields, transferSyntaxUid: TransferSyntax.JPEGLSLossless, data: jls };
      const j2kFrame: EncodedFrame = { ...frameFields, transferSyntaxUid: TransferSyntax.JPEG2000Lossless, data: j2k };
      // JPEG 2000 decodes ~10x slower than JPEG-LS: a fifth of the slices keeps the run short.
      const series: [string, EncodedFrame, number][] = [
        [`${seriesSlices} x 512² JPEG-LS series, pool`, jlsFrame, seriesSlices],
        [`${seriesSlices / 5} x 512² JPEG 2000 series, pool`, j2kFrame, seriesSlices / 5],
        [`${seriesSlices} x 512² HTJ2K series, pool`, { ...frameFields, transferSyntaxUid: TransferSyntax.HTJ2KLossless, data: htj2k }, seriesSlices],
      ];
      for (const [label, frame, slices] of series) {
        const t0 = performance.now();
        await pool.decodeAll(Array.from({ length: slices }, () => frame));
        const ms = performance.now() - t0;
        const mbs = mbPerS(frameBytes * slices, ms);
        rows.push({ syntax: label, 'compressed KB': ((frame.data.length * slices) / 1024).toFixed(0), 'ms/frame': ms / slices, 'MB/s 1 thread': '', [`MB/s pool(${pool.size})`]: mbs, 'pool ÷ 1 thread': '', 'time × memcpy': memcpyMbS / mbs });
      }
    } finally {
      await pool.close();
    }
    const rssMb = process.resourceUsage().maxRSS / 1024;
    return {
      title: 'Pixel decoding (MB/s of decoded stored values)',
      rows,
      notes: [
        dir ? `input: ../shared/data/dicom/transfer-syntaxes (one 512x512 CT image in each syntax; HTJ2K is a 640x480 RGB sample)` : 'input: synthetic 512x512 slice (../shared/data absent)',
        `pool: ${pool.size} worker threads (min(availableParallelism ${availableParallelism()}, 4)); ${poolFrames} frames per pool row after a warm-up; uncompressed frames bypass the pool`,
        `uncompressed read ${uncompressedMbS.toFixed(0)} MB/s vs memcpy ${memcpyMbS.toFixed(0)} MB/s in this run; peak RSS ${rssMb.toFixed(0)} MB`,
        `1-minute load average at the end: ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores (timings scale with it)`,
      ],
    };
  },
};
