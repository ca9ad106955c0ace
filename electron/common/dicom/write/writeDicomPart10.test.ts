import { describe, expect, it } from 'vitest';
import dicomParser from 'dicom-parser';
import { inflateSync } from 'fflate';
import { TransferSyntax } from '../pixels/frames.ts';
import { createRandomUid, isValidUid, uidFromSeed } from './dicomUid.ts';
import { formatDecimalString, OPAL_IMPLEMENTATION_CLASS_UID, tag, writeDicomPart10, type DicomElement } from './writeDicomPart10.ts';

const SOP_CLASS = '1.2.840.10008.5.1.4.1.1.2';
const SOP_INSTANCE = uidFromSeed('writer-test-instance');

const elements = (): DicomElement[] => [
  { tag: tag(0x0010, 0x0010), vr: 'PN', value: 'DOE^ANN' }, // odd length: padded with a space
  { tag: tag(0x0008, 0x0060), vr: 'CS', value: 'CT' }, // given out of order on purpose
  { tag: tag(0x0020, 0x000d), vr: 'UI', value: '1.2.3' }, // odd length: padded with NUL
  { tag: tag(0x0020, 0x0032), vr: 'DS', value: [-179.6484375, -179.6484375, 1 / 3] },
  { tag: tag(0x0020, 0x0013), vr: 'IS', value: 42 },
  { tag: tag(0x0028, 0x0010), vr: 'US', value: 2 },
  { tag: tag(0x0018, 0x9306), vr: 'FD', value: [0.625, -2.5] },
  { tag: tag(0x0028, 0x0009), vr: 'AT', value: tag(0x0054, 0x0080) },
  { tag: tag(0x0029, 0x1010), vr: 'OB', value: Uint8Array.from([1, 2, 3]) }, // odd: padded with 0
  {
    tag: tag(0x0008, 0x1115),
    vr: 'SQ',
    items: [
      [{ tag: tag(0x0020, 0x000e), vr: 'UI', value: '1.2.3.4' }],
      [
        { tag: tag(0x0020, 0x000e), vr: 'UI', value: '1.2.3.5' },
        { tag: tag(0x0008, 0x114a), vr: 'SQ', undefinedLength: true, items: [[{ tag: tag(0x0008, 0x1155), vr: 'UI', value: '1.2.3.5.1' }]] },
      ],
    ],
  },
  { tag: tag(0x0040, 0x0260), vr: 'SQ', undefinedLength: true, items: [[{ tag: tag(0x0008, 0x0100), vr: 'SH', value: 'ABC' }], []] },
  { tag: tag(0x7fe0, 0x0010), vr: 'OW', value: Int16Array.from([-1024, 0, 1, 3071]) },
];

function write(ts: string = TransferSyntax.ExplicitVRLittleEndian, els: DicomElement[] = elements()): Uint8Array {
  return writeDicomPart10(els, { transferSyntaxUid: ts, sopClassUid: SOP_CLASS, sopInstanceUid: SOP_INSTANCE });
}

function parse(bytes: Uint8Array): dicomParser.DataSet {
  return dicomParser.parseDicom(bytes, { inflater: (arr: Uint8Array, position: number) => {
    const inflated = inflateSync(arr.subarray(position));
    const out = new Uint8Array(position + inflated.length);
    out.set(arr.subarray(0, position));
    out.set(inflated, position);
    return out;
  } } as dicomParser.ParseDicomOptions);
}

