import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVolumeFromPath } from '../../electron/main/studies/loadVolume.ts';
import { infoJsonFromScan, type InfoJson } from '../../electron/main/studies/infoReport.ts';
import { scanPath } from '../../electron/main/studies/scan.ts';
import { repoRoot, sharedData, skipNote } from '../fixtures/sharedData.ts';

const dicom = sharedData('dicom');
const python = '/usr/bin/python3';
const reference = join(repoRoot, 'test', 'dicom', 'dicom_reference.py');

function pyRef<T>(kind: 'series' | 'dicomdir', ...paths: string[]): T {
  return JSON.parse(execFileSync(python, [reference, kind, ...paths], { encoding: 'utf8' })) as T;
}

async function info(path: string): Promise<InfoJson> {
  return infoJsonFromScan(await scanPath(path));
}

describe.skipIf(!dicom)(dicom ? 'DICOM acceptance on ../shared/data/dicom' : skipNote('DICOM acceptance'), () => {
  const d = (p: string): string => join(dicom as string, p);

  it('opal info lidc-idri-0001 --json reports one CT series of 133 slices with the spacing and origin pydicom reads', () => {
    const out = execFileSync(process.execPath, [join(repoRoot, 'electron/cli/opal.mjs'), 'info', d('lidc-idri-0001'), '--json'], { encoding: 'utf8' });
    const json = JSON.parse(out) as InfoJson;
    const ref = pyRef<{ count: number; spacingMm: number[]; originMm: number[]; seriesInstanceUids: string[] }>('series', d('lidc-idri-0001'));
    expect(json.series).toHaveLength(1);
    const s = json.series[0];
    expect(s.modality).toBe('CT');
    expect(s.seriesInstanceUid).toBe(ref.seriesInstanceUids[0]);
    expect(s.dims).toEqual([512, 512, ref.count]);
    expect(ref.count).toBe(133);
    s.spacingMm.forEach((v, i) => expect(v).toBeCloseTo(ref.spacingMm[i], 4));
    s.originMm.forEach((v, i) => expect(v).toBeCloseTo(ref.originMm[i], 4));
    expect(s.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(s.transferSyntaxUids).toEqual(['1.2.840.10008.1.2.1']);
    expect(s.warnings).toEqual([]);
    // The XML read and the attribution text are skipped with a reason, nothing else.
    expect(json.skipped.map((x) => [x.path.split('/').pop(), x.code])).toEqual([
      ['069.xml', 'E_NOT_DICOM'],
      ['ATTRIBUTION-LIDC-IDRI.txt', 'E_NOT_DICOM'],
    ]);
  });

  it('gantry-tilt reports its 18.5° tilt and uneven spacing, and refuses to load it', async () => {
    const json = await info(d('gantry-tilt'));
    expect(json.series).toHaveLength(1);
    const s = json.series[0];
    expect(s.gantryTiltDeg).toBeCloseTo(18.5, 3);
    expect(s.loadable).toBe(false);
    const codes = s.warnings.map((w) => w.code);
    expect(codes).toContain('E_GANTRY_TILT');
    expect(codes).toContain('E_UNEVEN_SPACING');
    expect(s.warnings.find((w) => w.code === 'E_GANTRY_TILT')?.message).toMatch(/18\.5°.*sheared by 18\.5°/);
    await expect(loadVolumeFromPath(d('gantry-tilt'))).rejects.toMatchObject({ code: 'E_GANTRY_TILT' });
  });

  it('each DICOMDIR lists exactly the series its records reference', async () => {
    const dir = d('dicomdir');
    const indexes = ['DICOMDIR', 'DICOMDIR-bigEnd', 'DICOMDIR-implicit', 'DICOMDIR-nooffset', 'DICOMDIR-reordered', 'DICOMDIR-nopatient', 'DICOMDIR-empty.dcm'];
    const refs = pyRef<Record<string, { series: string[] }>>('dicomdir', ...indexes.map((n) => join(dir, n)));
    for (const name of indexes) {
      const ref = refs[join(dir, name)];
      const json = await info(join(dir, name));
      expect([...new Set(json.series.map((s) => s.seriesInstanceUid))].sort(), name).toEqual(ref.series);
      expect(json.skipped, name).toEqual([]);
    }
  });

  it('TINY_ALPHA DICOMDIR: its CT instances have no pixels and are each skipped with E_NO_PIXEL_DATA', async () => {
    const json = await info(d('dicomdir/TINY_ALPHA/DICOMDIR'));
    expect(json.series).toEqual([]);
    expect(json.skipped).toHaveLength(50);
    expect(new Set(json.skipped.map((s) => s.code))).toEqual(new Set(['E_NO_PIXEL_DATA']));
  });

  it('lung-pet-ct-dx-a0001 gives two series at the same 64 positions (two kernels), never merged', async () => {
    const json = await info(d('lung-pet-ct-dx-a0001'));
    expect(json.series).toHaveLength(2);
    const [a, b] = json.series;
    expect(a.seriesInstanceUid).not.toBe(b.seriesInstanceUid);
    expect(a.dims).toEqual([512, 512, 64]);
    expect(b.dims).toEqual([512, 512, 64]);
    expect(a.originMm).toEqual(b.originMm);
    expect(new Set([a.convolutionKernel, b.convolutionKernel])).toEqual(new Set(['L', 'B']));
    expect(json.skipped.every((s) => s.code === 'E_NOT_DICOM')).toBe(true);
  });

  it('covid-ny-sbu gives 20 single-slice CT series', async () => {
    const json = await info(d('covid-ny-sbu'));
    expect(json.series).toHaveLength(20);
    expect(json.series.every((s) => s.dims[2] === 1 && s.modality === 'CT' && s.loadable)).toBe(true);
    expect(new Set(json.series.map((s) => s.seriesInstanceUid)).size).toBe(20);
  });

  it('malformed/ gives a coded reason for every file it does not list as a series', async () => {
    const dir = d('malformed');
    const json = await info(dir);
    const listed = new Set(json.series.map((s) => s.seriesInstanceUid));
    expect(listed.size).toBe(json.series.length);
    const skipped = Object.fromEntries(json.skipped.map((s) => [s.path.split('/').pop(), s.code]));
    expect(skipped).toMatchObject({
      'MR_truncated.dcm': 'E_TRUNCATED',
      'rtplan_truncated.dcm': 'E_TRUNCATED',
      'no_meta.dcm': 'E_NOT_DICOM',
      'badVR.dcm': 'E_NOT_DICOM',
      'ExplVR_BigEndNoMeta.dcm': 'E_NO_PIXEL_DATA',
      'ExplVR_LitEndNoMeta.dcm': 'E_NO_PIXEL_DATA',
      'empty_charset_LEI.dcm': 'E_NO_PIXEL_DATA',
      'no_meta_group_length.dcm': 'E_NO_PIXEL_DATA',
      'UN_sequence.dcm': 'E_NO_PIXEL_DATA',
      'meta_missing_tsyntax.dcm': 'E_NO_PIXEL_DATA',
    });
    const files = readdirSync(dir);
    const seriesFiles = json.series.length;
    // Every file is accounted for: one series per image file, one skipped entry otherwise.
    expect(seriesFiles + json.skipped.length).toBe(files.length);
    for (const s of json.skipped) expect(s.message.length).toBeGreaterThan(10);
  });

  it('CT_small.dcm loads into HU and MR_small_padded.dcm loads despite trailing padding', async () => {
    const ct = await loadVolumeFromPath(d('malformed/CT_small.dcm'));
    expect(ct.volume.dims).toEqual([128, 128, 1]);
    expect(ct.volume.voxels).toBeInstanceOf(Int16Array);
    expect(ct.volume.meta.modality).toBe('CT');
    const mr = await loadVolumeFromPath(d('malformed/MR_small_padded.dcm'));
    expect(mr.volume.dims).toEqual([64, 64, 1]);
    expect(mr.volume.meta.modality).toBe('MR');
  });
});
