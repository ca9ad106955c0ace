import { describe, expect, it } from 'vitest';
import { LungLabel } from '../volume/index.ts';
import { addDiseasedLung, convexHullSpans, denseLungCandidates } from './diseasedLung.ts';
import { lungMaskFromHu } from './lungMaskFromHu.ts';
import { syntheticChest } from './syntheticChest.testutil.ts';

/**
 * The synthetic chest with ribs (bone arcs just inside the body wall), dependent consolidation in
 * the posterior third of the right lung (touching the chest wall) and a heart between the lungs.
 */
function chestWithDependentConsolidation() {
  const { volume, truth } = syntheticChest({ trachea: false });
  const [nx, ny, nz] = volume.dims;
  const [s] = volume.spacingMm;
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  const consolidated = new Uint8Array(truth.length);
  const heart = new Uint8Array(truth.length);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = i + nx * (j + ny * k);
        const xmm = (i - cx) * s;
        const ymm = (j - cy) * s;
        // Rib arcs hugging each lung a few millimetres outside it (the ellipsoid of
        // syntheticChest grown by 4-12 %), interrupted by intercostal spaces.
        for (const side of [-1, 1]) {
          const lx = side * (40 / 2 + 55);
          const lz = ((nz - 6) * 5) / 2 + 5;
          const r = ((xmm - lx) / 55) ** 2 + ((ymm + 5) / 75) ** 2 + ((k * 5 - lz) / (lz - 5)) ** 2;
          const angle = Math.atan2(ymm + 5, xmm - lx);
          if (r > 1.08 && r <= 1.25 && truth[v] === 0 && Math.sin(angle * 14) > -0.3) volume.voxels[v] = 450;
        }
        // Posterior (+y in LPS) part of the right lung: consolidation at +30 HU.
        if (truth[v] === LungLabel.RightLung && ymm > 25) {
          volume.voxels[v] = 30;
          consolidated[v] = 1;
        }
        // Heart: soft tissue between the lungs, anterior.
        if (truth[v] === 0 && xmm ** 2 / 30 ** 2 + (ymm + 10) ** 2 / 45 ** 2 <= 1 && k > 4 && k < nz - 8) {
          volume.voxels[v] = 45;
          heart[v] = 1;
        }
      }
    }
  }
  return { volume, truth, consolidated, heart };
}

describe('diseased lung (dense lung the threshold mask misses)', () => {
  it('adds dependent consolidation touching the chest wall when the model labels it, and never the heart or chest wall', () => {
    const { volume, truth, consolidated, heart } = chestWithDependentConsolidation();
    const mask = lungMaskFromHu(volume);
    const lungs = mask.lungs;
    let missedBefore = 0;
    let total = 0;
    for (let v = 0; v < lungs.length; v++) {
      if (!consolidated[v]) continue;
      total++;
      if (lungs[v] === 0) missedBefore++;
    }
    // The threshold mask alone misses most of the consolidation (that is the problem).
    expect(missedBefore / total).toBeGreaterThan(0.7);

    const candidates = denseLungCandidates(volume, lungs, mask.airMap!);
    // A model that labels every dense voxel, the heart included, as consolidation, restricted (as
    // the engine's argmax is) to aerated lung + candidates: the geometry alone must keep the heart out.
    for (let v = 0; v < lungs.length; v++) expect(heart[v] === 1 && candidates[v] !== 0).toBe(false);
    const infection = new Uint8Array(lungs.length);
    for (let v = 0; v < lungs.length; v++) {
      if ((consolidated[v] || heart[v]) && (lungs[v] !== 0 || candidates[v] !== 0)) infection[v] = 2;
    }
    addDiseasedLung(volume, lungs, candidates, infection);
    let found = 0;
    let outsideTruth = 0;
    for (let v = 0; v < lungs.length; v++) {
      if (consolidated[v] && lungs[v] === LungLabel.RightLung) found++;
      if (lungs[v] !== 0 && truth[v] === 0) outsideTruth++;
    }
    // Most of it: its thin tapering edges (thinner than the 14 mm square of the thickness test)
    // stay out.
    expect(found / total).toBeGreaterThan(0.75);
    // Infection is only ever left inside a lung.
    for (let v = 0; v < lungs.length; v++) if (infection[v] !== 0) expect(lungs[v]).not.toBe(0);
    // What was added is lung (closing may add a rim of a few voxels at the edges).
    expect(outsideTruth).toBeLessThan(0.03 * total);
  });

  it('adds nothing where the model sees no infection', () => {
    const { volume } = chestWithDependentConsolidation();
    const mask = lungMaskFromHu(volume);
    const before = mask.lungs.slice();
    const candidates = denseLungCandidates(volume, mask.lungs, mask.airMap!);
    const r = addDiseasedLung(volume, mask.lungs, candidates, new Uint8Array(before.length));
    expect(r.addedVoxels).toEqual({ right: 0, left: 0 });
    expect(mask.lungs).toEqual(before);
  });
});

describe('diseased lung without the model', () => {
  it('adds thick consolidation in the consolidation HU range even where the model saw none, not the thin chest wall', () => {
    const { volume, truth, consolidated } = chestWithDependentConsolidation();
    const mask = lungMaskFromHu(volume);
    const lungs = mask.lungs;
    const candidates = denseLungCandidates(volume, lungs, mask.airMap!);
    const infection = new Uint8Array(lungs.length); // the model saw nothing
    addDiseasedLung(volume, lungs, candidates, infection, [-100, 60]);
    let total = 0;
    let found = 0;
    let outsideTruth = 0;
    for (let v = 0; v < lungs.length; v++) {
      if (consolidated[v]) {
        total++;
        if (lungs[v] === LungLabel.RightLung && infection[v] === 2) found++;
      }
      if (lungs[v] !== 0 && truth[v] === 0) outsideTruth++;
    }
    expect(found / total).toBeGreaterThan(0.6);
    expect(outsideTruth).toBeLessThan(0.05 * total);
  });
});

describe('convexHullSpans', () => {
  it('gives the row spans of the convex hull of an L shape', () => {
    const w = 6;
    const h = 5;
    const mask = new Uint8Array(w * h);
    // L: column 0 rows 0-4, row 4 columns 0-4
    for (let y = 0; y < h; y++) mask[y * w] = 1;
    for (let x = 0; x < 5; x++) mask[4 * w + x] = 1;
    const spans = new Int32Array(2 * h);
    expect(convexHullSpans(mask, w, h, spans)).toBe(true);
    // The hull is the triangle (0,0), (0,4), (4,4): row y spans 0..y.
    for (let y = 0; y < h; y++) expect([spans[2 * y], spans[2 * y + 1]]).toEqual([0, y]);
    expect(convexHullSpans(new Uint8Array(w * h), w, h, spans)).toBe(false);
  });
});