function expectContent(ds: dicomParser.DataSet): void {
  expect(ds.string('x00100010')).toBe('DOE^ANN');
  expect(ds.string('x00080060')).toBe('CT');
  expect(ds.string('x0020000d')).toBe('1.2.3');
  expect(ds.string('x00200032')).toBe(`-179.6484375\\-179.6484375\\${formatDecimalString(1 / 3)}`);
  expect(ds.intString('x00200013')).toBe(42);
  expect(ds.uint16('x00280010')).toBe(2);
  expect(ds.double('x00189306', 1)).toBe(-2.5);
  expect(ds.string('x00080016')).toBe(SOP_CLASS); // added from the options
  expect(ds.string('x00080018')).toBe(SOP_INSTANCE);
  const seq = ds.elements.x00081115.items ?? [];
  expect(seq.map((item) => item.dataSet?.string('x0020000e'))).toEqual(['1.2.3.4', '1.2.3.5']);
  expect(seq[1].dataSet?.elements.x0008114a.items?.[0].dataSet?.string('x00081155')).toBe('1.2.3.5.1');
  const undefSeq = ds.elements.x00400260.items ?? [];
  expect(undefSeq).toHaveLength(2);
  expect(undefSeq[0].dataSet?.string('x00080100')).toBe('ABC');
  const px = ds.elements.x7fe00010;
  expect(Array.from(new Int16Array(ds.byteArray.slice(px.dataOffset, px.dataOffset + px.length).buffer))).toEqual([-1024, 0, 1, 3071]);
}

describe('writeDicomPart10', () => {
  it('writes the preamble, DICM and a file meta group whose group length is right', () => {
    const bytes = write();
    expect(Array.from(bytes.subarray(0, 128)).every((b) => b === 0)).toBe(true);
    expect(String.fromCharCode(...bytes.subarray(128, 132))).toBe('DICM');
    const ds = parse(bytes);
    // (0002,0000) is 12 bytes (tag, VR, 2-byte length, 4-byte value) at 132; the meta ends where group 0008 begins.
    const groupLength = ds.uint32('x00020000') as number;
    const firstDataset = Math.min(...Object.values(ds.elements).filter((e) => !e.tag.startsWith('x0002')).map((e) => e.dataOffset - 8));
    expect(132 + 12 + groupLength).toBe(firstDataset);
    expect(ds.string('x00020010')).toBe(TransferSyntax.ExplicitVRLittleEndian);
    expect(ds.string('x00020002')).toBe(SOP_CLASS);
    expect(ds.string('x00020003')).toBe(SOP_INSTANCE);
    expect(ds.string('x00020012')).toBe(OPAL_IMPLEMENTATION_CLASS_UID);
  });

  it('round-trips every value through an independent parser (dicom-parser), explicit VR', () => {
    expectContent(parse(write()));
  });

  it('writes Implicit VR Little Endian and Deflated Explicit VR Little Endian data sets', () => {
    expectContent(parse(write(TransferSyntax.ImplicitVRLittleEndian)));
    const deflated = write(TransferSyntax.DeflatedExplicitVRLittleEndian);
    expectContent(parse(deflated));
    expect(deflated.length % 2).toBe(0);
  });

  it('pads every value to even length: UI with NUL, text with a space, OB with zero', () => {
    const ds = parse(write());
    for (const e of Object.values(ds.elements)) {
      if (e.hadUndefinedLength) continue;
      expect(e.length % 2, `${e.tag} has odd length ${e.length}`).toBe(0);
    }
    const at = (t: string, n: number): number => ds.byteArray[ds.elements[t].dataOffset + n];
    expect(at('x00100010', 7)).toBe(0x20);
    expect(at('x0020000d', 5)).toBe(0x00);
    expect(at('x00291010', 3)).toBe(0x00);
  });

  it('sorts elements by tag', () => {
    const ds = parse(write());
    const offsets = Object.values(ds.elements).map((e) => [parseInt(e.tag.slice(1), 16), e.dataOffset]);
    const byTag = [...offsets].sort((a, b) => a[0] - b[0]).map((x) => x[1]);
    expect(byTag).toEqual([...byTag].sort((a, b) => a - b));
  });

  it('writes encapsulated pixel data as an empty offset table plus one item per fragment', () => {
    const els: DicomElement[] = [{ tag: tag(0x7fe0, 0x0010), vr: 'OB', fragments: [Uint8Array.from([1, 2, 3]), Uint8Array.from([4, 5])] }];
    const ds = parse(write(TransferSyntax.JPEGLSLossless, els));
    const px = ds.elements.x7fe00010;
    expect(px.encapsulatedPixelData).toBe(true);
    expect(px.basicOffsetTable).toEqual([]);
    expect(px.fragments?.map((f) => f.length)).toEqual([4, 2]);
  });

  it.each([
    ['a duplicate tag', [{ tag: tag(0x0010, 0x0010), vr: 'PN', value: 'A' }, { tag: tag(0x0010, 0x0010), vr: 'PN', value: 'B' }], /twice/],
    ['an invalid UID', [{ tag: tag(0x0020, 0x000d), vr: 'UI', value: '1.02.3' }], /not a valid UID/],
    ['a file meta element', [{ tag: tag(0x0002, 0x0013), vr: 'SH', value: 'X' }], /group 0002/],
    ['a value too long for a short VR', [{ tag: tag(0x0010, 0x0010), vr: 'PN', value: 'A'.repeat(70000) }], /16-bit length/],
    ['non-ASCII text without UTF-8 character set', [{ tag: tag(0x0010, 0x0010), vr: 'PN', value: 'Müller^Jörg' }], /ISO_IR 192/],
    ['a SOPInstanceUID that contradicts the options', [{ tag: tag(0x0008, 0x0018), vr: 'UI', value: '1.2.3' }], /differs/],
    ['a fractional US', [{ tag: tag(0x0028, 0x0010), vr: 'US', value: 1.5 }], /integer/],
  ] as [string, DicomElement[], RegExp][])('refuses %s with E_BAD_ARGUMENT', (_what, els, message) => {
    expect(() => write(TransferSyntax.ExplicitVRLittleEndian, els)).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT', message: expect.stringMatching(message) }));
  });

  it('writes non-ASCII text as UTF-8 when SpecificCharacterSet is ISO_IR 192', () => {
    const ds = parse(write(TransferSyntax.ExplicitVRLittleEndian, [
      { tag: tag(0x0008, 0x0005), vr: 'CS', value: 'ISO_IR 192' },
      { tag: tag(0x0010, 0x0010), vr: 'PN', value: 'Müller^Jörg' },
    ]));
    const e = ds.elements.x00100010;
    expect(Buffer.from(ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length)).toString('utf8').trimEnd()).toBe('Müller^Jörg');
  });
});

