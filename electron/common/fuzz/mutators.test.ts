import { inflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodePhantomSlice, generateChestPhantom, phantomUids } from '../phantom/index.ts';
import { parseDicomBytes } from '../dicom/parseDicomBytes.ts';
import { locateElements, setElement } from './dicomEdit.ts';
import { MUTATORS, createRng, deflateBomb, makeInput, type FuzzSeed } from './mutators.ts';

const phantom = generateChestPhantom({ seed: 1, size: 64, slices: 3 });
const uids = phantomUids(phantom);
const slice = (k: number): Uint8Array => encodePhantomSlice(phantom, k, uids);
const seeds: FuzzSeed[] = [
  { name: 'one', files: [{ name: 'a.dcm', bytes: slice(0) }] },
  { name: 'series', files: [0, 1, 2].map((k) => ({ name: `s${k}.dcm`, bytes: slice(k) })) },
];

describe('fuzz mutators', () => {
  it('make the same input from the same (seed, index), and different ones from different indices', () => {
    const a = makeInput(5, 42, seeds);
    const b = makeInput(5, 42, seeds);
    expect(b.detail).toBe(a.detail);
    expect(b.files.map((f) => Array.from(f.bytes))).toEqual(a.files.map((f) => Array.from(f.bytes)));
    const details = new Set(Array.from({ length: 40 }, (_, i) => makeInput(5, i, seeds).detail));
    expect(details.size).toBeGreaterThan(30);
  });

  it('every mutator changes the bytes of an input it applies to, and leaves the seed alone', () => {
    const before = Array.from(seeds[1].files[0].bytes);
    for (const m of MUTATORS) {
      let applied = 0;
      for (let i = 0; i < 12 && applied === 0; i++) {
        const out = m.fn(seeds[m.name === 'series' ? 1 : i % 2].files, createRng(i + 1));
        if (!out) continue;
        applied++;
        const changed = out.files.length !== seeds[m.name === 'series' ? 1 : i % 2].files.length || out.files.some((f, k) => Array.from(f.bytes).join() !== Array.from(seeds[m.name === 'series' ? 1 : i % 2].files[k].bytes).join());
        expect(changed, m.name).toBe(true);
      }
      if (m.name !== 'fragments') expect(applied, m.name).toBe(1);
    }
    expect(Array.from(seeds[1].files[0].bytes)).toEqual(before);
  });

  it('setElement replaces an element so that the parser reads the new value', () => {
    const f = locateElements(slice(0));
    if (!f) throw new Error('not located');
    const out = setElement(f, { tag: [0x0028, 0x0030], vr: 'DS', value: '0\\0' });
    expect(parseDicomBytes(out).dataSet.string('x00280030')).toBe('0\\0');
  });

  it('a deflate bomb inflates to the Pixel Data it claims (so it is a bomb, not a broken stream)', () => {
    const bomb = deflateBomb({ name: 'a.dcm', bytes: slice(0) }, 8 * 2 ** 20) as Uint8Array;
    expect(bomb.length).toBeLessThan(40_000);
    // The data set starts after the file meta; inflate it with no bound here and find the claimed pixels.
    const metaEnd = 132 + 12 + new DataView(bomb.buffer, bomb.byteOffset + 140, 4).getUint32(0, true);
    const inflated = inflateSync(bomb.subarray(metaEnd));
    expect(inflated.length).toBeGreaterThan(8 * 2 ** 20);
  });
});
