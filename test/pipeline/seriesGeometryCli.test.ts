/**
 * Geometry that never lies (issue 12, part 6), through the real `opal` CLI on phantom series:
 * a missing slice, a coronal acquisition, an oblique one and files that share one SOPInstanceUID.
 * pydicom, nibabel and dciodvfy judge the files written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateChestPhantom } from '../../electron/common/phantom/index.ts';
import type { Volume } from '../../electron/common/volume/index.ts';
import type { InfoJson } from '../../electron/main/studies/infoReport.ts';
import { loadVolumeFromPath } from '../../electron/main/studies/loadVolume.ts';
import { writePhantomSeries, phantomSliceFileName } from '../../electron/main/phantom/index.ts';
import { DONE_MARKER, type SegmentSummary } from '../../electron/cli/commands/segment.ts';
import { asCoronal, writeSeriesFromVolume } from '../dicom/seriesFromVolume.ts';
import { ctSlice } from '../dicom/syntheticDicom.ts';
import { dciodvfy, hasCommand, pythonHas, runPythonJson } from '../exports/externalTools.ts';
import { testOutputDir } from '../fixtures/sharedData.ts';
import { makeTestModel } from './fixtures/testModel.ts';
import { runOpal } from './cli.ts';

const root = testOutputDir('series-geometry-cli');
const PHANTOM = { seed: 3, size: 96, slices: 24 };
/** Grid slice left out of the gap series: mid-chest, where both lungs are large. */
const GAP_K = 12;
let env: Record<string, string>;
let phantom: Volume<Int16Array>;
const dirs = { full: '', gap: '', coronal: '', duplicate: '', oblique: '' };
/** `opal segment` on the complete axial series: what every other form of it must agree with. */
let full: Awaited<ReturnType<typeof segment>>;

/** The SEG's frames judged by pydicom against the source files they reference. */
const SEG_JUDGE = `
import json, os, sys
import pydicom
src = {}
for name in os.listdir(sys.argv[1]):
    if not name.endswith('.dcm'): continue
    d = pydicom.dcmread(os.path.join(sys.argv[1], name), stop_before_pixels=True)
    src[d.SOPInstanceUID] = {'ipp': [float(v) for v in d.ImagePositionPatient], 'iop': [float(v) for v in d.ImageOrientationPatient]}
seg = pydicom.dcmread(sys.argv[2])
iop = [float(v) for v in seg.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient]
worst_ipp = 0.0; worst_iop = 0.0; unknown = 0; refs = set()
for g in seg.PerFrameFunctionalGroupsSequence:
    uid = g.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
    if uid not in src: unknown += 1; continue
    refs.add(uid)
    ipp = [float(v) for v in g.PlanePositionSequence[0].ImagePositionPatient]
    worst_ipp = max(worst_ipp, max(abs(a - b) for a, b in zip(ipp, src[uid]['ipp'])))
    worst_iop = max(worst_iop, max(abs(a - b) for a, b in zip(iop, src[uid]['iop'])))
print(json.dumps({'frames': int(seg.NumberOfFrames), 'worstIpp': worst_ipp, 'worstIop': worst_iop, 'unknown': unknown, 'imagesReferenced': len(refs)}))
`;

/** A NIfTI mask's affine, shape and labelled voxels per slice (axis 2), read by nibabel. */
const NIFTI_JUDGE = `
import json, sys
import nibabel as nib, numpy as np
img = nib.load(sys.argv[1])
a = np.asarray(img.dataobj)
print(json.dumps({'affine': img.affine.tolist(), 'shape': list(a.shape), 'perSlice': [int(np.count_nonzero(a[:, :, k])) for k in range(a.shape[2])]}))
`;

interface NiftiFacts {
  affine: number[][];
  shape: number[];
  perSlice: number[];
}

const judgeNifti = (path: string): NiftiFacts => runPythonJson(NIFTI_JUDGE, [path]) as NiftiFacts;

async function segment(input: string, out: string): Promise<{ code: number | null; stderr: string; summary: SegmentSummary }> {
  const r = await runOpal(['segment', input, '--out', out, '--json', '--threads', '1'], env);
  return { code: r.code, stderr: r.stderr, summary: JSON.parse(r.stdout) as SegmentSummary };
}

