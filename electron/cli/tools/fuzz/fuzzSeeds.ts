/**
 * The seed inputs of the fuzz harness: real DICOM files from ../shared/data/dicom (every transfer
 * syntax, the malformed samples, a few slices of each real series, DICOMDIRs) and the synthetic
 * phantom (single slices in each syntax it writes, and a small series loaded as a folder).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TransferSyntax } from '../../../common/dicom/pixels/frames.ts';
import { encodePhantomSlice, generateChestPhantom, phantomUids } from '../../../common/phantom/index.ts';
import type { FuzzSeed } from '../../../common/fuzz/mutators.ts';

/** Files larger than this are not used as seeds (the harness keeps many inputs in flight). */
const MAX_SEED_BYTES = 2 * 2 ** 20;

/** Phantom seeds: 64x64 slices in the three syntaxes it writes, and a 4-slice series. */
export function phantomSeeds(): FuzzSeed[] {
  const phantom = generateChestPhantom({ seed: 1, size: 64, slices: 4, profile: 'covid' });
  const uids = phantomUids(phantom);
  const slice = (k: number, ts: string): Uint8Array => encodePhantomSlice(phantom, k, uids, { transferSyntaxUid: ts });
  return [
    { name: 'phantom/explicit', files: [{ name: 'slice.dcm', bytes: slice(1, TransferSyntax.ExplicitVRLittleEndian) }] },
    { name: 'phantom/implicit', files: [{ name: 'slice.dcm', bytes: slice(2, TransferSyntax.ImplicitVRLittleEndian) }] },
    { name: 'phantom/deflate', files: [{ name: 'slice.dcm', bytes: slice(0, TransferSyntax.DeflatedExplicitVRLittleEndian) }] },
    { name: 'phantom/series', files: [0, 1, 2, 3].map((k) => ({ name: `s${k}.dcm`, bytes: slice(k, TransferSyntax.ExplicitVRLittleEndian) })) },
  ];
}

function filesIn(dir: string, take: number): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => !/\.(txt|md|csv|xml)$/i.test(n) && !n.startsWith('LICENSE'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile() && statSync(p).size <= MAX_SEED_BYTES)
    .slice(0, take);
}

/** Real seeds from `dicomDir` (../shared/data/dicom); empty when it is absent. */
export function realSeeds(dicomDir: string): FuzzSeed[] {
  const single = [
    ...filesIn(join(dicomDir, 'transfer-syntaxes'), 100),
    ...filesIn(join(dicomDir, 'malformed'), 100),
    ...filesIn(join(dicomDir, 'lidc-idri-0001'), 2),
    ...filesIn(join(dicomDir, 'covid-ct-md-p001'), 2),
    ...filesIn(join(dicomDir, 'covid-ny-sbu'), 2),
    ...filesIn(join(dicomDir, 'gantry-tilt'), 2),
    ...filesIn(join(dicomDir, 'lung-pet-ct-dx-a0001', 'series2-5mm-kernelL'), 2),
    ...filesIn(join(dicomDir, 'dicomdir'), 3),
  ];
  const seeds: FuzzSeed[] = single.map((p) => ({ name: p.slice(dicomDir.length + 1), files: [{ name: basename(p), bytes: new Uint8Array(readFileSync(p)) }] }));
  const series = filesIn(join(dicomDir, 'lidc-idri-0001'), 3);
  if (series.length === 3) seeds.push({ name: 'lidc-idri-0001/first-3-slices', files: series.map((p) => ({ name: basename(p), bytes: new Uint8Array(readFileSync(p)) })) });
  return seeds;
}