describe('formatDecimalString', () => {
  it('keeps DS values within 16 characters and close to the number', () => {
    for (const v of [1 / 3, -179.6484375, 0.703125, 1e-20, -1.23456789e15, 4.688]) {
      const s = formatDecimalString(v);
      expect(s.length).toBeLessThanOrEqual(16);
      expect(Number(s)).toBeCloseTo(v, Math.abs(v) > 1e10 ? -5 : 10);
    }
    expect(formatDecimalString(0.703125)).toBe('0.703125');
  });
});

describe('DICOM UIDs', () => {
  it('creates valid, unique 2.25 UIDs', () => {
    const uids = new Set(Array.from({ length: 1000 }, () => createRandomUid()));
    expect(uids.size).toBe(1000);
    for (const u of uids) {
      expect(u.startsWith('2.25.')).toBe(true);
      expect(u.length).toBeLessThanOrEqual(44);
      expect(isValidUid(u)).toBe(true);
    }
  });

  it('derives the same UID from the same key, and different UIDs from different keys', () => {
    expect(uidFromSeed('phantom|1|series')).toBe(uidFromSeed('phantom|1|series'));
    const many = new Set(Array.from({ length: 2000 }, (_, i) => uidFromSeed(`phantom|1|sop|${i}`)));
    expect(many.size).toBe(2000);
    for (const u of many) expect(isValidUid(u)).toBe(true);
    expect(uidFromSeed('a')).not.toBe(uidFromSeed('b'));
  });

  it('validates UID syntax (PS3.5 9.1)', () => {
    expect(isValidUid('1.2.840.10008.1.2.1')).toBe(true);
    expect(isValidUid('1.02.3')).toBe(false);
    expect(isValidUid('1.2.')).toBe(false);
    expect(isValidUid('1.2.a')).toBe(false);
    expect(isValidUid(`1.${'2'.repeat(64)}`)).toBe(false);
  });
});
