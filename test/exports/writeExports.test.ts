import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDicomSeg, labelmapFromSegments } from '../../electron/common/export/decodeDicomSeg.ts';
import { csvHeader } from '../../electron/common/export/measurementsCsv.ts';
import { INVESTIGATIONAL_NOTICE, measurementsDocumentSchema } from '../../electron/common/export/measurementsJson.ts';
import { INFECTION_SEGMENTS, LUNG_SEGMENTS } from '../../electron/common/export/segmentCodes.ts';
import { isOpalError } from '../../electron/common/errors/index.ts';
import { voxelToPatient } from '../../electron/common/volume/index.ts';
import { EXPORT_FORMATS, parseExportFormats, writeExports, type ExportRequest } from '../../electron/main/exports/writeExports.ts';
import { DONE_MARKER, doneMarkerSchema } from '../../electron/main/exports/doneMarker.ts';
import { pythonHas, runPythonJson } from './externalTools.ts';
import { pdfShownText } from './pdfText.ts';
import { sampleMeasurements, sampleModel } from './sampleMeasurements.ts';
import { syntheticStudy } from './syntheticStudy.ts';
import { missing } from '../fixtures/requireData.ts';

const scratch = mkdtempSync(join(tmpdir(), 'opal-export-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(scratch, `out-${++n}`);

function request(formats: ExportRequest['formats'] = [...EXPORT_FORMATS]): ExportRequest {
  const s = syntheticStudy();
  return { volume: s.volume, lungs: s.lungs, infection: s.infection, measurements: sampleMeasurements(s), model: sampleModel, formats };
}

async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isOpalError(e) ? e.code : `not an OpalError: ${String(e)}`;
  }
  return undefined;
}

