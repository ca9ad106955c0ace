/**
 * Ten hostile files made from one clean Explicit VR Little Endian slice (issue 17's "a folder of 1000
 * files with 10 hostile ones"): absurd frame counts and sizes, deflate bombs, an element running past
 * the end, a file cut inside its header, sequences nested 20,000 deep, a 5-value orientation.
 */
import { deflateBomb } from '../../electron/common/fuzz/mutators.ts';
import { encodeElement, locateElements, setDeclaredLength, setElement, setUs } from '../../electron/common/fuzz/dicomEdit.ts';

function nested(depth: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const item = (el: number, len: number): Uint8Array => {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, 0xfffe, true);
    dv.setUint16(2, el, true);
    dv.setUint32(4, len >>> 0, true);
    return b;
  };
  for (let i = 0; i < depth; i++) {
    if (i > 0) parts.push(encodeElement({ tag: [0x0008, 0x1140], vr: 'SQ', value: new Uint8Array(0), declaredLength: 0xffffffff }, true));
    parts.push(item(0xe000, 0xffffffff));
  }
  for (let i = 0; i < depth; i++) parts.push(item(0xe00d, 0), item(0xe0dd, 0));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function hostileScanFiles(clean: Uint8Array): { name: string; bytes: Uint8Array }[] {
  const f = locateElements(clean);
  if (!f || !f.explicit) throw new Error('hostileScanFiles needs an Explicit VR Little Endian file');
  const out: { name: string; bytes: Uint8Array }[] = [];
  const add = (name: string, bytes: Uint8Array | undefined): void => {
    if (!bytes) throw new Error(`hostile ${name} could not be made`);
    out.push({ name: `zz-hostile-${name}.dcm`, bytes });
  };
  add('frames-2147483647', setElement(f, { tag: [0x0028, 0x0008], vr: 'IS', value: '2147483647' }));
  add('frames-100000', setElement(f, { tag: [0x0028, 0x0008], vr: 'IS', value: '100000' }));
  const seed = { name: 'clean.dcm', bytes: clean };
  add('deflate-bomb-2g', deflateBomb(seed, 2 * 2 ** 30));
  add('deflate-bomb-1g', deflateBomb(seed, 2 ** 30));
  add('deflate-bomb-300m', deflateBomb(seed, 300 * 2 ** 20));
  add('modality-length', setDeclaredLength(f, 'x00080060', 0x7ffffff0));
  add('cut-in-header', clean.slice(0, Math.min(clean.length, 700)));
  add('nested-20000', setElement(f, { tag: [0x0008, 0x1140], vr: 'SQ', value: nested(20_000), declaredLength: 0xffffffff }));
  add('65535x65535', setUs(locateElements(setUs(f, [0x0028, 0x0010], 65535) as Uint8Array) as NonNullable<ReturnType<typeof locateElements>>, [0x0028, 0x0011], 65535));
  add('iop-5-values', setElement(f, { tag: [0x0020, 0x0037], vr: 'DS', value: '1\\0\\0\\0\\1' }));
  return out;
}
