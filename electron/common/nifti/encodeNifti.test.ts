import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNifti } from './decodeNifti.ts';
import { encodeNifti1, encodeNiftiGz } from './encodeNifti.ts';
import { voxelToPatient, type Mat3, type Vec3, type Volume } from '../volume/index.ts';
import { missing } from '../../../test/fixtures/requireData.ts';

/** A rotated (30° about z), left-handed (k towards the feet) grid: exercises qfac and the quaternion. */
function obliqueVolume<T extends Volume['voxels']>(voxels: T): Volume<T> {
  const c = Math.cos(Math.PI / 6);
  const s = Math.sin(Math.PI / 6);
  const direction: Mat3 = [c, s, 0, -s, c, 0, 0, 0, -1];
  return { dims: [4, 3, 5], spacingMm: [0.75, 0.75, 2.5], originMm: [-120.5, 80.25, 310], direction, voxels, meta: {} };
}

const ramp16 = (): Int16Array => Int16Array.from({ length: 60 }, (_, i) => i * 37 - 1024);

function expectSameGeometry(a: Volume, b: Volume): void {
  expect(a.dims).toEqual(b.dims);
  a.spacingMm.forEach((v, i) => expect(v).toBeCloseTo(b.spacingMm[i], 5));
  a.originMm.forEach((v, i) => expect(v).toBeCloseTo(b.originMm[i], 4));
  a.direction.forEach((v, i) => expect(v).toBeCloseTo(b.direction[i], 6));
}

describe('encodeNifti1 / encodeNiftiGz', () => {
  it('round-trips an int16 CT volume with oblique, left-handed geometry exactly', () => {
    const vol = obliqueVolume(ramp16());
    const back = decodeNifti(encodeNifti1(vol));
    expect(back.voxels).toBeInstanceOf(Int16Array);
    expect(Array.from(back.voxels)).toEqual(Array.from(vol.voxels));
    expectSameGeometry(back, vol);
    expect(back.meta.warnings).toEqual([]);
  });

  it('writes a qform equal to the sform (checked by reading the file with its sform removed)', () => {
    const vol = obliqueVolume(ramp16());
    const bytes = encodeNifti1(vol);
    const view = new DataView(bytes.buffer);
    expect(view.getInt16(252, true)).toBe(1); // qform_code scanner
    expect(view.getInt16(254, true)).toBe(1); // sform_code scanner
    expect(view.getFloat32(76, true)).toBe(-1); // qfac: the grid is left-handed
    view.setInt16(254, 0, true);
    const viaQform = decodeNifti(bytes);
    expect(viaQform.meta.niftiXform).toBe('qform');
    expectSameGeometry(viaQform, vol);
  });

  it('keeps uint8 labelmaps as uint8 with the label intent, and float32 as float32', () => {
    const mask = obliqueVolume(Uint8Array.from({ length: 60 }, (_, i) => i % 3));
    const m = decodeNifti(encodeNifti1(mask, { intent: 'label', description: 'lungs' }));
    expect(m.voxels).toBeInstanceOf(Uint8Array);
    expect(Array.from(m.voxels)).toEqual(Array.from(mask.voxels));
    expect(m.meta.niftiIntentCode).toBe(1002);
    expect(m.meta.niftiDescription).toBe('lungs');
    const prob = obliqueVolume(Float32Array.from({ length: 60 }, (_, i) => i / 7));
    expect(Array.from(decodeNifti(encodeNifti1(prob)).voxels)).toEqual(Array.from(prob.voxels));
  });

  it('gzips with encodeNiftiGz, and decodes to the same volume', () => {
    const vol = obliqueVolume(ramp16());
    const gz = encodeNiftiGz(vol);
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const back = decodeNifti(gz);
    expect(Array.from(back.voxels)).toEqual(Array.from(vol.voxels));
    expectSameGeometry(back, vol);
  });

  it('refuses a voxel array that does not match dims', () => {
    const vol = { ...obliqueVolume(ramp16()), dims: [4, 3, 6] as Vec3 };
    expect(() => encodeNifti1(vol)).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
  });
});

function hasNibabel(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import nibabel'], { encoding: 'utf8' });
  return r.status === 0;
}

describe('NIfTI written by OPAL, read by nibabel', () => {
  it.skipIf(missing(hasNibabel(), 'python3-nibabel'))('maps voxel (0,0,0) and (i,j,k) to the expected RAS points (skipped without /usr/bin/python3 + nibabel)', () => {
    const vol = obliqueVolume(ramp16());
    const dir = mkdtempSync(join(tmpdir(), 'opal-nifti-'));
    const path = join(dir, 'oblique.nii.gz');
    writeFileSync(path, encodeNiftiGz(vol));
    const script = [
      'import sys, json, nibabel as nib, numpy as np',
      'img = nib.load(sys.argv[1])',
      'pts = [[0, 0, 0], [3, 2, 4]]',
      'out = {"sform": [list(img.affine.dot(p + [1])[:3]) for p in pts],',
      '       "qform": [list(img.get_qform().dot(p + [1])[:3]) for p in pts],',
      '       "codes": [int(img.header["qform_code"]), int(img.header["sform_code"])],',
      '       "shape": list(img.shape), "value": int(np.asanyarray(img.dataobj)[3, 2, 4])}',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as { sform: number[][]; qform: number[][]; codes: number[]; shape: number[]; value: number };
    const ras = (p: Vec3): number[] => [-p[0], -p[1], p[2]];
    const expected = [ras(voxelToPatient(vol, 0, 0, 0)), ras(voxelToPatient(vol, 3, 2, 4))];
    // Hand check of the second point: LPS = origin + 3·0.75·(c, s, 0) + 2·0.75·(-s, c, 0) + 4·2.5·(0, 0, -1).
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    expect(expected[1][0]).toBeCloseTo(-(-120.5 + 2.25 * c - 1.5 * s), 9);
    expect(expected[1][2]).toBeCloseTo(300, 9);
    for (const xform of [got.sform, got.qform]) {
      xform.forEach((p, n) => p.forEach((v, a) => expect(v).toBeCloseTo(expected[n][a], 3)));
    }
    expect(got.codes).toEqual([1, 1]);
    expect(got.shape).toEqual([4, 3, 5]);
    expect(got.value).toBe(vol.voxels[3 + 4 * (2 + 3 * 4)]);
  });
});