describe('writeExports', () => {
  const dir = freshDir();
  let written: { path: string; format: string }[] = [];

  it('writes the standard files and nothing else', async () => {
    written = await writeExports(dir, request());
    expect(written.map((w) => w.path.slice(dir.length + 1)).sort()).toEqual(
      ['infection.nii.gz', 'lesions.csv', 'lungs.nii.gz', 'measurements.csv', 'measurements.json', 'report.pdf', 'seg.dcm'].sort(),
    );
    expect(readdirSync(dir).sort()).toEqual([DONE_MARKER, ...written.map((w) => w.path.slice(dir.length + 1))].sort());
  });

  it('writes a done-marker last that lists every file with its size and sha256, and the model', () => {
    const marker = doneMarkerSchema.parse(JSON.parse(readFileSync(join(dir, DONE_MARKER), 'utf8')));
    expect(marker.files).toEqual(written.map((w) => w.path.slice(dir.length + 1)));
    for (const name of marker.files) {
      const bytes = readFileSync(join(dir, name));
      expect(marker.bytes[name]).toBe(bytes.byteLength);
      expect(marker.sha256[name]).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(marker.formats).toEqual([...EXPORT_FORMATS]);
    expect(marker.failed).toEqual([]);
    expect(marker.modelSha256).toBe(sampleModel.sha256);
  });

  it('writes a seg.dcm that loads back to the same masks, and JSON, CSV and PDF that say what they must', () => {
    const s = syntheticStudy();
    const decoded = decodeDicomSeg(readFileSync(join(dir, 'seg.dcm')), { volume: s.volume, sopInstanceUids: s.source.sopInstanceUids });
    expect(labelmapFromSegments(decoded, INFECTION_SEGMENTS)).toEqual(s.infection);
    expect(labelmapFromSegments(decoded, LUNG_SEGMENTS)).toEqual(s.lungs);
    const doc = measurementsDocumentSchema.parse(JSON.parse(readFileSync(join(dir, 'measurements.json'), 'utf8')));
    expect(doc.study.patientId).toBe('OPAL-TEST-0001');
    expect(readFileSync(join(dir, 'measurements.csv'), 'utf8').split('\r\n')[0]).toBe(csvHeader());
    const text = pdfShownText(readFileSync(join(dir, 'report.pdf')));
    expect(text).toContain(INVESTIGATIONAL_NOTICE);
    expect(text).toContain('opal-infnet');
  });

  it.skipIf(missing(pythonHas('nibabel'), 'python3-nibabel'))('writes NIfTI masks that nibabel maps to the DICOM patient positions (LPS to RAS), sform = qform, same voxels', () => {
    const s = syntheticStudy();
    const [nx, ny, nz] = s.volume.dims;
    const probe = [
      [0, 0, 0],
      [nx - 1, 3, 2],
      [4, ny - 1, nz - 1],
    ];
    const py = runPythonJson(
      `
import json, sys
import nibabel as nib, numpy as np
out = {}
for name in ('infection', 'lungs'):
    img = nib.load(sys.argv[1] + '/' + name + '.nii.gz')
    data = np.asarray(img.dataobj)
    flat = data.reshape(-1, order='F')
    nz = np.nonzero(flat)[0]
    probes = json.loads(sys.argv[2])
    out[name] = {
        'shape': list(data.shape),
        'sform': img.get_sform().tolist(), 'qform': img.get_qform().tolist(),
        'scode': int(img.header['sform_code']), 'qcode': int(img.header['qform_code']),
        'points': [(img.affine @ np.array([i, j, k, 1.0]))[:3].tolist() for i, j, k in probes],
        'nonzero': nz.tolist(), 'values': flat[nz].astype(int).tolist(),
    }
print(json.dumps(out))
`,
      [dir, JSON.stringify(probe)],
    ) as Record<string, { shape: number[]; sform: number[][]; qform: number[][]; scode: number; qcode: number; points: number[][]; nonzero: number[]; values: number[] }>;
    for (const [name, mask] of [
      ['infection', s.infection],
      ['lungs', s.lungs],
    ] as const) {
      const r = py[name];
      expect(r.shape).toEqual([nx, ny, nz]);
      expect(r.scode).toBeGreaterThan(0);
      expect(r.qcode).toBeGreaterThan(0);
      r.sform.flat().forEach((v, i) => expect(v).toBeCloseTo(r.qform.flat()[i], 4));
      probe.forEach(([i, j, k], p) => {
        const lps = voxelToPatient(s.volume, i, j, k);
        expect(r.points[p][0]).toBeCloseTo(-lps[0], 4);
        expect(r.points[p][1]).toBeCloseTo(-lps[1], 4);
        expect(r.points[p][2]).toBeCloseTo(lps[2], 4);
      });
      const nonzero: number[] = [];
      const values: number[] = [];
      mask.forEach((v, i) => {
        if (v) {
          nonzero.push(i);
          values.push(v);
        }
      });
      expect(r.nonzero).toEqual(nonzero);
      expect(r.values).toEqual(values);
    }
  });

  it('writes only the formats asked for', async () => {
    const d = freshDir();
    const w = await writeExports(d, request(['json', 'csv']));
    expect(w.map((x) => x.format)).toEqual(['json', 'csv', 'csv']);
    expect(readdirSync(d).sort()).toEqual([DONE_MARKER, 'lesions.csv', 'measurements.csv', 'measurements.json']);
  });

  it('fails with E_WRITE_FAILED and creates nothing when the output folder cannot exist (its parent is a file)', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a folder');
    expect(await errorCode(writeExports(join(file, 'out'), request()))).toBe('E_WRITE_FAILED');
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
  });

  it('leaves no file behind when the disk fills up mid-way (injected writer fails on the third file)', async () => {
    const d = freshDir();
    let calls = 0;
    const failing = async (path: string, data: Uint8Array | string) => {
      calls++;
      if (calls === 3) {
        writeFileSync(path, typeof data === 'string' ? data.slice(0, 10) : data.subarray(0, 10)); // a torn write
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      writeFileSync(path, data);
    };
    expect(await errorCode(writeExports(d, request(), { writeFile: failing }))).toBe('E_WRITE_FAILED');
    expect(calls).toBe(3);
    expect(readdirSync(d)).toEqual([]);
  });

  it('keeps earlier complete exports when a later export fails', async () => {
    const d = freshDir();
    await writeExports(d, request(['json']));
    const before = readFileSync(join(d, 'measurements.json'));
    const failing = async () => {
      throw new Error('EIO: i/o error');
    };
    expect(await errorCode(writeExports(d, request(['json', 'csv']), { writeFile: failing }))).toBe('E_WRITE_FAILED');
    expect(readdirSync(d).sort()).toEqual([DONE_MARKER, 'measurements.json']);
    expect(readFileSync(join(d, 'measurements.json'))).toEqual(before);
  });

  // Permissions cannot make a folder unwritable for root (CI runs as root), so the file system itself
  // refuses here, whoever runs the test.
  it('fails with E_WRITE_FAILED when a file cannot be put in place, keeping the earlier exports and no staging folder', async () => {
    const d = freshDir();
    await writeExports(d, request(['json']));
    const before = readFileSync(join(d, 'measurements.json'));
    // A non-empty folder where measurements.csv must go: rename() refuses it (EISDIR/ENOTEMPTY) for any user.
    mkdirSync(join(d, 'measurements.csv', 'occupied'), { recursive: true });
    expect(await errorCode(writeExports(d, request(['csv'])))).toBe('E_WRITE_FAILED');
    expect(readdirSync(d).sort()).toEqual([DONE_MARKER, 'measurements.csv', 'measurements.json']);
    expect(statSync(join(d, 'measurements.csv')).isDirectory()).toBe(true);
    expect(readFileSync(join(d, 'measurements.json'))).toEqual(before);
  });


  it('refuses a DICOM SEG for a volume without DICOM source instances with E_BAD_ARGUMENT, still writing the other formats', async () => {
    const d = freshDir();
    const req = request(['seg', 'json']);
    req.volume = { ...req.volume, meta: { patientId: 'X' } };
    expect(await errorCode(writeExports(d, req))).toBe('E_BAD_ARGUMENT');
    expect(readdirSync(d).sort()).toEqual([DONE_MARKER, 'measurements.json']);
    const marker = doneMarkerSchema.parse(JSON.parse(readFileSync(join(d, DONE_MARKER), 'utf8')));
    expect(marker.files).toEqual(['measurements.json']);
    expect(marker.failed.map((f) => [f.format, f.code])).toEqual([['seg', 'E_BAD_ARGUMENT']]);
  });

  it('refuses masks of another size with E_BAD_ARGUMENT', async () => {
    const req = request(['json']);
    req.lungs = req.lungs.subarray(1);
    expect(await errorCode(writeExports(freshDir(), req))).toBe('E_BAD_ARGUMENT');
  });

  it('parses a --format list and rejects unknown names with E_BAD_ARGUMENT', () => {
    expect(parseExportFormats('seg, NIfTI,csv,csv')).toEqual(['seg', 'nifti', 'csv']);
    let code: string | undefined;
    try {
      parseExportFormats('seg,docx');
    } catch (e) {
      code = isOpalError(e) ? e.code : undefined;
    }
    expect(code).toBe('E_BAD_ARGUMENT');
  });
});
