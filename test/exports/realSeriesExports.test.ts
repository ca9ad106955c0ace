/**
 * The exports on a real CT series (../shared/data/dicom/lidc-idri-0001, 133 slices of 512 x 512),
 * loaded with OPAL's DICOM loader. The masks are simple HU thresholds (this suite checks the
 * export geometry and encoding on real headers, not the segmentation): "lungs" = air-like voxels
 * in the central box, split at the image midline; "GGO" and "consolidation" = HU bands inside them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeDicomSeg, labelmapFromSegments } from '../../electron/common/export/decodeDicomSeg.ts';
import { INFECTION_SEGMENTS, LUNG_SEGMENTS } from '../../electron/common/export/segmentCodes.ts';
import { quantify } from '../../electron/common/quant/quantify.ts';
import { InfectionLabel, LungLabel, type Volume } from '../../electron/common/volume/index.ts';
import { writeExports } from '../../electron/main/exports/writeExports.ts';
import { loadVolumeFromPath } from '../../electron/main/studies/loadVolume.ts';
import { sharedData, skipNote, testOutputDir } from '../fixtures/sharedData.ts';
import { dciodvfy, hasCommand, pythonHas, runPythonJson } from './externalTools.ts';
import { missing } from '../fixtures/requireData.ts';

const seriesDir = sharedData('dicom', 'lidc-idri-0001');
const outDir = testOutputDir('exports-lidc-idri-0001');

interface Loaded {
  volume: Volume;
  lungs: Uint8Array;
  infection: Uint8Array;
}
let loaded: Loaded;

function thresholdMasks(volume: Volume): { lungs: Uint8Array; infection: Uint8Array } {
  const [nx, ny, nz] = volume.dims;
  const lungs = new Uint8Array(nx * ny * nz);
  const infection = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = Math.floor(ny * 0.2); j < Math.floor(ny * 0.8); j++)
      for (let i = Math.floor(nx * 0.15); i < Math.floor(nx * 0.85); i++) {
        const p = i + nx * (j + ny * k);
        const hu = volume.voxels[p];
        if (hu < -300) lungs[p] = i < nx / 2 ? LungLabel.RightLung : LungLabel.LeftLung;
        if (hu > -700 && hu < -300) infection[p] = InfectionLabel.GroundGlassOpacity;
        else if (hu > -200 && hu < -100) infection[p] = InfectionLabel.Consolidation;
        if (infection[p] && !lungs[p]) lungs[p] = i < nx / 2 ? LungLabel.RightLung : LungLabel.LeftLung;
      }
  return { lungs, infection };
}

describe.skipIf(!seriesDir)(seriesDir ? 'exports of lidc-idri-0001' : skipNote('exports of lidc-idri-0001'), () => {
  beforeAll(async () => {
    const { volume } = await loadVolumeFromPath(seriesDir as string);
    const { lungs, infection } = thresholdMasks(volume);
    loaded = { volume, lungs, infection };
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const measurements = quantify({ lungs, infection, dims: volume.dims, spacingMm: volume.spacingMm, direction: volume.direction });
    await writeExports(outDir, {
      volume,
      lungs,
      infection,
      measurements,
      model: { name: 'opal-threshold-test', version: '0.0.1', sha256: '0'.repeat(64), executionProvider: 'cpu', edited: false },
      formats: ['seg', 'nifti', 'json', 'csv', 'pdf'],
    });
  });

  it.skipIf(missing(hasCommand('dciodvfy'), 'dciodvfy (dicom3tools)'))('writes a seg.dcm that dciodvfy accepts without errors', () => {
    expect(dciodvfy(join(outDir, 'seg.dcm')).filter((l) => l.startsWith('Error'))).toEqual([]);
  });

  it('loads seg.dcm back to the identical labelmaps', () => {
    const { volume, lungs, infection } = loaded;
    const decoded = decodeDicomSeg(readFileSync(join(outDir, 'seg.dcm')), {
      volume,
      sopInstanceUids: volume.meta.sopInstanceUids,
      frameOfReferenceUid: volume.meta.frameOfReferenceUid,
    });
    // Byte comparison: vitest's deep equality walks a 35-million-entry typed array far too slowly.
    expect(Buffer.compare(labelmapFromSegments(decoded, INFECTION_SEGMENTS), infection)).toBe(0);
    expect(Buffer.compare(labelmapFromSegments(decoded, LUNG_SEGMENTS), lungs)).toBe(0);
  });

  it.skipIf(missing(pythonHas('pydicom'), 'python3-pydicom'))('puts every SEG frame (pydicom) on the position and orientation of the source file it references', () => {
    const r = runPythonJson(
      `
import json, os, sys
import pydicom
src = {}
for name in os.listdir(sys.argv[1]):
    if not name.endswith('.dcm'): continue
    d = pydicom.dcmread(os.path.join(sys.argv[1], name), stop_before_pixels=True)
    src[d.SOPInstanceUID] = {'ipp': [float(v) for v in d.ImagePositionPatient], 'iop': [float(v) for v in d.ImageOrientationPatient], 'for': d.FrameOfReferenceUID}
seg = pydicom.dcmread(sys.argv[2])
arr = seg.pixel_array.reshape((int(seg.NumberOfFrames), seg.Rows, seg.Columns))
iop = [float(v) for v in seg.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient]
worst_ipp = 0.0; worst_iop = 0.0; missing = 0; empty = 0
for f, g in enumerate(seg.PerFrameFunctionalGroupsSequence):
    uid = g.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
    if uid not in src: missing += 1; continue
    ipp = [float(v) for v in g.PlanePositionSequence[0].ImagePositionPatient]
    worst_ipp = max(worst_ipp, max(abs(a - b) for a, b in zip(ipp, src[uid]['ipp'])))
    worst_iop = max(worst_iop, max(abs(a - b) for a, b in zip(iop, src[uid]['iop'])))
    if arr[f].sum() == 0: empty += 1
referenced = sorted(i.ReferencedSOPInstanceUID for i in seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence)
print(json.dumps({'frames': int(seg.NumberOfFrames), 'worstIpp': worst_ipp, 'worstIop': worst_iop, 'missing': missing, 'empty': empty,
                  'allReferenced': referenced == sorted(src.keys()), 'sameFor': all(s['for'] == seg.FrameOfReferenceUID for s in src.values())}))
`,
      [seriesDir as string, join(outDir, 'seg.dcm')],
    ) as { frames: number; worstIpp: number; worstIop: number; missing: number; empty: number; allReferenced: boolean; sameFor: boolean };
    expect(r.frames).toBeGreaterThan(100);
    expect(r.missing).toBe(0);
    expect(r.empty).toBe(0);
    expect(r.worstIpp).toBeLessThan(1e-3);
    expect(r.worstIop).toBeLessThan(1e-5);
    expect(r.allReferenced).toBe(true);
    expect(r.sameFor).toBe(true);
  });

  it.skipIf(missing(pythonHas('nibabel') && pythonHas('pydicom'), 'python3-nibabel and python3-pydicom'))('writes NIfTI masks whose affine (nibabel) puts slices on the source files positions in RAS', () => {
    const { volume } = loaded;
    const uids = volume.meta.sopInstanceUids as string[];
    const last = volume.dims[2] - 1;
    const r = runPythonJson(
      `
import json, os, sys
import nibabel as nib, numpy as np, pydicom
want = {sys.argv[3]: 0, sys.argv[4]: int(sys.argv[5])}
pos = {}
for name in os.listdir(sys.argv[1]):
    if not name.endswith('.dcm'): continue
    d = pydicom.dcmread(os.path.join(sys.argv[1], name), stop_before_pixels=True)
    if d.SOPInstanceUID in want: pos[want[d.SOPInstanceUID]] = [float(v) for v in d.ImagePositionPatient]
img = nib.load(sys.argv[2])
out = {'sformEqualsQform': bool(np.allclose(img.get_sform(), img.get_qform(), atol=1e-4)), 'points': {}, 'dicom': pos}
for k in pos:
    out['points'][k] = (img.affine @ np.array([0, 0, k, 1.0]))[:3].tolist()
print(json.dumps(out))
`,
      [seriesDir as string, join(outDir, 'infection.nii.gz'), uids[0], uids[last], String(last)],
    ) as { sformEqualsQform: boolean; points: Record<string, number[]>; dicom: Record<string, number[]> };
    expect(r.sformEqualsQform).toBe(true);
    for (const k of ['0', String(last)]) {
      const ras = r.points[k];
      const lps = r.dicom[k];
      expect(ras[0]).toBeCloseTo(-lps[0], 3);
      expect(ras[1]).toBeCloseTo(-lps[1], 3);
      expect(ras[2]).toBeCloseTo(lps[2], 3);
    }
  });

  it('writes a report.pdf that opens; page 1 renders with pdftoppm when poppler is installed', async () => {
    const bytes = readFileSync(join(outDir, 'report.pdf'));
    expect((await PDFDocument.load(bytes)).getPageCount()).toBeGreaterThanOrEqual(1); // a lesion list adds a page
    if (hasCommand('pdftoppm')) {
      const r = spawnSync('pdftoppm', ['-r', '70', '-png', '-f', '1', '-l', '1', '-singlefile', join(outDir, 'report.pdf'), join(outDir, 'report-page1')]);
      expect(r.status).toBe(0);
      expect(existsSync(join(outDir, 'report-page1.png')) && statSync(join(outDir, 'report-page1.png')).size > 10_000).toBe(true);
    }
  });
});
