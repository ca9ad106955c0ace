import { describe, expect, it } from 'vitest';
import dicomParser from 'dicom-parser';
import { inflateSync } from 'fflate';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TransferSyntax } from '../../common/dicom/pixels/frames.ts';
import { isValidUid } from '../../common/dicom/write/index.ts';
import { CT_IMAGE_STORAGE_UID, generateChestPhantom } from '../../common/phantom/index.ts';
import { readNiftiFile } from '../nifti/index.ts';
import { phantomSliceFileName, writePhantomSeries } from './writePhantomSeries.ts';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';
import { missing } from '../../../test/fixtures/requireData.ts';

const tempDir = useTempDirs();


const opts = { seed: 3, size: 64, slices: 12 };
const tmp = (): string => tempDir('opal-phantom-');

function parseFile(path: string): dicomParser.DataSet {
  return dicomParser.parseDicom(readFileSync(path));
}

function hasDciodvfy(): boolean {
  return spawnSync('dciodvfy', [], { encoding: 'utf8' }).error === undefined;
}

/** dciodvfy's findings that are errors (it prints "Error - ..." lines); warnings are allowed. */
function dciodvfyErrors(path: string): string[] {
  const r = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^\s*Error/i.test(l));
}

describe('writePhantomSeries', async () => {
  const dir = tmp();
  const result = await writePhantomSeries(dir, opts);
  const phantom = generateChestPhantom(opts);

  it('writes one CT file per slice plus truth.json and the two truth masks', () => {
    expect(result.files).toHaveLength(12);
    expect(result.files[0]).toBe(join(dir, phantomSliceFileName(1)));
    expect(readdirSync(dir).sort()).toEqual([...result.files.map((f) => f.slice(dir.length + 1)), 'truth-infection.nii.gz', 'truth-lungs.nii.gz', 'truth.json'].sort());
  });

  it('gives every slice the CT Image Storage class, its own valid UID and the shared study/series/frame UIDs', () => {
    const sets = result.files.map(parseFile);
    const sops = sets.map((ds) => ds.string('x00080018') as string);
    expect(new Set(sops).size).toBe(12);
    for (const [n, ds] of sets.entries()) {
      expect(isValidUid(sops[n])).toBe(true);
      expect(ds.string('x00020002')).toBe(CT_IMAGE_STORAGE_UID);
      expect(ds.string('x00080016')).toBe(CT_IMAGE_STORAGE_UID);
      expect(ds.string('x00020010')).toBe(TransferSyntax.ExplicitVRLittleEndian);
      expect(ds.string('x0020000e')).toBe(result.seriesInstanceUid);
      expect(ds.string('x0020000d')).toBe(result.studyInstanceUid);
      expect(ds.string('x00200052')).toBe(result.frameOfReferenceUid);
      expect(ds.string('x00100010')).toBe('OPAL^PHANTOM');
      expect(ds.string('x00080060')).toBe('CT');
    }
    expect(new Set([result.seriesInstanceUid, result.studyInstanceUid, result.frameOfReferenceUid, ...sops]).size).toBe(15);
    // The in-memory phantom carries the same UIDs (sopInstanceUids in k order, k = 12 - instance).
    const meta = phantom.volume.meta;
    expect([meta.studyInstanceUid, meta.seriesInstanceUid, meta.frameOfReferenceUid]).toEqual([result.studyInstanceUid, result.seriesInstanceUid, result.frameOfReferenceUid]);
    expect(meta.sopInstanceUids).toEqual([...sops].reverse());
    expect(meta.seriesDescription).toBe(sets[0].string('x0008103e'));
  });

  it('places each slice where the volume says: ImagePositionPatient per slice, InstanceNumber 1 at the top', () => {
    const v = phantom.volume;
    result.files.forEach((file, n) => {
      const ds = parseFile(file);
      const instance = ds.intString('x00200013') as number;
      expect(instance).toBe(n + 1);
      const k = v.dims[2] - instance;
      const ipp = (ds.string('x00200032') as string).split('\\').map(Number);
      expect(ipp[0]).toBeCloseTo(v.originMm[0], 6);
      expect(ipp[1]).toBeCloseTo(v.originMm[1], 6);
      expect(ipp[2]).toBeCloseTo(v.originMm[2] + k * v.spacingMm[2], 6);
      expect(ds.string('x00200037')).toBe('1\\0\\0\\0\\1\\0');
      expect((ds.string('x00280030') as string).split('\\').map(Number)).toEqual([v.spacingMm[1], v.spacingMm[0]]);
      expect(Number(ds.string('x00180050'))).toBeCloseTo(v.spacingMm[2], 6);
    });
  });

  it('stores HU + 1024 as unsigned 12-bit pixels with RescaleIntercept -1024, slope 1, lung window', () => {
    const v = phantom.volume;
    const sliceSize = v.dims[0] * v.dims[1];
    const ds = parseFile(result.files[4]);
    const k = v.dims[2] - 5;
    expect(ds.uint16('x00280100')).toBe(16);
    expect(ds.uint16('x00280101')).toBe(12);
    expect(ds.uint16('x00280103')).toBe(0);
    expect(ds.uint16('x00280010')).toBe(v.dims[1]);
    expect(ds.uint16('x00280011')).toBe(v.dims[0]);
    expect(ds.floatString('x00281052')).toBe(-1024);
    expect(ds.floatString('x00281053')).toBe(1);
    expect(ds.floatString('x00281050')).toBe(-600);
    expect(ds.floatString('x00281051')).toBe(1500);
    const px = ds.elements.x7fe00010;
    const stored = new Uint16Array(Uint8Array.from(ds.byteArray.subarray(px.dataOffset, px.dataOffset + px.length)).buffer);
    const hu = Array.from(stored, (s) => s - 1024);
    expect(hu).toEqual(Array.from(v.voxels.subarray(k * sliceSize, (k + 1) * sliceSize)));
  });

  it('is byte-for-byte identical for the same seed, with other UIDs for another seed', async () => {
    const again = await writePhantomSeries(tmp(), opts);
    expect(again.seriesInstanceUid).toBe(result.seriesInstanceUid);
    expect(readFileSync(again.files[7]).equals(readFileSync(result.files[7]))).toBe(true);
    const other = await writePhantomSeries(tmp(), { ...opts, seed: 4, slices: 2 });
    expect(other.seriesInstanceUid).not.toBe(result.seriesInstanceUid);
    expect(parseFile(other.files[0]).string('x00080018')).not.toBe(parseFile(result.files[0]).string('x00080018'));
  });

  it('writes truth.json and truth masks that match the phantom', async () => {
    const truth = JSON.parse(readFileSync(result.truthPath, 'utf8')) as Record<string, unknown>;
    expect(truth).toEqual({ ...phantom.truth, studyInstanceUid: result.studyInstanceUid, seriesInstanceUid: result.seriesInstanceUid, frameOfReferenceUid: result.frameOfReferenceUid });
    const lungs = await readNiftiFile(result.lungsMaskPath);
    const infection = await readNiftiFile(result.infectionMaskPath);
    for (const [mask, expected] of [[lungs, phantom.lungs], [infection, phantom.infection]] as const) {
      expect(mask.voxels).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(mask.voxels as Uint8Array).equals(Buffer.from(expected))).toBe(true);
      expect(mask.dims).toEqual(phantom.volume.dims);
      mask.originMm.forEach((x, a) => expect(x).toBeCloseTo(phantom.volume.originMm[a], 3));
      mask.direction.forEach((x, a) => expect(x).toBeCloseTo(phantom.volume.direction[a], 6));
      expect(mask.meta.niftiIntentCode).toBe(1002);
    }
  });

  it.skipIf(missing(hasDciodvfy(), 'dciodvfy (dicom3tools)'))('passes dciodvfy (dicom3tools) with no errors, explicit and implicit VR, unsigned and signed pixels', async () => {
    const implicit = await writePhantomSeries(tmp(), { ...opts, slices: 1, transferSyntaxUid: TransferSyntax.ImplicitVRLittleEndian });
    const signed = await writePhantomSeries(tmp(), { ...opts, slices: 1, signedPixels: true });
    for (const f of [result.files[0], result.files[11], implicit.files[0], signed.files[0]]) expect(dciodvfyErrors(f), f).toEqual([]);
    const ds = parseFile(signed.files[0]);
    expect(ds.uint16('x00280103')).toBe(1);
    expect(ds.uint16('x00280101')).toBe(16);
  });

  it('writes the deflated syntax as exactly the explicit VR data set, deflated (dciodvfy here cannot read deflate)', async () => {
    const one = { ...opts, slices: 1 };
    const plain = readFileSync((await writePhantomSeries(tmp(), one)).files[0]);
    const deflated = readFileSync((await writePhantomSeries(tmp(), { ...one, transferSyntaxUid: TransferSyntax.DeflatedExplicitVRLittleEndian })).files[0]);
    const metaEnd = (b: Uint8Array): number => 132 + 12 + new DataView(b.buffer, b.byteOffset).getUint32(140, true);
    const inflated = inflateSync(deflated.subarray(metaEnd(deflated)));
    expect(Buffer.from(inflated).equals(plain.subarray(metaEnd(plain)))).toBe(true);
  });

  it('refuses a compressed transfer syntax with E_BAD_ARGUMENT', async () => {
    await expect(writePhantomSeries(tmp(), { ...opts, slices: 1, transferSyntaxUid: TransferSyntax.JPEG2000Lossless })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });
});
