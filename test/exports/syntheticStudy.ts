/**
 * A small synthetic chest CT study built in code for the export tests: an oblique-free but rotated
 * axial grid whose slice size (13 x 11 = 143 voxels) is not a multiple of 8, so bit-packed SEG
 * frames do not fall on byte boundaries; two lungs, ground-glass opacity and consolidation on some
 * slices, empty slices at both ends.
 */
import type { Mat3, Vec3, Volume } from '../../electron/common/volume/index.ts';
import { InfectionLabel, LungLabel } from '../../electron/common/volume/index.ts';
import type { SegSourceSeries } from '../../electron/common/export/dicomSeg.ts';
import { CT_IMAGE_SOP_CLASS_UID } from '../../electron/common/export/dicomSeg.ts';

export interface SyntheticStudy {
  volume: Volume<Int16Array>;
  lungs: Uint8Array;
  infection: Uint8Array;
  source: SegSourceSeries;
}

export function syntheticStudy(): SyntheticStudy {
  const dims: Vec3 = [13, 11, 6];
  const spacingMm: Vec3 = [0.75, 0.8, 2.5];
  const originMm: Vec3 = [-101.5, -120.25, -50];
  // Axial, rotated 10 degrees about the patient z axis (row, column, slice normal).
  const a = (10 * Math.PI) / 180;
  const direction: Mat3 = [Math.cos(a), Math.sin(a), 0, -Math.sin(a), Math.cos(a), 0, 0, 0, 1];
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const voxels = new Int16Array(n).fill(40); // soft tissue
  const lungs = new Uint8Array(n);
  const infection = new Uint8Array(n);
  for (let k = 1; k <= 4; k++) {
    for (let j = 2; j <= 8; j++) {
      for (let i = 1; i <= 11; i++) {
        if (i === 6) continue; // mediastinum between the lungs
        const p = i + nx * (j + ny * k);
        lungs[p] = i < 6 ? LungLabel.RightLung : LungLabel.LeftLung;
        voxels[p] = -850;
      }
    }
  }
  // Ground-glass opacity on slices 2-3 in the right lung, consolidation on slice 3 in the left lung.
  for (let k = 2; k <= 3; k++) for (let j = 3; j <= 5; j++) for (let i = 2; i <= 4; i++) {
    const p = i + nx * (j + ny * k);
    infection[p] = InfectionLabel.GroundGlassOpacity;
    voxels[p] = -500;
  }
  for (let j = 4; j <= 6; j++) for (let i = 8; i <= 9; i++) {
    const p = i + nx * (j + ny * 3);
    infection[p] = InfectionLabel.Consolidation;
    voxels[p] = 20;
  }
  const studyInstanceUid = '1.2.826.0.1.3680043.8.498.1001';
  const seriesInstanceUid = '1.2.826.0.1.3680043.8.498.1002';
  const frameOfReferenceUid = '1.2.826.0.1.3680043.8.498.1003';
  const sopInstanceUids = Array.from({ length: nz }, (_, k) => `1.2.826.0.1.3680043.8.498.2${String(k + 1).padStart(3, '0')}`);
  const volume: Volume<Int16Array> = {
    dims,
    spacingMm,
    originMm,
    direction,
    voxels,
    meta: {
      modality: 'CT',
      patientName: 'Phantom^Synthetic',
      patientId: 'OPAL-TEST-0001',
      studyInstanceUid,
      seriesInstanceUid,
      frameOfReferenceUid,
      studyDate: '20260101',
      sopInstanceUids,
      sopClassUid: CT_IMAGE_SOP_CLASS_UID,
    },
  };
  const source: SegSourceSeries = {
    volume,
    sopInstanceUids,
    sopClassUid: CT_IMAGE_SOP_CLASS_UID,
    studyInstanceUid,
    seriesInstanceUid,
    frameOfReferenceUid,
    patientName: 'Phantom^Synthetic',
    patientId: 'OPAL-TEST-0001',
    studyDate: '20260101',
  };
  return { volume, lungs, infection, source };
}
