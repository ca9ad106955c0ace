import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deflate } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { inflateBounded, parseDicomBytes } from '../../electron/common/dicom/parseDicomBytes.ts';
import { readFrameHeaders, type FrameHeader } from '../../electron/common/dicom/readFrameHeaders.ts';
import { planSeries } from '../../electron/common/dicom/series.ts';
import { MAX_VOLUME_VOXELS, inflatedByteLimit } from '../../electron/common/dicom/limits.ts';
import { loadScannedSeries, loadVolumeFromPath } from '../../electron/main/studies/loadVolume.ts';
import { scanPath } from '../../electron/main/studies/scan.ts';
import { sharedData } from '../fixtures/sharedData.ts';
import { setElement, setUs } from './mutateDicom.ts';
import { axialSeries, ctSlice, ctSliceElements, encodeDicomFile } from './syntheticDicom.ts';

const root = mkdtempSync(join(tmpdir(), 'opal-dicom-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function folder(files: { name: string; bytes: Uint8Array }[]): string {
  const dir = join(root, `case${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
  return dir;
}

/** A real CT image from ../shared (512x512 int16), in the syntax named by the file. */
function realFile(name: string): Uint8Array {
  const p = sharedData('dicom', 'transfer-syntaxes', name);
  if (!p) throw new Error(`needs ../shared/data/dicom/transfer-syntaxes/${name}`);
  return new Uint8Array(readFileSync(p));
}
const explicitLe = (): Uint8Array => realFile('CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');
const implicitLe = (): Uint8Array => realFile('CTImage.dcm');
const jpeg2000 = (): Uint8Array => realFile('CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm');

const frames = (value: string) => ({ tag: [0x0028, 0x0008] as [number, number], vr: 'IS', value });

/** Scans one file and returns its skip reason and how long the scan took. */
async function skipOf(bytes: Uint8Array): Promise<{ code: string; message: string; ms: number }> {
  const dir = folder([{ name: 'bad.dcm', bytes }]);
  const t0 = performance.now();
  const scan = await scanPath(join(dir, 'bad.dcm'));
  const ms = performance.now() - t0;
  expect(scan.series).toEqual([]);
  expect(scan.skipped).toHaveLength(1);
  return { code: scan.skipped[0].code, message: scan.skipped[0].message, ms };
}

describe('hostile input: absurd Number of Frames', () => {
  for (const claimed of ['2147483647', '4294967296', '100000000000', '100000']) {
    it(`refuses a real one-frame file claiming ${claimed} frames with E_BAD_PIXEL_MODULE naming both numbers, in well under a second`, async () => {
      const { code, message, ms } = await skipOf(setElement(explicitLe(), frames(claimed)));
      expect(code).toBe('E_BAD_PIXEL_MODULE');
      expect(message).toContain(`Number of Frames (0028,0008) is ${claimed}, but Pixel Data holds 524288 bytes: room for 1 frame(s)`);
      expect(ms).toBeLessThan(1000);
    });
  }

  it('refuses a real one-frame JPEG 2000 file claiming 100000 frames from the header alone (too few bytes for that many fragments)', async () => {
    const { code, message, ms } = await skipOf(setElement(jpeg2000(), frames('100000')));
    expect(code).toBe('E_BAD_PIXEL_MODULE');
    expect(message).toMatch(/Number of Frames \(0028,0008\) is 100000, but the file holds \d+ bytes of encapsulated Pixel Data/);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses an encapsulated file parsed whole when it claims more frames than it has fragments', () => {
    const p = parseDicomBytes(setElement(jpeg2000(), frames('2')));
    expect(() => readFrameHeaders(p.dataSet, p.transferSyntaxUid, 'j2k.dcm')).toThrowError(expect.objectContaining({ code: 'E_BAD_PIXEL_MODULE', message: expect.stringContaining('holds 1 fragment(s)') }));
  });

  it('refuses a consistent but huge claim (70,000 frames of 1x1) with E_TOO_LARGE before building 70,000 headers', () => {
    const el = ctSliceElements({ sopUid: '7.7.7', rows: 1, columns: 1, pixels: new Int16Array(70_000) });
    const p = parseDicomBytes(encodeDicomFile([...el, { tag: [0x0028, 0x0008], vr: 'IS', value: '70000' }]));
    expect(() => readFrameHeaders(p.dataSet, p.transferSyntaxUid, 'many.dcm')).toThrowError(expect.objectContaining({ code: 'E_TOO_LARGE', message: expect.stringContaining('at most 65536 frames') }));
  });

  it('keeps a folder scan going: the hostile file is skipped and the series beside it is found', async () => {
    const dir = folder([...axialSeries(3), { name: 'hostile.dcm', bytes: setElement(explicitLe(), frames('2147483647')) }]);
    const t0 = performance.now();
    const scan = await scanPath(dir);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(scan.series.map((s) => s.summary.dims)).toEqual([[4, 4, 3]]);
    expect(scan.skipped).toEqual([expect.objectContaining({ path: join(dir, 'hostile.dcm'), code: 'E_BAD_PIXEL_MODULE' })]);
  });
});

describe('hostile input: impossible image sizes', () => {
  it('refuses Rows 0 and Columns 0 with E_BAD_PIXEL_MODULE', async () => {
    expect((await skipOf(setUs(explicitLe(), [0x0028, 0x0010], 0))).code).toBe('E_BAD_PIXEL_MODULE');
    expect((await skipOf(setUs(explicitLe(), [0x0028, 0x0011], 0))).code).toBe('E_BAD_PIXEL_MODULE');
  });

  it('refuses Bits Allocated 0, 12 and 65535 with E_BAD_PIXEL_MODULE naming the value', async () => {
    for (const bits of [0, 12, 65535]) {
      const { code, message } = await skipOf(setUs(explicitLe(), [0x0028, 0x0100], bits));
      expect(code).toBe('E_BAD_PIXEL_MODULE');
      expect(message).toContain(`Bits Allocated (0028,0100) is ${bits}`);
    }
  });

  it('refuses a compressed frame claiming 65535 x 65535 pixels with E_TOO_LARGE (no decoder allocation)', async () => {
    const big = setUs(setUs(jpeg2000(), [0x0028, 0x0010], 65535), [0x0028, 0x0011], 65535);
    const { code, message } = await skipOf(big);
    expect(code).toBe('E_TOO_LARGE');
    expect(message).toContain('65535x65535');
  });

  it('refuses an uncompressed file whose Rows x Columns need more bytes than its Pixel Data holds', async () => {
    const { code, message } = await skipOf(setUs(setUs(explicitLe(), [0x0028, 0x0010], 4096), [0x0028, 0x0011], 4096));
    expect(code).toBe('E_TRUNCATED');
    expect(message).toContain('524288 bytes present, 33554432 needed');
  });

  it(`refuses a series of more than ${MAX_VOLUME_VOXELS} voxels with E_TOO_LARGE before allocating it`, () => {
    const p = parseDicomBytes(ctSlice({ sopUid: '9.1', rows: 4, columns: 4 }));
    const [h] = readFrameHeaders(p.dataSet, p.transferSyntaxUid, 's.dcm');
    const slices: FrameHeader[] = Array.from({ length: 17 }, (_, k) => ({ ...h, rows: 8192, columns: 8192, sopInstanceUid: `9.1.${k}`, imagePositionMm: [0, 0, k] }));
    const g = planSeries(slices);
    expect(g.refusal).toMatchObject({ code: 'E_TOO_LARGE' });
    expect(g.warnings.map((w) => w.code)).toContain('E_TOO_LARGE');
  });
});

/** A Deflated Explicit VR Little Endian file (PS3.5 A.5) whose Pixel Data holds `zeroBytes` zeros, deflated while streaming. */
function deflatedZeros(zeroBytes: number): Uint8Array {
  const meta = encodeDicomFile([], { transferSyntaxUid: '1.2.840.10008.1.2.1.99' });
  const header = encodeDicomFile(ctSliceElements({ sopUid: '6.6.6', noPixelData: true }), { noMeta: true });
  const pixelHeader = Uint8Array.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0, zeroBytes & 0xff, (zeroBytes >>> 8) & 0xff, (zeroBytes >>> 16) & 0xff, (zeroBytes >>> 24) & 0xff]);
  const out: Uint8Array[] = [meta];
  const deflate = new Deflate({ level: 9 }, (chunk) => out.push(chunk));
  deflate.push(header);
  deflate.push(pixelHeader);
  const zeros = new Uint8Array(1 << 20);
  for (let left = zeroBytes; left > 0; left -= zeros.length) deflate.push(zeros.subarray(0, Math.min(left, zeros.length)));
  deflate.push(new Uint8Array(0), true);
  const file = new Uint8Array(out.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of out) {
    file.set(c, at);
    at += c.length;
  }
  return file;
}

describe('hostile input: deflate bombs', () => {
  it('refuses a deflated file that inflates past its limit with E_TOO_LARGE, while inflating', async () => {
    const bomb = deflatedZeros(100 * 2 ** 20);
    const limit = inflatedByteLimit(bomb.length);
    expect(limit).toBeLessThan(100 * 2 ** 20);
    const { code, message, ms } = await skipOf(bomb);
    expect(code).toBe('E_TOO_LARGE');
    // Refused at the size limit, or earlier, as soon as it inflates more than 200 times (a bomb).
    expect(message).toMatch(new RegExp(`inflates to more than ${limit} bytes|inflates more than 200 times`));
    // Answered within the 20 s any hostile file gets (issue 17), on a loaded machine too.
    expect(ms).toBeLessThan(20_000);
  });

  it('inflates a deflated data set under the limit to the same bytes as before', () => {
    const real = realFile('CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm');
    const p = parseDicomBytes(real);
    expect(p.dataSet.uint16('x00280010')).toBe(512);
    expect(p.dataSet.elements.x7fe00010.length).toBe(512 * 512 * 2);
    expect(inflateBounded(new Uint8Array(0)).length).toBe(0);
  });
});

describe('hostile input: files that are not regular files', () => {
  it('answers a FIFO given as the path at once with E_UNREADABLE instead of blocking', async () => {
    const fifo = join(root, 'pipe.dcm');
    execFileSync('mkfifo', [fifo]);
    const t0 = performance.now();
    const scan = await scanPath(fifo);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(scan.skipped).toEqual([expect.objectContaining({ code: 'E_UNREADABLE', message: expect.stringContaining('named pipe') })]);
    await expect(loadVolumeFromPath(fifo)).rejects.toMatchObject({ code: 'E_UNREADABLE' });
  });

  it('lists a FIFO and a broken link inside a folder as skipped, reads a link to a file, and follows a link to a folder once', async () => {
    const dir = folder(axialSeries(2));
    const other = folder([{ name: 'x.dcm', bytes: axialSeries(3)[2].bytes }]);
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    symlinkSync(join(other, 'x.dcm'), join(dir, 'linked.dcm'));
    symlinkSync(other, join(dir, 'linked-folder'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'broken'));
    symlinkSync(dir, join(other, 'back-to-dir'));
    const scan = await scanPath(dir);
    // linked.dcm and linked-folder/x.dcm are one image twice; the loop back through other/back-to-dir
    // is listed, not followed.
    expect(scan.series.map((s) => s.summary.fileCount)).toEqual([4]);
    expect(scan.skipped.map((s) => [s.path.slice(dir.length + 1), s.code]).sort()).toEqual([
      ['broken', 'E_NOT_FOUND'],
      ['linked-folder/back-to-dir', 'E_UNREADABLE'],
      ['pipe', 'E_UNREADABLE'],
    ]);
  });
});

describe('hostile input: a file replaced by a FIFO between scan and load', () => {
  it('refuses it with E_FILE_CHANGED instead of blocking the load', async () => {
    const dir = folder(axialSeries(3));
    const scan = await scanPath(dir);
    rmSync(join(dir, 's1.dcm'));
    execFileSync('mkfifo', [join(dir, 's1.dcm')]);
    await expect(loadScannedSeries(scan.series[0])).rejects.toMatchObject({ code: 'E_FILE_CHANGED', detail: join(dir, 's1.dcm') });
  });
});

describe('hostile input: geometry and element lengths', () => {
  it('refuses ImageOrientationPatient with 5 values and ImagePositionPatient with 2 with E_BAD_GEOMETRY, not E_INTERNAL', async () => {
    const iop = await skipOf(setElement(explicitLe(), { tag: [0x0020, 0x0037], vr: 'DS', value: '1\\0\\0\\0\\1' }));
    expect(iop).toMatchObject({ code: 'E_BAD_GEOMETRY', message: expect.stringContaining('must be 6 numbers, not 5') });
    const ipp = await skipOf(setElement(explicitLe(), { tag: [0x0020, 0x0032], vr: 'DS', value: '1\\2' }));
    expect(ipp).toMatchObject({ code: 'E_BAD_GEOMETRY', message: expect.stringContaining('must be 3 numbers, not 2') });
  });

  it('refuses an orientation whose directions are not unit vectors at a right angle', async () => {
    const { code } = await skipOf(setElement(explicitLe(), { tag: [0x0020, 0x0037], vr: 'DS', value: '1\\0\\0\\1\\0\\0' }));
    expect(code).toBe('E_BAD_GEOMETRY');
  });

  for (const spacing of ['0\\0', '-1\\-1', 'NaN\\NaN', '0.7']) {
    it(`refuses PixelSpacing ${spacing} with E_BAD_GEOMETRY, so no zero or mirrored affine is ever written`, async () => {
      const { code } = await skipOf(setElement(explicitLe(), { tag: [0x0028, 0x0030], vr: 'DS', value: spacing }));
      expect(code).toBe('E_BAD_GEOMETRY');
    });
  }

  it('refuses a Modality element whose length runs past the end of the file with E_TRUNCATED naming it', async () => {
    const { code, message } = await skipOf(setElement(implicitLe(), { tag: [0x0008, 0x0060], vr: 'CS', value: 'CT', declaredLength: 0x7ffffff0 }));
    expect(code).toBe('E_TRUNCATED');
    expect(message).toContain('Element (0008,0060) declares 2147483632 bytes');
  });
});

describe('hostile input: a slice that cannot be read is never dropped in silence', () => {
  it('warns when a folder is loaded without a slice whose pixel data is short', async () => {
    const cut = ctSlice({ sopUid: '1.2.3.1.1.3', positionMm: [0, 0, 4], instanceNumber: 1 });
    const dir = folder([...axialSeries(2), { name: 's2.dcm', bytes: cut.subarray(0, cut.length - 10) }]);
    const { volume, warnings } = await loadVolumeFromPath(dir);
    expect(volume.dims[2]).toBe(2);
    expect(warnings).toContainEqual(expect.objectContaining({ code: 'E_TRUNCATED', detail: join(dir, 's2.dcm'), message: expect.stringContaining('1 file(s)') }));
  });

  it('gives an unreadable file a coded skip reason (E_UNREADABLE), and convert of its folder warns', () => {
    // Permissions do not bind root, so the CLI runs as an unprivileged user when the tests run as root.
    const dir = folder(axialSeries(3));
    execFileSync('chmod', ['-R', 'a+rwX', root]);
    execFileSync('chmod', ['000', join(dir, 's1.dcm')]);
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const opal = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, ['electron/cli/opal.mjs', ...args], { ...asUser, env: { ...process.env, HOME: root, TMPDIR: root }, encoding: 'utf8' });
    const info = opal('info', dir, '--json');
    expect(info.status, info.stderr).toBe(0);
    expect((JSON.parse(info.stdout) as { skipped: unknown[] }).skipped).toEqual([expect.objectContaining({ path: join(dir, 's1.dcm'), code: 'E_UNREADABLE' })]);
    const converted = opal('convert', dir, '--out', join(root, 'unreadable.nii.gz'));
    expect(converted.status, converted.stderr).toBe(0);
    expect(converted.stderr).toContain('warning: E_UNREADABLE: 1 file(s)');
  });
});
