import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { decodeNifti } from './decodeNifti.ts';
import { voxelToPatient, type Vec3 } from '../volume/index.ts';

/** A NIfTI-1 file built field by field, so that each test states exactly what the header holds. */
interface HandNifti {
  le?: boolean;
  dim: number[]; // dim[0..7]
  datatype: number;
  bitpix: number;
  pixdim?: number[]; // pixdim[0..7]
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  qoffset?: [number, number, number];
  srow?: number[]; // 12 values, row-major
  slope?: number;
  inter?: number;
  data: Uint8Array;
  magic?: string;
  sizeofHdr?: number;
  voxOffset?: number;
}

function buildNifti(h: HandNifti): Uint8Array {
  const le = h.le ?? true;
  const voxOffset = h.voxOffset ?? 352;
  const out = new Uint8Array(voxOffset + h.data.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, h.sizeofHdr ?? 348, le);
  h.dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
  v.setInt16(70, h.datatype, le);
  v.setInt16(72, h.bitpix, le);
  (h.pixdim ?? [1, 1, 1, 1, 1, 1, 1, 1]).forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
  v.setFloat32(108, voxOffset, le);
  v.setFloat32(112, h.slope ?? 0, le);
  v.setFloat32(116, h.inter ?? 0, le);
  v.setInt16(252, h.qformCode ?? 0, le);
  v.setInt16(254, h.sformCode ?? 0, le);
  (h.quatern ?? [0, 0, 0]).forEach((q, i) => v.setFloat32(256 + 4 * i, q, le));
  (h.qoffset ?? [0, 0, 0]).forEach((q, i) => v.setFloat32(268 + 4 * i, q, le));
  (h.srow ?? new Array<number>(12).fill(0)).forEach((s, i) => v.setFloat32(280 + 4 * i, s, le));
  const magic = h.magic ?? 'n+1\0';
  for (let i = 0; i < 4; i++) out[344 + i] = magic.charCodeAt(i) || 0;
  out.set(h.data, voxOffset);
  return out;
}

function int16Bytes(values: number[], le = true): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setInt16(2 * i, x, le));
  return b;
}

const ramp = (n: number): number[] => Array.from({ length: n }, (_, i) => i - 5);

function expectVec(actual: Vec3 | number[], expected: number[], digits = 4): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
}

const dims234 = [3, 2, 3, 4, 1, 1, 1, 1];

