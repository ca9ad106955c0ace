/**
 * Review montage: runs the whole engine on a CT (a DICOM folder or file, or a NIfTI) and writes a PNG
 * of its axial slices in the lung window with the lung masks outlined (right blue, left green) and
 * the infection filled (ground-glass yellow, consolidation red), plus the measurements as JSON. It is
 * how a person checks what the engine does on real CT, the way a radiologist would look at it.
 *
 *   node --import tsx electron/cli/tools/reviewMontage.ts <ct-path> --out DIR [--stack N]
 *        [--every K] [--columns C] [--tile PX] [--model NAME]
 *
 * `--stack N` repeats a single-slice input N times along z (5 mm apart) so the 3-D steps of the
 * engine run on it (the covid-ny-sbu slices are single images). `--each-file` treats every DICOM
 * file of a folder as its own (stacked) study and shows one tile per file.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { closeInferenceService } from '../../main/inference/InferenceService.ts';
import { makeFolder } from '../../main/fs/makeFolder.ts';
import { loadVolumeFromPath } from '../../main/studies/loadVolume.ts';
import { segmentStudy } from '../../main/segmentation/segmentStudy.ts';
import type { Volume } from '../../common/volume/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    stack: { type: 'string' },
    every: { type: 'string' },
    columns: { type: 'string' },
    tile: { type: 'string' },
    model: { type: 'string' },
    name: { type: 'string' },
    'each-file': { type: 'boolean' },
  },
});
const input = positionals[0];
if (!input || !values.out) {
  process.stderr.write('usage: reviewMontage.ts <ct-path> --out DIR [--stack N] [--every K] [--columns C] [--tile PX]\n');
  process.exit(2);
}
const outDir = resolve(values.out);
await makeFolder(outDir);
const name = values.name ?? basename(input).replace(/\.(dcm|nii|nii\.gz)$/i, '');

interface Tile {
  label: string;
  volume: Volume;
  lungs: Uint8Array;
  infection: Uint8Array;
  k: number;
}
const tiles: Tile[] = [];
const stack = Number(values.stack ?? 1);
const summaries: Record<string, unknown>[] = [];
const inputs = values['each-file']
  ? readdirSync(resolve(input))
      .filter((f) => f.toLowerCase().endsWith('.dcm'))
      .sort()
      .map((f) => join(resolve(input), f))
  : [resolve(input)];
for (const path of inputs) {
  let volume: Volume = (await loadVolumeFromPath(path)).volume;
  if (stack > 1 && volume.dims[2] === 1) volume = stackSlice(volume, stack, 5);
  const result = await segmentStudy(volume, { model: values.model, threads: 2 });
  const m = result.measurements;
  const label = basename(path).replace(/\.(dcm|nii|nii\.gz)$/i, '');
  summaries.push({ study: label, measurements: m, postprocess: result.postprocess, warnings: result.warnings });
  process.stdout.write(
    `${label}: lungs ${m.lungs.totalVolumeMl.toFixed(1)} mL (R ${m.lungs.right.volumeMl.toFixed(1)}, L ${m.lungs.left.volumeMl.toFixed(1)}), ` +
      `infection ${m.infection.totalMl.toFixed(1)} mL (GGO ${m.infection.groundGlassMl.toFixed(1)}, cons ${m.infection.consolidationMl.toFixed(1)}), ` +
      `lesions ${m.infection.lesionCount}, severity ${m.severity.total}/30\n`,
  );
  if (result.postprocess) process.stdout.write(`  postprocess ${JSON.stringify(result.postprocess)}\n`);
  for (const w of result.warnings) process.stdout.write(`  warning ${w.code}: ${w.message}\n`);
  const [nx, ny, nz] = volume.dims;
  const sliceSize = nx * ny;
  if (values['each-file']) {
    tiles.push({ label, volume, lungs: result.lungs, infection: result.infection, k: Math.floor(nz / 2) });
    continue;
  }
  const lungSlices: number[] = [];
  for (let k = 0; k < nz; k++) {
    for (let p = k * sliceSize; p < (k + 1) * sliceSize; p++) {
      if (result.lungs[p] !== 0) {
        lungSlices.push(k);
        break;
      }
    }
  }
  const every = Number(values.every ?? Math.max(1, Math.ceil(lungSlices.length / 24)));
  // Superior first, as a radiologist pages through an axial stack.
  const shown = lungSlices.filter((_, i) => i % every === 0);
  if (volume.direction[8] >= 0) shown.reverse();
  for (const k of shown) tiles.push({ label, volume, lungs: result.lungs, infection: result.infection, k });
}
await closeInferenceService();
writeFileSync(join(outDir, `${name}.measurements.json`), JSON.stringify(summaries, null, 2) + '\n');

const columns = Number(values.columns ?? Math.min(6, Math.max(1, tiles.length)));
const tile = Number(values.tile ?? 256);
const rows = Math.max(1, Math.ceil(tiles.length / columns));
const png = new PNG({ width: columns * tile, height: rows * tile });
png.data.fill(0);
tiles.forEach((t, s) => {
  const [nx, ny] = t.volume.dims;
  const sliceSize = nx * ny;
  const ox = (s % columns) * tile;
  const oy = Math.floor(s / columns) * tile;
  for (let ty = 0; ty < tile; ty++) {
    const y = Math.min(ny - 1, Math.floor((ty * ny) / tile));
    for (let tx = 0; tx < tile; tx++) {
      const x = Math.min(nx - 1, Math.floor((tx * nx) / tile));
      const v = t.k * sliceSize + y * nx + x;
      // Lung window W1500 / L-600.
      const g = Math.max(0, Math.min(255, ((Number(t.volume.voxels[v]) + 1350) / 1500) * 255));
      let [r, gg, b] = [g, g, g];
      const inf = t.infection[v];
      if (inf === 1) [r, gg, b] = [0.5 * g + 127, 0.5 * g + 127, 0.5 * g];
      else if (inf === 2) [r, gg, b] = [0.5 * g + 127, 0.5 * g, 0.5 * g];
      const lung = t.lungs[v];
      if (lung !== 0 && isEdge(t.lungs, v, x, y, nx, ny, lung)) {
        [r, gg, b] = lung === 1 ? [40, 120, 255] : [40, 220, 60];
      }
      const o = ((oy + ty) * png.width + ox + tx) * 4;
      png.data[o] = r;
      png.data[o + 1] = gg;
      png.data[o + 2] = b;
      png.data[o + 3] = 255;
    }
  }
});
const pngPath = join(outDir, `${name}.montage.png`);
writeFileSync(pngPath, PNG.sync.write(png));
process.stdout.write(`montage: ${pngPath} (${tiles.length} tiles: ${tiles.map((t) => `${t.label}@${t.k}`).join(' ')})\n`);

function isEdge(lungs: Uint8Array, v: number, x: number, y: number, w: number, h: number, label: number): boolean {
  return (
    x === 0 || y === 0 || x === w - 1 || y === h - 1 ||
    lungs[v - 1] !== label || lungs[v + 1] !== label || lungs[v - w] !== label || lungs[v + w] !== label
  );
}

function stackSlice(v: Volume, copies: number, spacingMm: number): Volume {
  const size = v.dims[0] * v.dims[1];
  const Ctor = v.voxels.constructor as new (n: number) => typeof v.voxels;
  const voxels = new Ctor(size * copies);
  for (let k = 0; k < copies; k++) voxels.set(v.voxels.subarray(0, size) as never, k * size);
  return {
    ...v,
    dims: [v.dims[0], v.dims[1], copies],
    spacingMm: [v.spacingMm[0], v.spacingMm[1], spacingMm],
    voxels,
    meta: { ...v.meta, sopInstanceUids: undefined },
  };
}
