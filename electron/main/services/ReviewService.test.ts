import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { OpalSession } from './OpalSession.ts';
import { createEngineServices } from './createEngineServices.ts';
import type { EngineServices, SegmentationOutput } from './EngineServices.ts';
import { writeE2eStudy } from '../../../test/e2e/e2eStudy.ts';
import { measurementsDocumentSchema } from '../../common/export/measurementsJson.ts';
import { dciodvfy, hasCommand } from '../../../test/exports/externalTools.ts';
import { missing } from '../../../test/fixtures/requireData.ts';
import { testOutputDir } from '../../../test/fixtures/sharedData.ts';

/**
 * Review mode in the engine: the queue follows the model's confidence, marks are kept per volume,
 * autosaved and restored by a new session, reset by a new segmentation, and recorded in
 * measurements.json and the DICOM SEG.
 */
const SIZE = 32;
const SLICES = 6;
const PER_SLICE = SIZE * SIZE;

/** The real engine, but the model's output is fixed: uncertain voxels on k = 4 (3) and k = 1 (1), infection on k = 2. */
function engineWithFixedModel(): EngineServices {
  const real = createEngineServices();
  return {
    ...real,
    async segment(volume): Promise<SegmentationOutput> {
      const n = volume.voxels.length;
      const lungs = new Uint8Array(n).fill(1);
      const infection = new Uint8Array(n);
      const confidence = new Uint8Array(n).fill(240);
      for (const v of [4 * PER_SLICE + 10, 4 * PER_SLICE + 11, 4 * PER_SLICE + 12, 1 * PER_SLICE + 5]) confidence[v] = 120;
      for (let v = 2 * PER_SLICE + 100; v < 2 * PER_SLICE + 110; v++) infection[v] = 1;
      return {
        infection,
        lungs,
        confidence,
        executionProvider: 'cpu',
        provenance: { name: 'fixed', version: '0', sha256: '0', executionProvider: 'cpu', edited: false },
      } as unknown as SegmentationOutput;
    },
  };
}

describe('review mode in the engine', () => {
  let work: string;
  let study: string;
  const sessions: OpalSession[] = [];

  async function newSession(appData: string): Promise<OpalSession> {
    const s = new OpalSession({ engine: engineWithFixedModel(), appDataDir: join(work, appData), appVersion: 'test' });
    await s.grantFolder(study, 'open');
    await s.grantFolder(work, 'export');
    await s.grantFolder(testOutputDir('review-exports'), 'export');
    sessions.push(s);
    return s;
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'opal-review-'));
    study = join(work, 'study');
    await writeE2eStudy(study, SIZE, SLICES);
    await mkdir(testOutputDir('review-exports'), { recursive: true });
  });
  afterAll(async () => {
    for (const s of sessions) s.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses a queue before there is a labelmap', async () => {
    const s = await newSession('none');
    const { handle } = await s.loadSeries({ path: study });
    await expect(s.getReviewQueue({ volumeHandle: handle })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });

  it('ranks by uncertain volume, counts marks, keeps them across a new session, resets on re-segmenting and records them in the exports', async () => {
    const a = await newSession('work');
    const info = await a.loadSeries({ path: study });
    const h = info.handle;
    await a.segment({ volumeHandle: h });
    const q = await a.getReviewQueue({ volumeHandle: h });
    expect(q.hasConfidence).toBe(true);
    expect(q.slices.map((x) => x.k)).toEqual([4, 1, 2]);
    expect(q.slices.map((x) => x.rank)).toEqual([1, 2, 3]);
    expect(q.slices[0].uncertainMl).toBeGreaterThan(q.slices[1].uncertainMl);
    expect([q.reviewed, q.total]).toEqual([0, 3]);

    let after = await a.markSliceReviewed({ volumeHandle: h, k: 4, reviewed: true });
    after = await a.markSliceReviewed({ volumeHandle: h, k: 2, reviewed: true });
    expect([after.reviewed, after.total]).toEqual([2, 3]);
    expect(after.slices.filter((x) => x.reviewed).map((x) => x.k)).toEqual([4, 2]);
    after = await a.markSliceReviewed({ volumeHandle: h, k: 2, reviewed: false });
    expect(after.reviewed).toBe(1);
    after = await a.markSliceReviewed({ volumeHandle: h, k: 2, reviewed: true });
    await expect(a.markSliceReviewed({ volumeHandle: h, k: SLICES, reviewed: true })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });

    // The confidence overlay: levels 0/1/2, the uncertain voxels at 2.
    const levels = a.binary({ kind: 'confidence', volumeHandle: h });
    expect(levels[4 * PER_SLICE + 10]).toBe(2);
    expect(levels[0]).toBe(0);

    // Exports record the slice numbers (this study is stored feet first: slice number = k + 1, checked by info.direction).
    const number = (k: number) => (info.direction[8] >= 0 ? k + 1 : SLICES - k);
    const out = testOutputDir('review-exports');
    await a.exportResults({ volumeHandle: h, outDir: out, formats: ['json', 'seg'] });
    const doc = measurementsDocumentSchema.parse(JSON.parse(await readFile(join(out, 'measurements.json'), 'utf8')));
    expect(doc.review).toMatchObject({
      slicesRanked: 3,
      slicesReviewed: 2,
      rankedSliceNumbers: [4, 1, 2].map(number),
      reviewedSliceNumbers: [2, 4].map(number).sort((x, y) => x - y),
      maskEdited: false,
    });
    const seg = await readFile(join(out, 'seg.dcm'));
    const ds = dcmjs.data.DicomMessage.readFile(seg.buffer.slice(seg.byteOffset, seg.byteOffset + seg.byteLength) as ArrayBuffer);
    const nat = dcmjs.data.DicomMetaDictionary.naturalizeDataset(ds.dict) as { ContentDescription: string; ImageComments: string };
    expect(nat.ContentDescription).toBe('Lung/COVID-19 infection; reviewed 2 of 3 slices, not edited');
    expect(nat.ContentDescription.length).toBeLessThanOrEqual(64);
    if (!missing(hasCommand('dciodvfy'), 'dciodvfy (dicom3tools)')) expect(dciodvfy(join(out, 'seg.dcm')).filter((l) => l.startsWith('Error'))).toEqual([]);
    expect(nat.ImageComments).toContain(`Reviewed slices: ${[2, 4].map(number).sort((x, y) => x - y).join(', ')}.`);

    // A new session on the same app data (a crash): restoring brings the marks back.
    await a.flushAutosave(h);
    const b = await newSession('work');
    const again = await b.loadSeries({ path: study });
    expect(again.autosave).toBeDefined();
    await b.restoreAutosave({ volumeHandle: again.handle });
    const restored = await b.getReviewQueue({ volumeHandle: again.handle });
    expect(restored.slices.filter((x) => x.reviewed).map((x) => x.k)).toEqual([4, 2]);

    // A new segmentation is a new labelmap: its review starts again.
    await b.segment({ volumeHandle: again.handle, edits: 'replace' });
    expect((await b.getReviewQueue({ volumeHandle: again.handle })).reviewed).toBe(0);
  });
});