describe('decodeNifti geometry (hand-computed affines, RAS -> LPS)', () => {
  it('uses the sform when sform_code > 0 and negates its x and y rows', () => {
    // RAS sform: x = -0.5 i + 90, y = 0.6 j - 120, z = 2 k - 50.
    const vol = decodeNifti(
      buildNifti({ dim: dims234, datatype: 4, bitpix: 16, sformCode: 1, srow: [-0.5, 0, 0, 90, 0, 0.6, 0, -120, 0, 0, 2, -50], data: int16Bytes(ramp(24)) }),
    );
    expect(vol.dims).toEqual([2, 3, 4]);
    expectVec(vol.spacingMm, [0.5, 0.6, 2]);
    expectVec(vol.originMm, [-90, 120, -50]);
    expectVec(vol.direction, [1, 0, 0, 0, -1, 0, 0, 0, 1]);
    // LPS of voxel (1, 2, 3): x = -(-0.5·1 + 90), y = -(0.6·2 - 120), z = 2·3 - 50.
    expectVec(voxelToPatient(vol, 1, 2, 3), [-89.5, 118.8, -44]);
    expect(vol.meta.niftiXform).toBe('sform');
  });

  it('uses the qform with qfac = -1 (pixdim[0] < 0) by flipping the k axis', () => {
    // Identity rotation, voxel sizes 0.8, 0.8, 3, qfac -1: RAS = (0.8 i + 10, 0.8 j + 20, -3 k + 30).
    const vol = decodeNifti(
      buildNifti({ dim: dims234, datatype: 4, bitpix: 16, pixdim: [-1, 0.8, 0.8, 3, 1, 1, 1, 1], qformCode: 1, qoffset: [10, 20, 30], data: int16Bytes(ramp(24)) }),
    );
    expectVec(vol.spacingMm, [0.8, 0.8, 3]);
    expectVec(vol.direction, [-1, 0, 0, 0, -1, 0, 0, 0, -1]);
    expectVec(vol.originMm, [-10, -20, 30]);
    expectVec(voxelToPatient(vol, 1, 2, 3), [-10.8, -21.6, 21]);
    expect(vol.meta.niftiXform).toBe('qform');
  });

  it('turns a 90° quaternion about z into the rotated axes', () => {
    // a = d = √½: R = [[0,-1,0],[1,0,0],[0,0,1]]; pixdim 2, 3, 4; RAS = (-3 j + 5, 2 i + 6, 4 k + 7).
    const h = Math.SQRT1_2;
    const vol = decodeNifti(
      buildNifti({ dim: dims234, datatype: 4, bitpix: 16, pixdim: [1, 2, 3, 4, 1, 1, 1, 1], qformCode: 1, quatern: [0, 0, h], qoffset: [5, 6, 7], data: int16Bytes(ramp(24)) }),
    );
    expectVec(vol.spacingMm, [2, 3, 4]);
    // i runs along RAS +y = LPS -y; j along RAS -x = LPS +x.
    expectVec(vol.direction, [0, -1, 0, 1, 0, 0, 0, 0, 1]);
    expectVec(vol.originMm, [-5, -6, 7]);
    expectVec(voxelToPatient(vol, 1, 1, 1), [-2, -8, 11]);
  });

  it('handles the 180° quaternion (b = 1, a = 0) about x', () => {
    // R = diag(1, -1, -1): RAS = (i, -j, -k).
    const vol = decodeNifti(buildNifti({ dim: dims234, datatype: 4, bitpix: 16, qformCode: 1, quatern: [1, 0, 0], data: int16Bytes(ramp(24)) }));
    expectVec(vol.direction, [-1, 0, 0, 0, 1, 0, 0, 0, -1]);
    expectVec(voxelToPatient(vol, 1, 2, 3), [-1, 2, -3]);
  });

  it('prefers the sform over a disagreeing qform and says so', () => {
    const vol = decodeNifti(
      buildNifti({ dim: dims234, datatype: 4, bitpix: 16, qformCode: 1, qoffset: [1, 2, 3], sformCode: 2, srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], data: int16Bytes(ramp(24)) }),
    );
    expectVec(vol.originMm, [0, 0, 0]);
    expect((vol.meta.warnings as string[]).join(' ')).toMatch(/sform and qform .* disagree/);
  });

  it('falls back to pixdim alone (RAS axes) when both codes are 0, with a warning', () => {
    const vol = decodeNifti(buildNifti({ dim: dims234, datatype: 4, bitpix: 16, pixdim: [0, 1.5, 1.5, 5, 0, 0, 0, 0], data: int16Bytes(ramp(24)) }));
    expectVec(vol.spacingMm, [1.5, 1.5, 5]);
    expectVec(vol.direction, [-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(vol.meta.niftiXform).toBe('pixdim');
    expect((vol.meta.warnings as string[]).join(' ')).toMatch(/no orientation/);
  });

  it('keeps a sheared affine exactly and warns about it', () => {
    // The k axis leans 10 mm along y per slice (a gantry-tilt-like shear).
    const vol = decodeNifti(
      buildNifti({ dim: dims234, datatype: 4, bitpix: 16, sformCode: 1, srow: [1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 2, 0], data: int16Bytes(ramp(24)) }),
    );
    expectVec(voxelToPatient(vol, 0, 0, 3), [0, -3, 6]);
    expect((vol.meta.warnings as string[]).join(' ')).toMatch(/sheared/);
  });

  it('reads a big-endian file the same as a little-endian one', () => {
    const h = { dim: dims234, datatype: 4, bitpix: 16, sformCode: 1, srow: [-0.5, 0, 0, 90, 0, 0.6, 0, -120, 0, 0, 2, -50] };
    const little = decodeNifti(buildNifti({ ...h, data: int16Bytes(ramp(24), true) }));
    const big = decodeNifti(buildNifti({ ...h, le: false, data: int16Bytes(ramp(24), false) }));
    expect(Array.from(big.voxels)).toEqual(ramp(24));
    expect(big.voxels).toBeInstanceOf(Int16Array);
    expect(big.originMm).toEqual(little.originMm);
    expect(big.direction).toEqual(little.direction);
  });
});

describe('decodeNifti voxels', () => {
  const base = { dim: [3, 2, 2, 1, 1, 1, 1, 1], sformCode: 1, srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0] };
  const typed = (arr: ArrayBufferView): Uint8Array => new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);

  it('keeps uint8 as Uint8Array (masks)', () => {
    const vol = decodeNifti(buildNifti({ ...base, datatype: 2, bitpix: 8, data: Uint8Array.from([0, 1, 2, 255]) }));
    expect(vol.voxels).toBeInstanceOf(Uint8Array);
    expect(Array.from(vol.voxels)).toEqual([0, 1, 2, 255]);
  });

  it('reads uint16, int32 (fits int16 -> Int16Array; larger -> Float32Array), float32 and float64', () => {
    const u16 = decodeNifti(buildNifti({ ...base, datatype: 512, bitpix: 16, data: typed(Uint16Array.from([0, 1, 40000, 65535])) }));
    expect(u16.voxels).toBeInstanceOf(Uint16Array);
    expect(Array.from(u16.voxels)).toEqual([0, 1, 40000, 65535]);
    const i32small = decodeNifti(buildNifti({ ...base, datatype: 8, bitpix: 32, data: typed(Int32Array.from([-1024, 0, 3071, 5])) }));
    expect(i32small.voxels).toBeInstanceOf(Int16Array);
    expect(Array.from(i32small.voxels)).toEqual([-1024, 0, 3071, 5]);
    const i32big = decodeNifti(buildNifti({ ...base, datatype: 8, bitpix: 32, data: typed(Int32Array.from([-100000, 0, 100000, 5])) }));
    expect(i32big.voxels).toBeInstanceOf(Float32Array);
    expect(Array.from(i32big.voxels)).toEqual([-100000, 0, 100000, 5]);
    const f32 = decodeNifti(buildNifti({ ...base, datatype: 16, bitpix: 32, data: typed(Float32Array.from([0.5, -1.25, 3, 4])) }));
    expect(Array.from(f32.voxels)).toEqual([0.5, -1.25, 3, 4]);
    const f64 = decodeNifti(buildNifti({ ...base, datatype: 64, bitpix: 64, data: typed(Float64Array.from([0.5, -1.25, 3, 4])) }));
    expect(f64.voxels).toBeInstanceOf(Float32Array);
    expect(Array.from(f64.voxels)).toEqual([0.5, -1.25, 3, 4]);
  });

  it('applies scl_slope/scl_inter: integer scaling stays Int16Array (HU), fractional becomes Float32Array', () => {
    const hu = decodeNifti(buildNifti({ ...base, datatype: 512, bitpix: 16, slope: 1, inter: -1024, data: typed(Uint16Array.from([0, 1024, 2048, 4095])) }));
    expect(hu.voxels).toBeInstanceOf(Int16Array);
    expect(Array.from(hu.voxels)).toEqual([-1024, 0, 1024, 3071]);
    const frac = decodeNifti(buildNifti({ ...base, datatype: 4, bitpix: 16, slope: 0.5, inter: 1, data: int16Bytes([0, 1, 2, -3]) }));
    expect(frac.voxels).toBeInstanceOf(Float32Array);
    expect(Array.from(frac.voxels)).toEqual([1, 1.5, 2, -0.5]);
  });

  it('reads .nii.gz content (gzip detected by its signature)', () => {
    const raw = buildNifti({ ...base, datatype: 4, bitpix: 16, data: int16Bytes([7, 8, 9, 10]) });
    expect(Array.from(decodeNifti(gzipSync(raw)).voxels)).toEqual([7, 8, 9, 10]);
  });
});

