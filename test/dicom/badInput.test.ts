import { mkdtempSync, rmSync, writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScannedSeries, loadVolumeFromPath } from '../../electron/main/studies/loadVolume.ts';
import { scanPath, type ScanProgress } from '../../electron/main/studies/scan.ts';
import { axialSeries, ctSlice, ctSliceElements, encodeDicomFile } from './syntheticDicom.ts';

const root = mkdtempSync(join(tmpdir(), 'opal-dicom-bad-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function folder(files: { name: string; bytes: Uint8Array | string }[]): string {
  const dir = join(root, `case${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
  return dir;
}

describe('bad input', () => {
  it('skips a non-DICOM file with E_NOT_DICOM and loads the rest', async () => {
    const dir = folder([...axialSeries(3), { name: 'notes.txt', bytes: 'hello, not an image\n'.repeat(20) }]);
    const scan = await scanPath(dir);
    expect(scan.series).toHaveLength(1);
    expect(scan.skipped).toEqual([expect.objectContaining({ path: join(dir, 'notes.txt'), code: 'E_NOT_DICOM' })]);
  });

  it('skips a truncated file (pixel data cut) with E_TRUNCATED', async () => {
    const b = ctSlice({ sopUid: '1.2.3.1.1.9', rows: 16, columns: 16, positionMm: [0, 0, 9] });
    const dir = folder([...axialSeries(3), { name: 'cut.dcm', bytes: b.subarray(0, b.length - 100) }]);
    const scan = await scanPath(dir);
    expect(scan.skipped).toEqual([expect.objectContaining({ code: 'E_TRUNCATED' })]);
    expect(scan.skipped[0].message).toMatch(/412 bytes present, 512 needed/);
  });

  it('skips DICOM without pixel data (SR) with E_NO_PIXEL_DATA', async () => {
    const sr = encodeDicomFile([{ tag: [0x0008, 0x0060], vr: 'CS', value: 'SR' }], { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.11' });
    const dir = folder([...axialSeries(2), { name: 'report.dcm', bytes: sr }]);
    const scan = await scanPath(dir);
    expect(scan.skipped).toEqual([expect.objectContaining({ code: 'E_NO_PIXEL_DATA', message: expect.stringContaining('SR') })]);
  });

  it('lists a non-CT series with its modality', async () => {
    const mr = ctSlice({ sopUid: '5.5.1', seriesUid: '5.5', modality: 'MR' });
    const scan = await scanPath(folder([{ name: 'mr.dcm', bytes: mr }]));
    expect(scan.series.map((s) => s.summary.modality)).toEqual(['MR']);
  });

  it('splits two series mixed in one folder and loads the CT one with most slices, saying so', async () => {
    const dir = folder([...axialSeries(4), ...axialSeries(2, { seriesUid: '8.8' }).map((f) => ({ ...f, name: `b-${f.name}` }))]);
    const scan = await scanPath(dir);
    expect(scan.series.map((s) => [s.summary.seriesInstanceUid, s.summary.dims[2]]).sort()).toEqual([
      ['1.2.3.1.1', 4],
      ['8.8', 2],
    ]);
    const loaded = await loadVolumeFromPath(dir);
    expect(loaded.volume.dims[2]).toBe(4);
    expect(loaded.warnings[0].code).toBe('E_MIXED_SERIES');
    const other = await loadVolumeFromPath(dir, { seriesInstanceUid: '8.8' });
    expect(other.volume.dims[2]).toBe(2);
  });

  it('refuses duplicate slices that hold different images with E_DUPLICATE_SLICE', async () => {
    const dup = ctSlice({ sopUid: '1.2.3.1.1.99', positionMm: [0, 0, 2] });
    const dir = folder([...axialSeries(3), { name: 'dup.dcm', bytes: dup }]);
    await expect(loadVolumeFromPath(dir)).rejects.toMatchObject({ code: 'E_DUPLICATE_SLICE' });
  });

  it('flags a missing slice with its position and loads the others at their true positions, the gap as an empty slice', async () => {
    const dir = folder(axialSeries(6, { stepMm: 2.5, z0: -10, skip: [3] }));
    const { volume, warnings } = await loadVolumeFromPath(dir);
    expect(volume.dims).toEqual([4, 4, 6]);
    expect(volume.spacingMm[2]).toBeCloseTo(2.5, 9);
    const w = warnings.find((x) => x.code === 'E_MISSING_SLICE');
    expect(w?.positionMm).toBeCloseTo(-2.5);
    expect(w?.message).toContain('-5 mm and 0 mm');
    // Instance numbers run opposite to position: stored value = 6 - k, HU = stored - 1024; slice 3 is the gap.
    expect([volume.voxels[0], volume.voxels[16 * 3], volume.voxels[16 * 4], volume.voxels[16 * 5]]).toEqual([6 - 1024, -1024, 2 - 1024, 1 - 1024]);
    expect(volume.meta.missingSlices).toEqual([3]);
    expect(volume.meta.sopInstanceUids?.[3]).toBe('');
    expect(volume.meta.imagePositionsMm?.[5]).toEqual([0, 0, 2.5]);
  });

  it('splits a series whose slices disagree on pixel spacing (E_INCONSISTENT_GEOMETRY)', async () => {
    const odd = ctSlice({ sopUid: '1.2.3.1.1.50', positionMm: [0, 0, 6], pixelSpacingMm: [0.7, 0.7] });
    const scan = await scanPath(folder([...axialSeries(3), { name: 'odd.dcm', bytes: odd }]));
    expect(scan.series.map((s) => s.summary.seriesKey)).toEqual(['1.2.3.1.1#1', '1.2.3.1.1#2']);
    expect(scan.series[0].summary.warnings[0].code).toBe('E_INCONSISTENT_GEOMETRY');
  });

  it('names an unsupported transfer syntax in the message', async () => {
    const odd = encodeDicomFile(ctSliceElements({ sopUid: '3.3.3' }), { transferSyntaxUid: '1.2.840.10008.1.2.4.100' });
    const scan = await scanPath(folder([{ name: 'mpeg.dcm', bytes: odd }]));
    expect(scan.skipped[0].code).toBe('E_UNSUPPORTED_TS');
    expect(scan.skipped[0].message).toContain('1.2.840.10008.1.2.4.100');
  });

  it('refuses a file that changed between scan and load with E_FILE_CHANGED', async () => {
    const dir = folder(axialSeries(3));
    const scan = await scanPath(dir);
    const victim = join(dir, 's1.dcm');
    writeFileSync(victim, ctSlice({ sopUid: '1.2.3.1.1.2', positionMm: [0, 0, 2], rows: 8, columns: 8 }));
    utimesSync(victim, new Date(), new Date(Date.now() + 5000));
    await expect(loadScannedSeries(scan.series[0])).rejects.toMatchObject({ code: 'E_FILE_CHANGED', detail: victim });
  });

  it('answers E_EMPTY_FOLDER for an empty folder', async () => {
    await expect(loadVolumeFromPath(folder([]))).rejects.toMatchObject({ code: 'E_EMPTY_FOLDER' });
  });

  it('stops a scan when its AbortSignal fires (E_CANCELLED)', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(scanPath(folder(axialSeries(3)), { signal: ctl.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('answers E_NOT_FOUND for a missing path', async () => {
    await expect(loadVolumeFromPath(join(root, 'nope'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('scans 10,000 non-DICOM files in under 10 s with progress events', async () => {
    const dir = join(root, 'many');
    mkdirSync(dir);
    const junk = 'x'.repeat(300);
    for (let i = 0; i < 10_000; i++) writeFileSync(join(dir, `f${i}.txt`), junk);
    const events: ScanProgress[] = [];
    const t0 = performance.now();
    const scan = await scanPath(dir, { onProgress: (p) => events.push(p) });
    const ms = performance.now() - t0;
    console.log(`scan of 10,000 non-DICOM files: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(10_000);
    expect(scan.skipped).toHaveLength(10_000);
    expect(scan.skipped.every((s) => s.code === 'E_NOT_DICOM')).toBe(true);
    const reading = events.filter((e) => e.phase === 'reading');
    expect(reading.length).toBeGreaterThan(100);
    expect(reading[reading.length - 1]).toEqual({ phase: 'reading', done: 10_000, total: 10_000 });
  });
});
