import { describe, expect, it } from 'vitest';
import { encodeElement, locateElements, setElement, splice } from '../fuzz/dicomEdit.ts';
import { encodePhantomSlice, generateChestPhantom, phantomUids } from '../phantom/index.ts';
import { countTopLevelElements } from './countTopLevelElements.ts';
import { MAX_TOP_LEVEL_ELEMENTS } from './limits.ts';
import { parseDicomBytes } from './parseDicomBytes.ts';

const phantom = generateChestPhantom({ seed: 2, size: 64, slices: 2 });
const slice = encodePhantomSlice(phantom, 0, phantomUids(phantom));
const file = locateElements(slice);
if (!file) throw new Error('phantom slice not located');
const start = [...file.spans.values()].filter((s) => s.key.startsWith('x0002')).reduce((m, s) => Math.max(m, s.end), 0);

function withPrivate(n: number): Uint8Array {
  const one = (k: number): Uint8Array => encodeElement({ tag: [0x0009, 0x1000 + (k % 0xefff)], vr: 'LO', value: 'x' }, true);
  const parts = Array.from({ length: n }, (_, k) => one(k));
  const block = new Uint8Array(n * parts[0].length);
  parts.forEach((p, i) => block.set(p, i * p.length));
  const at = file?.spans.get('x00080060')?.end ?? start;
  return splice(slice, at, at, block);
}

describe('countTopLevelElements', () => {
  it('counts the elements dicom-parser finds before Pixel Data', () => {
    const parsed = parseDicomBytes(slice, { headerOnly: true });
    const dataSetKeys = Object.keys(parsed.dataSet.elements).filter((k) => !k.startsWith('x0002') && k !== 'x7fe00010');
    expect(countTopLevelElements(slice, start, true, true, 1e9)).toBe(dataSetKeys.length);
  });

  it('does not count the elements inside a sequence of undefined length', () => {
    const item = Uint8Array.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
    const inner = Array.from({ length: 100 }, (_, k) => encodeElement({ tag: [0x0008, 0x1150 + k], vr: 'UI', value: '1.2' }, true));
    const close = Uint8Array.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    const value = new Uint8Array(item.length + inner.reduce((s, x) => s + x.length, 0) + close.length);
    let at = 0;
    for (const p of [item, ...inner, close]) {
      value.set(p, at);
      at += p.length;
    }
    const withSeq = setElement(file as NonNullable<typeof file>, { tag: [0x0008, 0x1140], vr: 'SQ', value, declaredLength: 0xffffffff });
    expect(countTopLevelElements(withSeq, start, true, true, 1e9)).toBe(countTopLevelElements(slice, start, true, true, 1e9) + 1);
  });

  it(`refuses a header of more than ${MAX_TOP_LEVEL_ELEMENTS} elements with E_TOO_LARGE before parsing it, and reads 10,000`, () => {
    expect(() => parseDicomBytes(withPrivate(300_000), { headerOnly: true, source: 'many.dcm' })).toThrowError(expect.objectContaining({ code: 'E_TOO_LARGE', detail: 'many.dcm' }));
    expect(parseDicomBytes(withPrivate(10_000), { headerOnly: true }).dataSet.elements.x00280010).toBeDefined();
  });
});