describe('decodeNifti refuses bad input with E_BAD_NIFTI', () => {
  const good = (): Uint8Array =>
    buildNifti({ dim: dims234, datatype: 4, bitpix: 16, sformCode: 1, srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], data: int16Bytes(ramp(24)) });
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a file shorter than the header', () => good().slice(0, 200), /fewer than the 348/],
    ['voxel data cut short', () => good().slice(0, 352 + 30), /truncated/],
    ['a damaged gzip stream', () => gzipSync(good()).slice(0, 60), /gzip/],
    ['not NIfTI at all', () => new Uint8Array(400).fill(7), /sizeof_hdr/],
    ['a bad magic', () => buildNifti({ dim: dims234, datatype: 4, bitpix: 16, magic: 'xyz\0', data: int16Bytes(ramp(24)) }), /magic/],
    ['a .hdr of a two-file pair', () => buildNifti({ dim: dims234, datatype: 4, bitpix: 16, magic: 'ni1\0', data: int16Bytes(ramp(24)) }), /two-file/],
    ['NIfTI-2', () => buildNifti({ dim: dims234, datatype: 4, bitpix: 16, sizeofHdr: 540, data: int16Bytes(ramp(24)) }), /NIfTI-2/],
    ['a 4-D series', () => buildNifti({ dim: [4, 2, 3, 4, 2, 1, 1, 1], datatype: 4, bitpix: 16, data: int16Bytes(ramp(48)) }), /2 volumes/],
    ['an RGB datatype', () => buildNifti({ dim: dims234, datatype: 128, bitpix: 24, data: new Uint8Array(72) }), /rgb24/],
    ['a degenerate sform', () => buildNifti({ dim: dims234, datatype: 4, bitpix: 16, sformCode: 1, srow: new Array<number>(12).fill(0), data: int16Bytes(ramp(24)) }), /degenerate/],
  ];
  for (const [what, make, message] of cases) {
    it(`rejects ${what}`, () => {
      let err: unknown;
      try {
        decodeNifti(make());
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'E_BAD_NIFTI', message: expect.stringMatching(message) });
    });
  }
});

describe('decodeNifti input buffers', () => {
  it('reads voxels from a view into a larger buffer (e.g. a Node Buffer from the pool) and leaves it untouched', () => {
    const file = buildNifti({ dim: dims234, datatype: 4, bitpix: 16, le: false, sformCode: 1, srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], data: int16Bytes(ramp(24), false) });
    const pool = new Uint8Array(file.length + 100);
    pool.set(file, 37);
    const view = pool.subarray(37, 37 + file.length);
    const before = Uint8Array.from(view);
    expect(Array.from(decodeNifti(view).voxels)).toEqual(ramp(24));
    expect(Buffer.from(view).equals(Buffer.from(before))).toBe(true);
    expect(Array.from(decodeNifti(Buffer.from(file)).voxels)).toEqual(ramp(24));
  });
});