async function info(input: string): Promise<InfoJson> {
  const r = await runOpal(['info', input, '--json'], env);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as InfoJson;
}

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  env = { OPAL_MODELS_DIR: makeTestModel(root, { size: 64 }).modelsDir };
  phantom = generateChestPhantom(PHANTOM).volume as Volume<Int16Array>;
  dirs.full = join(root, 'full');
  await writePhantomSeries(dirs.full, PHANTOM);
  dirs.gap = join(root, 'gap');
  await writePhantomSeries(dirs.gap, PHANTOM);
  rmSync(join(dirs.gap, phantomSliceFileName(PHANTOM.slices - GAP_K)));
  dirs.coronal = join(root, 'coronal');
  writeSeriesFromVolume(dirs.coronal, asCoronal(phantom));
  dirs.duplicate = join(root, 'duplicate-uids');
  writeSeriesFromVolume(dirs.duplicate, phantom, { sopUid: () => '1.2.826.0.1.3680043.8.498.4711' });
  dirs.oblique = join(root, 'oblique');
  mkdirSync(dirs.oblique);
  // Columns 60° from the back towards the feet: no image axis within 10° of head-foot.
  const [c, s] = [Math.cos(Math.PI / 3), Math.sin(Math.PI / 3)];
  for (let k = 0; k < 4; k++) {
    const bytes = ctSlice({ sopUid: `1.2.826.0.1.3680043.8.498.81${k}`, orientation: [1, 0, 0, 0, c, -s], positionMm: [0, 5 * k * s, 5 * k * c], rows: 8, columns: 8 });
    writeFileSync(join(dirs.oblique, `o${k}.dcm`), bytes);
  }
  full = await segment(dirs.full, join(root, 'out-full'));
  expect(full.code).toBe(0);
}, 240_000);

afterAll(() => {
  // test-output/ is left for inspection.
});

describe('a series with a missing slice', () => {
  let gap: Awaited<ReturnType<typeof segment>>;
  beforeAll(async () => {
    gap = await segment(dirs.gap, join(root, 'out-gap'));
  }, 240_000);

  it('is listed by info with an E_MISSING_SLICE warning at its position and the full grid of slices, and stays loadable', async () => {
    const s = (await info(dirs.gap)).series[0];
    expect(s.loadable).toBe(true);
    expect(s.dims[2]).toBe(PHANTOM.slices);
    expect(s.frameCount).toBe(PHANTOM.slices - 1);
    const w = s.warnings.find((x) => x.code === 'E_MISSING_SLICE');
    expect(w?.positionMm).toBeCloseTo(phantom.originMm[2] + GAP_K * phantom.spacingMm[2], 3);
  });

  it('loads onto the complete grid: every image at its own place, the gap empty (-1024 HU)', async () => {
    const { volume } = await loadVolumeFromPath(dirs.gap);
    expect(volume.dims).toEqual(phantom.dims);
    expect(volume.originMm).toEqual(phantom.originMm);
    expect(volume.spacingMm[2]).toBeCloseTo(phantom.spacingMm[2], 9);
    const slice = phantom.dims[0] * phantom.dims[1];
    for (let k = 0; k < phantom.dims[2]; k++) {
      const got = volume.voxels.subarray(k * slice, (k + 1) * slice);
      const want = k === GAP_K ? new Int16Array(slice).fill(-1024) : phantom.voxels.subarray(k * slice, (k + 1) * slice);
      expect(Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(want.buffer, want.byteOffset, want.byteLength)), `slice ${k}`).toBe(0);
    }
  });

  it('segments with exit 0, writes every export and says why in a warning', () => {
    expect(gap.code).toBe(0);
    expect(gap.summary.files.map((f) => f.format).sort()).toEqual(['csv', 'csv', 'json', 'nifti', 'nifti', 'nifti', 'pdf', 'seg']);
    expect(gap.summary.warnings.map((w) => w.code)).toContain('E_MISSING_SLICE');
  });

  it.skipIf(!pythonHas('nibabel'))('writes NIfTI masks (nibabel) on the complete grid: same affine and shape as the full series, nothing in the missing slice', () => {
    for (const name of ['lungs.nii.gz', 'infection.nii.gz']) {
      const g = judgeNifti(join(root, 'out-gap', name));
      const f = judgeNifti(join(root, 'out-full', name));
      expect(g.shape).toEqual(f.shape);
      g.affine.flat().forEach((v, i) => expect(v).toBeCloseTo(f.affine.flat()[i], 6));
      expect(g.perSlice[GAP_K]).toBe(0);
    }
    // The lungs exist on both sides of the gap, so the slice left empty is a real omission, not an edge.
    const lungs = judgeNifti(join(root, 'out-full', 'lungs.nii.gz'));
    expect(lungs.perSlice[GAP_K - 1]).toBeGreaterThan(0);
    expect(lungs.perSlice[GAP_K + 1]).toBeGreaterThan(0);
  });

  it.skipIf(!pythonHas('pydicom'))('gives every SEG frame (pydicom) the position and orientation of the image it references; no frame for the missing slice', () => {
    const r = runPythonJson(SEG_JUDGE, [dirs.gap, join(root, 'out-gap', 'seg.dcm')]) as { frames: number; worstIpp: number; worstIop: number; unknown: number; imagesReferenced: number };
    expect(r.frames).toBeGreaterThan(0);
    expect(r.unknown).toBe(0);
    expect(r.worstIpp).toBeLessThan(1e-4);
    expect(r.worstIop).toBeLessThan(1e-6);
  });

  it.skipIf(!hasCommand('dciodvfy'))('writes a SEG that dciodvfy accepts without errors', () => {
    expect(dciodvfy(join(root, 'out-gap', 'seg.dcm')).filter((l) => l.startsWith('Error'))).toEqual([]);
  });

  it.skipIf(!pythonHas('nibabel'))('measures the lungs over the real slice positions: the gap counted once, neither twice nor as nothing', () => {
    const lungsFull = full.summary.measurements.lungs.totalVolumeMl;
    const lungsGap = gap.summary.measurements.lungs.totalVolumeMl;
    const voxelMl = (phantom.spacingMm[0] * phantom.spacingMm[1] * phantom.spacingMm[2]) / 1000;
    const sliceMl = judgeNifti(join(root, 'out-full', 'lungs.nii.gz')).perSlice[GAP_K] * voxelMl;
    expect(sliceMl).toBeGreaterThan(5);
    // Counting the gap as nothing would lose about sliceMl; as twice, add it.
    expect(Math.abs(lungsGap - lungsFull)).toBeLessThan(0.25 * sliceMl);
  });
});

