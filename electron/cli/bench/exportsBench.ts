/**
 * Bench section "exports": seconds to encode and write each standard export of a 512 x 512 x 300
 * chest CT (quick: 256 x 256 x 60) with lungs and infection, built in code so the numbers do not
 * depend on ../shared. Baseline: writing the same bytes with a plain fs.writeFile (no fsync, no
 * rename), so the ratio shows what encoding and atomic writing cost over raw I/O.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quantify } from '../../common/quant/quantify.ts';
import { InfectionLabel, LungLabel, type Mat3, type Vec3, type Volume } from '../../common/volume/index.ts';
import {
  encodeExports,
  EXPORT_FORMATS,
  writeExports,
  type ExportFormat,
} from '../../main/exports/writeExports.ts';
import type { BenchContext, BenchResult, BenchRow, BenchSection } from './BenchSection.ts';

function syntheticChestWithInfection(
  n: number,
  nz: number,
): { volume: Volume<Int16Array>; lungs: Uint8Array; infection: Uint8Array } {
  const dims: Vec3 = [n, n, nz];
  const spacingMm: Vec3 = [(0.7 * 512) / n, (0.7 * 512) / n, (1.0 * 300) / nz];
  const direction: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const voxels = new Int16Array(n * n * nz).fill(-1000);
  const lungs = new Uint8Array(n * n * nz);
  const infection = new Uint8Array(n * n * nz);
  const c = n / 2;
  for (let k = 0; k < nz; k++) {
    const zf = (k - nz / 2) / (nz / 2);
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const p = i + n * (j + n * k);
        const body = ((i - c) / (0.45 * n)) ** 2 + ((j - c) / (0.35 * n)) ** 2 <= 1;
        if (!body) continue;
        voxels[p] = 40;
        for (const side of [-1, 1]) {
          const lx = c + side * 0.2 * n;
          const r = ((i - lx) / (0.15 * n)) ** 2 + ((j - c) / (0.25 * n)) ** 2 + zf * zf * 0.8;
          if (r <= 1) {
            lungs[p] = side < 0 ? LungLabel.RightLung : LungLabel.LeftLung;
            voxels[p] = -850;
            // Dependent (posterior) infection: GGO rim, consolidation core.
            const post = (j - c) / (0.25 * n);
            if (post > 0.35 && zf > -0.4) {
              infection[p] = post > 0.6 ? InfectionLabel.Consolidation : InfectionLabel.GroundGlassOpacity;
              voxels[p] = post > 0.6 ? 30 : -550;
            }
          }
        }
      }
  }
  const sopInstanceUids = Array.from({ length: nz }, (_, k) => `2.25.1000000000000000000${k + 1}`);
  const volume: Volume<Int16Array> = {
    dims,
    spacingMm,
    originMm: [-c * spacingMm[0], -c * spacingMm[1], -150],
    direction,
    voxels,
    meta: {
      modality: 'CT',
      patientId: 'BENCH',
      patientName: 'Bench^Synthetic',
      studyInstanceUid: '2.25.11',
      seriesInstanceUid: '2.25.12',
      frameOfReferenceUid: '2.25.13',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      sopInstanceUids,
    },
  };
  return { volume, lungs, infection };
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(3));

export const exportsBench: BenchSection = {
  name: 'exports',
  description: 'Encode and atomically write DICOM SEG, NIfTI masks, measurements JSON/CSV and the PDF report',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const [n, nz] = ctx.quick ? [256, 60] : [512, 300];
    ctx.log(`exports: building a ${n}x${n}x${nz} synthetic chest with lungs and infection`);
    const { volume, lungs, infection } = syntheticChestWithInfection(n, nz);
    const measurements = quantify({
      lungs,
      infection,
      dims: volume.dims,
      spacingMm: volume.spacingMm,
      direction: volume.direction,
    });
    const model = {
      name: 'bench-model',
      version: '0.0.0',
      sha256: '0'.repeat(64),
      executionProvider: 'cpu',
      edited: false,
    };
    const rows: BenchRow[] = [];
    let totalEncode = 0;
    let totalWrite = 0;
    let totalRaw = 0;
    for (const format of EXPORT_FORMATS as readonly ExportFormat[]) {
      const req = { volume, lungs, infection, measurements, model, formats: [format] };
      const t0 = performance.now();
      const files = await encodeExports(req);
      const encodeMs = performance.now() - t0;
      const dir = join(ctx.workDir, `exports-${format}`);
      const t1 = performance.now();
      await writeExports(dir, req); // encodes again: subtract the encode time measured above
      const writeMs = Math.max(0, performance.now() - t1 - encodeMs);
      const t2 = performance.now();
      for (const f of files) await writeFile(join(ctx.workDir, `raw-${f.name}`), f.data);
      const rawMs = performance.now() - t2;
      const bytes = files.reduce(
        (a, f) => a + (typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.byteLength),
        0,
      );
      totalEncode += encodeMs;
      totalWrite += writeMs;
      totalRaw += rawMs;
      rows.push({
        format,
        files: files.map((f) => f.name).join(' '),
        'size MB': Number((bytes / 1e6).toFixed(2)),
        'encode s': seconds(encodeMs),
        'atomic write s': seconds(writeMs),
        'raw write s (baseline)': seconds(rawMs),
        'write / raw': rawMs > 0 ? Number((writeMs / rawMs).toFixed(2)) : 0,
      });
      ctx.log(`exports: ${format} encoded in ${seconds(encodeMs)} s, written in ${seconds(writeMs)} s`);
    }
    rows.push({
      format: 'all',
      files: '',
      'size MB': rows.reduce((a, r) => a + Number(r['size MB']), 0),
      'encode s': seconds(totalEncode),
      'atomic write s': seconds(totalWrite),
      'raw write s (baseline)': seconds(totalRaw),
      'write / raw': totalRaw > 0 ? Number((totalWrite / totalRaw).toFixed(2)) : 0,
    });
    return {
      title: `Exports of a ${n}x${n}x${nz} CT (synthetic lungs and infection)`,
      rows,
      notes: [
        'atomic write = temp file + fsync + rename per file, then moved from a staging folder (all or nothing)',
      ],
    };
  },
};
