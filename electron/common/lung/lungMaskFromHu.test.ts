import { describe, expect, it } from 'vitest';
import { lungMaskFromHu } from './lungMaskFromHu.ts';
import { diceForLabel, syntheticChest } from './syntheticChest.testutil.ts';
import { IDENTITY_DIRECTION, type Volume } from '../volume/index.ts';
import { generateChestPhantom } from '../phantom/index.ts';

describe('lungMaskFromHu', () => {
  it.each([
    [1, 128, 32],
    [7, 160, 40],
  ])(
    'matches the chest phantom (seed %i, %i² x %i) with Dice >= 0.97 per lung, trachea removed',
    (seed, size, slices) => {
      const p = generateChestPhantom({ seed, size, slices });
      const r = lungMaskFromHu(p.volume);
      expect(r.warnings).toEqual([]);
      expect(diceForLabel(r.lungs, p.lungs, 1)).toBeGreaterThanOrEqual(0.97);
      expect(diceForLabel(r.lungs, p.lungs, 2)).toBeGreaterThanOrEqual(0.97);
      expect(r.airwayVoxels).toBeGreaterThan(0);
      // The infected voxels of the truth lie inside the found lungs (consolidation kept in the mask),
      // but for a lesion lying on the dome of the diaphragm where the lung rings the dome in-plane:
      // by HU it goes on inferiorly as the liver does, and stays out with the dome (keepDomesOut).
      let infected = 0;
      let inside = 0;
      for (let v = 0; v < p.infection.length; v++) {
        if (p.infection[v] === 0) continue;
        infected++;
        if (r.lungs[v] !== 0) inside++;
      }
      expect(inside / infected).toBeGreaterThan(0.95);
    },
  );

  it('finds both lungs of a synthetic chest with Dice >= 0.97 each, vessels and a peripheral lesion inside', () => {
    const { volume, truth } = syntheticChest();
    const r = lungMaskFromHu(volume);
    expect(r.warnings).toEqual([]);
    expect(diceForLabel(r.lungs, truth, 1)).toBeGreaterThanOrEqual(0.97);
    expect(diceForLabel(r.lungs, truth, 2)).toBeGreaterThanOrEqual(0.97);
    expect(r.airwayVoxels).toBeGreaterThan(0);
  });

  it('labels the lung at low LPS x as the right lung', () => {
    const { volume } = syntheticChest();
    const r = lungMaskFromHu(volume);
    const [nx, ny] = volume.dims;
    const k = 20;
    // image column 20 is at low x (patient right with an identity direction)
    let rightAtLowX = 0;
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx / 2; i++) if (r.lungs[i + nx * (j + ny * k)] === 1) rightAtLowX++;
    expect(rightAtLowX).toBeGreaterThan(0);
  });

  it('swaps the sides when the x axis runs towards the patient right', () => {
    const { volume, truth } = syntheticChest();
    const flipped: Volume = { ...volume, direction: [-1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const r = lungMaskFromHu(flipped);
    // truth label 1 sits at low i; with a flipped x axis low i is the patient's left
    expect(
      diceForLabel(
        r.lungs,
        truth.map((l) => (l === 0 ? 0 : 3 - l)),
        2,
      ),
    ).toBeGreaterThanOrEqual(0.97);
  });

  it('splits lungs that touch at the midline', () => {
    const { volume, truth } = syntheticChest({ gapMm: 0 });
    const r = lungMaskFromHu(volume);
    expect(diceForLabel(r.lungs, truth, 1)).toBeGreaterThanOrEqual(0.97);
    expect(diceForLabel(r.lungs, truth, 2)).toBeGreaterThanOrEqual(0.97);
  });

  it('finds both lungs when the scan starts below the trachea', () => {
    const { volume, truth } = syntheticChest({ trachea: false });
    const r = lungMaskFromHu(volume);
    expect(r.warnings).toEqual([]);
    expect(diceForLabel(r.lungs, truth, 1)).toBeGreaterThanOrEqual(0.97);
  });

  it('returns an empty mask and an E_NO_LUNGS warning for a volume without lungs', () => {
    const dims: [number, number, number] = [48, 48, 10];
    const hu = new Int16Array(48 * 48 * 10).fill(-1000);
    for (let k = 0; k < 10; k++)
      for (let j = 8; j < 40; j++) for (let i = 8; i < 40; i++) hu[i + 48 * (j + 48 * k)] = 40;
    hu[24 + 48 * (24 + 48 * 5)] = -1000; // one air bubble inside
    const volume: Volume = {
      dims,
      spacingMm: [1, 1, 1],
      originMm: [0, 0, 0],
      direction: [...IDENTITY_DIRECTION],
      voxels: hu,
      meta: {},
    };
    const r = lungMaskFromHu(volume);
    expect(r.warnings.map((w) => w.code)).toEqual(['E_NO_LUNGS']);
    expect(r.rightVoxels + r.leftVoxels).toBe(0);
    expect(r.lungs.every((v) => v === 0)).toBe(true);
  });

  it('returns an empty mask for an all-air volume', () => {
    const volume: Volume = {
      dims: [8, 8, 2],
      spacingMm: [1, 1, 1],
      originMm: [0, 0, 0],
      direction: [...IDENTITY_DIRECTION],
      voxels: new Int16Array(128).fill(-1000),
      meta: {},
    };
    expect(lungMaskFromHu(volume).warnings[0].code).toBe('E_NO_LUNGS');
  });

  it('recognises a single chest slice as a chest: two lungs, no E_NO_LUNGS', () => {
    const { volume, truth } = syntheticChest({ trachea: false });
    const [nx, ny] = volume.dims;
    const k = 20;
    const size = nx * ny;
    const one: Volume = {
      ...volume,
      dims: [nx, ny, 1],
      voxels: volume.voxels.slice(k * size, (k + 1) * size),
    };
    const r = lungMaskFromHu(one);
    expect(r.warnings).toEqual([]);
    expect(diceForLabel(r.lungs, truth.subarray(k * size, (k + 1) * size), 1)).toBeGreaterThan(0.9);
    expect(diceForLabel(r.lungs, truth.subarray(k * size, (k + 1) * size), 2)).toBeGreaterThan(0.9);
  });

  it('does not take pure air (bowel gas, median about -1000 HU) for a lung', () => {
    const { volume } = syntheticChest({ trachea: false });
    const [nx, ny, nz] = volume.dims;
    // Lungs become bowel-like gas: -1000 HU everywhere they were, vessels included.
    for (let v = 0; v < nx * ny * nz; v++) if (volume.voxels[v] < -300 || volume.voxels[v] === 30) volume.voxels[v] = -1000;
    // ... but the outside air must stay outside: rebuild the body around them.
    const { volume: reference } = syntheticChest({ trachea: false });
    for (let v = 0; v < nx * ny * nz; v++) if (reference.voxels[v] === -1000) volume.voxels[v] = -1000;
    const r = lungMaskFromHu(volume);
    expect(r.rightVoxels + r.leftVoxels).toBe(0);
    expect(r.warnings.map((w) => w.code)).toEqual(['E_NO_LUNGS']);
  });

  it('finds a lung broken into air pockets by disease where the mirror of the other lung says it is', () => {
    const { volume, truth } = syntheticChest({ trachea: false });
    const [nx, ny, nz] = volume.dims;
    // Left lung: septa of soft tissue every third voxel in x and y split its air into pockets.
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const v = i + nx * (j + ny * k);
          if (truth[v] === 2 && (i % 3 === 0 || j % 3 === 0)) volume.voxels[v] = 20;
        }
      }
    }
    const r = lungMaskFromHu(volume);
    expect(diceForLabel(r.lungs, truth, 1)).toBeGreaterThan(0.9);
    // The broken lung is found (its pockets joined by the closing), not reported missing.
    expect(r.warnings).toEqual([]);
    expect(diceForLabel(r.lungs, truth, 2)).toBeGreaterThan(0.8);
  });

  it('keeps the dome of the diaphragm out where the lung rings it, and fills a lesion enclosed by aerated lung', () => {
    const { volume, truth } = syntheticChest({ nz: 40 });
    const [nx, ny, nz] = volume.dims;
    const [sx, sy, sz] = volume.spacingMm;
    const cx = (nx - 1) / 2;
    const cy = (ny - 1) / 2;
    const lungX = (side: number): number => side * (40 / 2 + 55); // syntheticChest's lung centres (gap 40 mm)
    const dome: number[] = [];
    const lesion: number[] = [];
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const v = i + nx * (j + ny * k);
          const x = (i - cx) * sx;
          const y = (j - cy) * sy;
          // The right lung's base rings a soft-tissue dome (radius 20 mm) that goes on down into the abdomen.
          if (k * sz <= 40 && (x - lungX(-1)) ** 2 + (y + 5) ** 2 <= 20 ** 2 && volume.voxels[v] > -1000) {
            volume.voxels[v] = 45;
            if (truth[v] === 1) dome.push(v);
            truth[v] = 0;
          }
          // A 16 mm lesion inside the left lung, three slices high, aerated lung above and below it.
          if (k >= 18 && k <= 20 && (x - lungX(1) + 15) ** 2 + (y + 25) ** 2 <= 16 ** 2) {
            volume.voxels[v] = 20;
            lesion.push(v);
          }
        }
      }
    }
    const r = lungMaskFromHu(volume);
    expect(dome.length).toBeGreaterThan(300);
    const domeAsLung = dome.filter((v) => r.lungs[v] !== 0).length;
    // The closing (a 12 mm square) rounds the hole's edge into the lung: a rim of the dome joins it.
    expect(domeAsLung / dome.length).toBeLessThan(0.15);
    const lesionAsLung = lesion.filter((v) => r.lungs[v] === 2).length;
    expect(lesionAsLung / lesion.length).toBeGreaterThan(0.95);
    expect(diceForLabel(r.lungs, truth, 1)).toBeGreaterThan(0.95);
  });
});

