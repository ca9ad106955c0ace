import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../volume/index.ts';
import { suppressFalsePositives } from './suppressFalsePositives.ts';

/** A block of lung (-850 HU) filling most of a 1 mm x 1 mm x 2 mm grid. */
function lungBlock() {
  const dims: Vec3 = [80, 80, 40];
  const spacingMm: Vec3 = [1, 1, 2];
  const n = dims[0] * dims[1] * dims[2];
  const hu = new Int16Array(n).fill(40);
  const lungs = new Uint8Array(n);
  const at = (i: number, j: number, k: number): number => i + dims[0] * (j + dims[1] * k);
  for (let k = 5; k < 35; k++) {
    for (let j = 5; j < 75; j++) {
      for (let i = 5; i < 75; i++) {
        lungs[at(i, j, k)] = 1;
        hu[at(i, j, k)] = -850;
      }
    }
  }
  return { dims, spacingMm, hu, lungs, infection: new Uint8Array(n), at };
}

function count(mask: Uint8Array): number {
  let c = 0;
  for (const v of mask) if (v !== 0) c++;
  return c;
}

describe('suppressFalsePositives', () => {
  it('keeps a ground-glass lesion whole, vessel running through it included', () => {
    const b = lungBlock();
    for (let k = 12; k < 22; k++) {
      for (let j = 25; j < 50; j++) {
        for (let i = 25; i < 50; i++) {
          if ((i - 37) ** 2 + (j - 37) ** 2 <= 144) {
            b.hu[b.at(i, j, k)] = -550;
            b.infection[b.at(i, j, k)] = 1;
          }
        }
      }
    }
    for (let k = 5; k < 35; k++) for (let j = 36; j <= 38; j++) b.hu[b.at(37, j, k)] = 40; // a vessel
    const before = count(b.infection);
    const r = suppressFalsePositives(b.infection, b.lungs, b.hu, b.dims, b.spacingMm);
    expect(count(b.infection)).toBe(before);
    expect(r.keptComponents).toBe(1);
  });

  it('removes infection on a vessel and its partial-volume halo', () => {
    const b = lungBlock();
    for (let k = 8; k < 32; k++) {
      for (let j = 30; j <= 40; j++) {
        for (let i = 30; i <= 40; i++) {
          const d2 = (i - 35) ** 2 + (j - 35) ** 2;
          if (d2 <= 4) b.hu[b.at(i, j, k)] = 40; // vessel, 2 mm radius
          else if (d2 <= 9) b.hu[b.at(i, j, k)] = -500; // halo
          if (d2 <= 9) b.infection[b.at(i, j, k)] = 2;
        }
      }
    }
    expect(count(b.infection)).toBeGreaterThan(500); // 0.5 mL+: not removed for being small
    const r = suppressFalsePositives(b.infection, b.lungs, b.hu, b.dims, b.spacingMm);
    expect(count(b.infection)).toBe(0);
    expect(r.removedMl.noCore).toBeGreaterThan(0.5);
  });

  it('removes a partial-volume rim on the lung base (diaphragm dome), keeps a real basal lesion', () => {
    const b = lungBlock();
    // Rim: the lowest lung slice over a wide area, at partial-volume HU.
    for (let j = 10; j < 70; j++) {
      for (let i = 10; i < 70; i++) {
        b.hu[b.at(i, j, 5)] = -450;
        b.infection[b.at(i, j, 5)] = 1;
      }
    }
    const r1 = suppressFalsePositives(b.infection, b.lungs, b.hu, b.dims, b.spacingMm);
    expect(count(b.infection)).toBe(0);
    expect(r1.removedComponents).toBe(1);
    // A basal consolidation 10 slices (20 mm) high on the same spot survives.
    for (let k = 5; k < 15; k++) {
      for (let j = 20; j < 40; j++) {
        for (let i = 20; i < 40; i++) {
          b.hu[b.at(i, j, k)] = 20;
          b.infection[b.at(i, j, k)] = 2;
        }
      }
    }
    const n = count(b.infection);
    suppressFalsePositives(b.infection, b.lungs, b.hu, b.dims, b.spacingMm);
    expect(count(b.infection)).toBe(n);
  });

  it('removes specks below the minimum lesion volume', () => {
    const b = lungBlock();
    for (let k = 20; k < 22; k++) for (let j = 40; j < 44; j++) for (let i = 40; i < 44; i++) b.infection[b.at(i, j, k)] = 1;
    const r = suppressFalsePositives(b.infection, b.lungs, b.hu, b.dims, b.spacingMm, { minLesionMl: 0.2 });
    expect(count(b.infection)).toBe(0);
    expect(r.removedMl.small).toBeCloseTo(0.064, 3);
  });

  it('removes a component fainter than ground glass (mean below -680 HU: dependent density, motion)', () => {
    const b = lungBlock();
    for (let k = 12; k < 22; k++) {
      for (let j = 25; j < 50; j++) {
        for (let i = 25; i < 50; i++) {
          b.hu[b.at(i, j, k)] = -720;
          b.infection[b.at(i, j, k)] = 1;
        }
      }
    }
    const r = suppressFalsePositives(b.infection, b.lungs, b.hu, b.dims, b.spacingMm);
    expect(count(b.infection)).toBe(0);
    expect(r.removedMl.faint).toBeGreaterThan(10);
  });

  it('removes a small component that is mostly rim, keeps a large one with the same make-up', () => {
    // A slab on the lung base 3 slices (6 mm) high: its lowest 2 slices are rim, 1/3 of it is core.
    const build = (side: number) => {
      const b = lungBlock();
      for (let k = 5; k < 8; k++) {
        for (let j = 20; j < 20 + side; j++) {
          for (let i = 20; i < 20 + side; i++) {
            b.hu[b.at(i, j, k)] = -500;
            b.infection[b.at(i, j, k)] = 1;
          }
        }
      }
      return b;
    };
    const small = build(20); // 2.4 mL, below largeMl (5 mL)
    suppressFalsePositives(small.infection, small.lungs, small.hu, small.dims, small.spacingMm, { minCoreFraction: 0.4 });
    expect(count(small.infection)).toBe(0);
    const large = build(40); // 9.6 mL
    const n = count(large.infection);
    suppressFalsePositives(large.infection, large.lungs, large.hu, large.dims, large.spacingMm, { minCoreFraction: 0.4 });
    expect(count(large.infection)).toBe(n);
  });
});
