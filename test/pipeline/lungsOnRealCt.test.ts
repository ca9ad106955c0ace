import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedData, skipNote, testOutputDir } from '../fixtures/sharedData.ts';
import { componentsBySize, connectedComponents3d } from '../../electron/common/lung/connectedComponents3d.ts';
import { lungMaskFromHu } from '../../electron/common/lung/lungMaskFromHu.ts';
import { IDENTITY_DIRECTION, type Vec3, type Volume } from '../../electron/common/volume/index.ts';
import { loadVolumeFromPath } from '../../electron/main/studies/loadVolume.ts';

const here = dirname(fileURLToPath(import.meta.url));
const lidc = sharedData('dicom', 'lidc-idri-0001');
const headCt = sharedData('dicom', 'gantry-tilt');

describe('lungMaskFromHu on real CT', () => {
  it.skipIf(!lidc)(
    lidc ? 'finds two lungs of 3-8 L in total on lidc-idri-0001' : skipNote('lidc-idri-0001'),
    async () => {
      const { volume } = await loadVolumeFromPath(lidc!);
      const r = lungMaskFromHu(volume);
      expect(r.warnings).toEqual([]);
      const voxelMl = (volume.spacingMm[0] * volume.spacingMm[1] * volume.spacingMm[2]) / 1000;
      const totalL = ((r.rightVoxels + r.leftVoxels) * voxelMl) / 1000;
      expect(totalL).toBeGreaterThan(3);
      expect(totalL).toBeLessThan(8);
      // each lung is one piece, and the two are about the same size (right usually a bit larger)
      expect(r.rightVoxels / r.leftVoxels).toBeGreaterThan(0.7);
      expect(r.rightVoxels / r.leftVoxels).toBeLessThan(1.6);
      const mask = r.lungs.map((v) => (v !== 0 ? 1 : 0));
      const cc = connectedComponents3d(mask, volume.dims, 6);
      const ids = componentsBySize(cc);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      expect((cc.sizes[ids[0]] + cc.sizes[ids[1]]) / (r.rightVoxels + r.leftVoxels)).toBeGreaterThan(0.99);
      // and the two largest pieces are the two labels
      const labelOf = (id: number): number => r.lungs[cc.labels.indexOf(id)];
      expect(new Set([labelOf(ids[0]), labelOf(ids[1])])).toEqual(new Set([1, 2]));
    },
  );

  it.skipIf(!headCt)(
    headCt
      ? 'finds no lungs in a head CT: empty mask and an E_NO_LUNGS warning, no exception'
      : skipNote('gantry-tilt head CT'),
    () => {
      const dir = testOutputDir('engine-headct');
      mkdirSync(dir, { recursive: true });
      const prefix = join(dir, 'head');
      execFileSync('/usr/bin/python3', [join(here, 'fixtures', 'dicom_to_raw.py'), headCt!, prefix]);
      const header = JSON.parse(readFileSync(prefix + '.json', 'utf8')) as {
        dims: Vec3;
        spacingMm: Vec3;
        modality: string;
      };
      const raw = readFileSync(prefix + '.raw');
      const voxels = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
      const volume: Volume = {
        dims: header.dims,
        spacingMm: header.spacingMm,
        originMm: [0, 0, 0],
        direction: [...IDENTITY_DIRECTION],
        voxels,
        meta: { modality: header.modality },
      };
      expect(header.modality).toBe('CT');
      const r = lungMaskFromHu(volume);
      expect(r.warnings.map((w) => w.code)).toEqual(['E_NO_LUNGS']);
      expect(r.rightVoxels + r.leftVoxels).toBe(0);
    },
  );
});