describe('a coronal series', () => {
  let coronal: Awaited<ReturnType<typeof segment>>;
  beforeAll(async () => {
    coronal = await segment(dirs.coronal, join(root, 'out-coronal'));
  }, 240_000);

  it('is listed by info as loadable with an E_NOT_AXIAL warning that says it is reordered to axial', async () => {
    const s = (await info(dirs.coronal)).series[0];
    expect(s.loadable).toBe(true);
    expect(s.warnings.find((w) => w.code === 'E_NOT_AXIAL')?.message).toMatch(/^Coronal acquisition: .*axial.*no interpolation/);
  });

  it('loads as the axial volume it was cut from, voxel for voxel and at the same patient positions', async () => {
    const { volume } = await loadVolumeFromPath(dirs.coronal);
    expect(volume.dims).toEqual(phantom.dims);
    volume.originMm.forEach((v, i) => expect(v).toBeCloseTo(phantom.originMm[i], 4));
    volume.spacingMm.forEach((v, i) => expect(v).toBeCloseTo(phantom.spacingMm[i], 6));
    expect(volume.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const v = volume.voxels as Int16Array;
    expect(Buffer.compare(Buffer.from(v.buffer, v.byteOffset, v.byteLength), Buffer.from(phantom.voxels.buffer, phantom.voxels.byteOffset, phantom.voxels.byteLength))).toBe(0);
    expect(volume.meta.acquisition?.plane).toBe('coronal');
  });

  it('measures what the axial series measures (not the lungs of a coronal stack taken for axial slices)', () => {
    expect(coronal.code).toBe(0);
    expect(coronal.summary.measurements.lungs.totalVolumeMl).toBeCloseTo(full.summary.measurements.lungs.totalVolumeMl, 3);
    expect(coronal.summary.measurements.infection.totalMl).toBeCloseTo(full.summary.measurements.infection.totalMl, 3);
    expect(coronal.summary.warnings.map((w) => w.code)).toContain('E_NOT_AXIAL');
  });

  it('says so in measurements.json', () => {
    const doc = readFileSync(join(root, 'out-coronal', 'measurements.json'), 'utf8');
    expect(doc).toContain('Coronal acquisition');
  });

  it.skipIf(!pythonHas('nibabel'))('writes NIfTI masks (nibabel) on the axial grid, identical in geometry to the axial series', () => {
    const c = judgeNifti(join(root, 'out-coronal', 'lungs.nii.gz'));
    const a = judgeNifti(join(root, 'out-full', 'lungs.nii.gz'));
    expect(c.shape).toEqual(a.shape);
    c.affine.flat().forEach((v, i) => expect(v).toBeCloseTo(a.affine.flat()[i], 4));
    expect(c.perSlice).toEqual(a.perSlice);
  });

  it.skipIf(!pythonHas('pydicom'))('writes SEG frames (pydicom) on the acquired coronal images, each at its image position and orientation', () => {
    const r = runPythonJson(SEG_JUDGE, [dirs.coronal, join(root, 'out-coronal', 'seg.dcm')]) as { frames: number; worstIpp: number; worstIop: number; unknown: number; imagesReferenced: number };
    expect(r.frames).toBeGreaterThan(0);
    expect(r.unknown).toBe(0);
    expect(r.imagesReferenced).toBeGreaterThan(1);
    expect(r.worstIpp).toBeLessThan(1e-4);
    expect(r.worstIop).toBeLessThan(1e-6);
  });

  it.skipIf(!hasCommand('dciodvfy'))('writes a coronal SEG that dciodvfy accepts without errors', () => {
    expect(dciodvfy(join(root, 'out-coronal', 'seg.dcm')).filter((l) => l.startsWith('Error'))).toEqual([]);
  });
});

describe('an oblique series', () => {
  it('is listed by info as not loadable with E_NOT_AXIAL', async () => {
    const s = (await info(dirs.oblique)).series[0];
    expect(s.loadable).toBe(false);
    expect(s.warnings.map((w) => w.code)).toContain('E_NOT_AXIAL');
  });

  it('is refused by segment with E_NOT_AXIAL and a message that asks for an axial reconstruction, writing nothing', async () => {
    const out = join(root, 'out-oblique');
    const r = await runOpal(['segment', dirs.oblique, '--out', out, '--threads', '1'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_NOT_AXIAL: Oblique acquisition.*axial reconstruction/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});

describe('files that all carry one SOPInstanceUID', () => {
  it('are listed by info with an E_DUPLICATE_SOP_UID warning and stay loadable', async () => {
    const s = (await info(dirs.duplicate)).series[0];
    expect(s.loadable).toBe(true);
    expect(s.dims[2]).toBe(PHANTOM.slices);
    expect(s.warnings.find((w) => w.code === 'E_DUPLICATE_SOP_UID')?.message).toContain(`${PHANTOM.slices} of ${PHANTOM.slices} images`);
  });

  it('segment writes every format but the SEG, says why, and exits 1', async () => {
    const out = join(root, 'out-duplicate');
    const r = await runOpal(['segment', dirs.duplicate, '--out', out, '--threads', '1'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/opal: E_DUPLICATE_SOP_UID: seg export not written: \d+ source images share SOPInstanceUID 1\.2\.826\.0\.1\.3680043\.8\.498\.4711/);
    expect(r.stdout).toMatch(/wrote 7 files/);
    expect(readdirSync(out).sort()).toEqual([DONE_MARKER, 'infection-confidence.nii.gz', 'infection.nii.gz', 'lesions.csv', 'lungs.nii.gz', 'measurements.csv', 'measurements.json', 'report.pdf']);
    // The seven files are committed as one set; the done-marker records the SEG's failure.
    const marker = JSON.parse(readFileSync(join(out, DONE_MARKER), 'utf8')) as { files: string[]; failed: { format: string; code: string }[] };
    expect(marker.files).toHaveLength(7);
    expect(marker.failed.map((f) => [f.format, f.code])).toEqual([['seg', 'E_DUPLICATE_SOP_UID']]);
  });

  it('in a batch, the study counts as failed (exit 1, FAILED E_DUPLICATE_SOP_UID) with its other exports written, and the next batch run tries it again', async () => {
    const list = join(root, 'batch.txt');
    writeFileSync(list, `${dirs.duplicate}\n`);
    const out = join(root, 'out-batch');
    const r = await runOpal(['segment', '--batch', list, '--out', out, '--threads', '1'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[1\/1\] .*: FAILED E_DUPLICATE_SOP_UID: seg export not written: \d+ source images share SOPInstanceUID/);
    const [folder] = readdirSync(out);
    expect(readdirSync(join(out, folder))).toContain('measurements.json');
    expect(existsSync(join(out, folder, 'seg.dcm'))).toBe(false);
    // Its done-marker records the failed SEG, so the study is not finished for a batch run.
    const marker = JSON.parse(readFileSync(join(out, folder, DONE_MARKER), 'utf8')) as { failed: { format: string }[] };
    expect(marker.failed.map((f) => f.format)).toEqual(['seg']);
    const again = await runOpal(['segment', '--batch', list, '--out', out, '--threads', '1'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).not.toMatch(/already done/);
  });

  it('segment --json lists the failed export in the summary', async () => {
    const r = await segment(dirs.duplicate, join(root, 'out-duplicate-json'));
    expect(r.code).toBe(1);
    expect(r.summary.failedExports).toEqual([{ format: 'seg', error: expect.objectContaining({ code: 'E_DUPLICATE_SOP_UID' }) }]);
    expect(r.summary.files.map((f) => f.format)).not.toContain('seg');
    expect(r.summary.measurements.lungs.totalVolumeMl).toBeGreaterThan(0);
  });
});
