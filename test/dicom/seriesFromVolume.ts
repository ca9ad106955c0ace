/**
 * Writes a CT volume as a DICOM series in any orientation, for tests of how series are assembled:
 * a coronal or sagittal acquisition of the phantom, a series whose files all carry one
 * SOPInstanceUID, one with slices left out. Each slice k of the volume becomes one CT Image
 * Storage file whose ImageOrientationPatient and ImagePositionPatient come from the volume's
 * geometry (PS3.3 C.7.6.2.1.1), with stored value = HU + 1024 and RescaleIntercept -1024.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { voxelToPatient, type Mat3, type Vec3, type Volume } from '../../electron/common/volume/index.ts';
import { ctSlice } from './syntheticDicom.ts';

export interface SeriesFromVolumeOptions {
  /** Slices k not written (a series with missing slices). */
  skip?: number[];
  /** SOPInstanceUID of slice k; default a distinct one per slice. */
  sopUid?: (k: number) => string;
  studyUid?: string;
  seriesUid?: string;
}

/** The written files in slice order with their SOPInstanceUIDs and positions. */
export interface WrittenSlice {
  k: number;
  path: string;
  sopUid: string;
  positionMm: Vec3;
}

export function writeSeriesFromVolume(dir: string, volume: Volume, opts: SeriesFromVolumeOptions = {}): WrittenSlice[] {
  mkdirSync(dir, { recursive: true });
  const [nx, ny, nz] = volume.dims;
  const d = volume.direction;
  const sliceSize = nx * ny;
  const out: WrittenSlice[] = [];
  for (let k = 0; k < nz; k++) {
    if (opts.skip?.includes(k)) continue;
    const pixels = new Int16Array(sliceSize);
    for (let p = 0; p < sliceSize; p++) pixels[p] = volume.voxels[k * sliceSize + p] + 1024;
    const sopUid = opts.sopUid?.(k) ?? `1.2.826.0.1.3680043.8.498.7${String(k + 1).padStart(4, '0')}`;
    const positionMm = voxelToPatient(volume, 0, 0, k);
    const path = join(dir, `IM${String(k + 1).padStart(4, '0')}.dcm`);
    writeFileSync(
      path,
      ctSlice({
        sopUid,
        studyUid: opts.studyUid ?? '1.2.826.0.1.3680043.8.498.71',
        seriesUid: opts.seriesUid ?? '1.2.826.0.1.3680043.8.498.72',
        instanceNumber: k + 1,
        positionMm,
        orientation: [d[0], d[1], d[2], d[3], d[4], d[5]],
        // PixelSpacing is row spacing (along a column, j) then column spacing (along a row, i).
        pixelSpacingMm: [volume.spacingMm[1], volume.spacingMm[0]],
        rows: ny,
        columns: nx,
        pixels,
      }),
    );
    out.push({ k, path, sopUid, positionMm });
  }
  return out;
}

/**
 * The same voxels as a coronal acquisition of an axial volume (direction identity): image rows run
 * to the patient's left, image columns towards the feet, slices from front to back. Voxel (a, b, c)
 * of the result is the axial voxel (a, c, nz - 1 - b), at the same patient position.
 */
export function asCoronal(axial: Volume<Int16Array>): Volume<Int16Array> {
  const [nx, ny, nz] = axial.dims;
  const voxels = new Int16Array(axial.voxels.length);
  for (let c = 0; c < ny; c++) for (let b = 0; b < nz; b++) for (let a = 0; a < nx; a++) voxels[a + nx * (b + nz * c)] = axial.voxels[a + nx * (c + ny * (nz - 1 - b))];
  const direction: Mat3 = [1, 0, 0, 0, 0, -1, 0, 1, 0];
  return {
    dims: [nx, nz, ny],
    spacingMm: [axial.spacingMm[0], axial.spacingMm[2], axial.spacingMm[1]],
    originMm: voxelToPatient(axial, 0, 0, nz - 1),
    direction,
    voxels,
    meta: { modality: 'CT' },
  };
}
