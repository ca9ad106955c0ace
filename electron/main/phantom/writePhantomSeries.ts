import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';
import { makeFolder } from '../fs/makeFolder.ts';
import {
  encodePhantomSlice,
  generateChestPhantom,
  phantomInstanceNumber,
  phantomUids,
  type ChestPhantom,
  type ChestPhantomOptions,
  type PhantomDicomOptions,
  PhantomFinding,
  type PhantomTruth,
} from '../../common/phantom/index.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { writeNiftiFile } from '../nifti/index.ts';

export interface WritePhantomSeriesOptions extends ChestPhantomOptions, PhantomDicomOptions {
  /** Called after each slice file is written (done of total). */
  onProgress?: (done: number, total: number) => void;
}

export interface PhantomSeriesResult {
  /** The slice files, in InstanceNumber order (top slice first). */
  files: string[];
  truthPath: string;
  lungsMaskPath: string;
  infectionMaskPath: string;
  /** truth-effusion.nii.gz (1 = pleural effusion), written only for a profile with one (severe). */
  effusionMaskPath?: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  truth: PhantomTruth;
}

/** File name of a slice: CT000001.dcm for InstanceNumber 1 (the top slice). */
export function phantomSliceFileName(instanceNumber: number): string {
  return `CT${String(instanceNumber).padStart(6, '0')}.dcm`;
}

/**
 * Generates the chest phantom and writes it to `outDir` (created if needed): one CT Image Storage
 * file per slice (CT000001.dcm = top slice), `truth.json` (PhantomTruth), and the truth masks
 * `truth-lungs.nii.gz` (1 right lung, 2 left lung) and `truth-infection.nii.gz` (1 ground-glass
 * opacity, 2 consolidation) on the CT's grid, and for the severe profile `truth-effusion.nii.gz`
 * (1 pleural effusion). Files of the same names are replaced; nothing else in
 * the folder is touched. Pass `phantom` to write one already generated.
 */
export async function writePhantomSeries(outDir: string, opts: WritePhantomSeriesOptions = {}, phantom?: ChestPhantom): Promise<PhantomSeriesResult> {
  const p = phantom ?? generateChestPhantom(opts);
  const uids = phantomUids(p);
  await makeFolder(outDir); // E_WRITE_FAILED (a file in the way, /proc), never Node's recursive-mkdir hang
  const nz = p.volume.dims[2];
  const files: string[] = new Array<string>(nz);
  for (let k = 0; k < nz; k++) {
    const instance = phantomInstanceNumber(p, k);
    const path = join(outDir, phantomSliceFileName(instance));
    const bytes = encodePhantomSlice(p, k, uids, opts);
    try {
      await writeFile(path, bytes);
    } catch (e) {
      throw new OpalError('E_WRITE_FAILED', `Could not write ${path}: ${e instanceof Error ? e.message : String(e)}`, path);
    }
    files[instance - 1] = path;
    opts.onProgress?.(nz - k, nz);
  }
  const truthPath = join(outDir, 'truth.json');
  const lungsMaskPath = join(outDir, 'truth-lungs.nii.gz');
  const infectionMaskPath = join(outDir, 'truth-infection.nii.gz');
  const truth = {
    ...p.truth,
    studyInstanceUid: uids.studyInstanceUid,
    seriesInstanceUid: uids.seriesInstanceUid,
    frameOfReferenceUid: uids.frameOfReferenceUid,
  };
  await writeFileAtomic(truthPath, JSON.stringify(truth, null, 2) + '\n');
  await writeNiftiFile(lungsMaskPath, { ...p.volume, voxels: p.lungs }, { intent: 'label', description: 'OPAL phantom lungs: 1 right, 2 left' });
  await writeNiftiFile(infectionMaskPath, { ...p.volume, voxels: p.infection }, { intent: 'label', description: 'OPAL phantom infection: 1 GGO, 2 consolidation' });
  let effusionMaskPath: string | undefined;
  if (p.findings !== null) {
    effusionMaskPath = join(outDir, 'truth-effusion.nii.gz');
    const effusion = new Uint8Array(p.findings.length);
    for (let n = 0; n < effusion.length; n++) effusion[n] = p.findings[n] === PhantomFinding.Effusion ? 1 : 0;
    await writeNiftiFile(effusionMaskPath, { ...p.volume, voxels: effusion }, { intent: 'label', description: 'OPAL phantom pleural effusion: 1' });
  }
  return {
    files,
    truthPath,
    lungsMaskPath,
    infectionMaskPath,
    ...(effusionMaskPath === undefined ? {} : { effusionMaskPath }),
    studyInstanceUid: uids.studyInstanceUid,
    seriesInstanceUid: uids.seriesInstanceUid,
    frameOfReferenceUid: uids.frameOfReferenceUid,
    truth: p.truth,
  };
}
