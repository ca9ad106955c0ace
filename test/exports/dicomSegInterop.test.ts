import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeDicomSeg, segFrames } from '../../electron/common/export/dicomSeg.ts';
import { INFECTION_SEGMENTS, LUNG_SEGMENTS } from '../../electron/common/export/segmentCodes.ts';
import { voxelToPatient } from '../../electron/common/volume/index.ts';
import { testOutputDir } from '../fixtures/sharedData.ts';
import { missing } from '../fixtures/requireData.ts';
import { dciodvfy, hasCommand, pythonHas, runPythonJson } from './externalTools.ts';
import { syntheticStudy } from './syntheticStudy.ts';

const study = syntheticStudy();
const labelmaps = [
  { labelmap: study.infection, segments: INFECTION_SEGMENTS },
  { labelmap: study.lungs, segments: LUNG_SEGMENTS },
];
const outDir = testOutputDir('exports-seg-interop');
const segPath = join(outDir, 'seg.dcm');
const emptyPath = join(outDir, 'seg-empty.dcm');

beforeAll(() => {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(segPath, encodeDicomSeg({ source: study.source, labelmaps, algorithm: { name: 'opal-infnet', version: '0.1.0' }, edited: false }));
  const none = new Uint8Array(study.lungs.length);
  writeFileSync(
    emptyPath,
    encodeDicomSeg({
      source: study.source,
      labelmaps: [{ labelmap: none, segments: INFECTION_SEGMENTS }],
      algorithm: { name: 'opal-infnet', version: '0.1.0' },
      edited: true,
    }),
  );
});

describe.skipIf(missing(hasCommand('dciodvfy'), 'dciodvfy (dicom3tools)'))('DICOM SEG against dciodvfy (dicom3tools)', () => {
  it('reports no errors for the lung and infection segmentation', () => {
    const report = dciodvfy(segPath);
    expect(report.some((l) => l.startsWith('Segmentation'))).toBe(true); // it recognised the IOD
    expect(report.filter((l) => l.startsWith('Error'))).toEqual([]);
  });

  it('reports no errors when every mask is empty', () => {
    expect(dciodvfy(emptyPath).filter((l) => l.startsWith('Error'))).toEqual([]);
  });
});

const readFramesPy = `
import json, sys
import pydicom
ds = pydicom.dcmread(sys.argv[1])
arr = ds.pixel_array.reshape((int(ds.NumberOfFrames), ds.Rows, ds.Columns))
frames = []
for f, g in enumerate(ds.PerFrameFunctionalGroupsSequence):
    frames.append({
        'ipp': [float(v) for v in g.PlanePositionSequence[0].ImagePositionPatient],
        'ref': g.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID,
        'segment': int(g.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
        'dimIndex': [int(v) for v in g.FrameContentSequence[0].DimensionIndexValues],
        'ones': [int(v) for v in (arr[f].reshape(-1).nonzero()[0])],
    })
sh = ds.SharedFunctionalGroupsSequence[0]
print(json.dumps({
    'frames': frames,
    'iop': [float(v) for v in sh.PlaneOrientationSequence[0].ImageOrientationPatient],
    'spacing': [float(v) for v in sh.PixelMeasuresSequence[0].PixelSpacing],
    'for': ds.FrameOfReferenceUID,
    'referenced': [i.ReferencedSOPInstanceUID for i in ds.ReferencedSeriesSequence[0].ReferencedInstanceSequence],
    'refSeries': ds.ReferencedSeriesSequence[0].SeriesInstanceUID,
    'segments': [{'n': int(s.SegmentNumber), 'type': s.SegmentedPropertyTypeCodeSequence[0].CodeValue,
                  'region': s.AnatomicRegionSequence[0].CodeValue if 'AnatomicRegionSequence' in s else None,
                  'algo': s.SegmentAlgorithmType, 'name': s.SegmentAlgorithmName} for s in ds.SegmentSequence],
}))
`;

interface PyFrame { ipp: number[]; ref: string; segment: number; dimIndex: number[]; ones: number[] }
interface PySeg {
  frames: PyFrame[];
  iop: number[];
  spacing: number[];
  for: string;
  referenced: string[];
  refSeries: string;
  segments: { n: number; type: string; region: string | null; algo: string; name: string }[];
}

describe.skipIf(missing(pythonHas('pydicom'), 'python3-pydicom'))('DICOM SEG read by pydicom', () => {
  let cached: PySeg | undefined;
  const seg = (): PySeg => (cached ??= runPythonJson(readFramesPy, [segPath]) as PySeg);

  it('places every frame on its source slice: position, referenced instance and voxels', () => {
    const py = seg();
    const [nx, ny] = study.volume.dims;
    const all = [...INFECTION_SEGMENTS.map((s) => ({ lm: study.infection, s })), ...LUNG_SEGMENTS.map((s) => ({ lm: study.lungs, s }))];
    const expected = segFrames({ source: study.source, labelmaps });
    expect(py.frames.length).toBe(expected.length);
    py.frames.forEach((fr, f) => {
      const k = expected[f].sliceIndex;
      const p = voxelToPatient(study.volume, 0, 0, k);
      fr.ipp.forEach((v, c) => expect(v).toBeCloseTo(p[c], 4));
      expect(fr.ref).toBe(study.source.sopInstanceUids[k]);
      expect(fr.segment).toBe(expected[f].segmentNumber);
      expect(fr.dimIndex).toEqual([expected[f].segmentNumber, k + 1]);
      const { lm, s } = all[fr.segment - 1];
      const ones: number[] = [];
      for (let q = 0; q < nx * ny; q++) if (lm[k * nx * ny + q] === s.labelValue) ones.push(q);
      expect(fr.ones).toEqual(ones);
    });
    study.volume.direction.slice(0, 6).forEach((v, c) => expect(py.iop[c]).toBeCloseTo(v, 6));
    expect(py.spacing[0]).toBeCloseTo(study.volume.spacingMm[1], 6);
    expect(py.spacing[1]).toBeCloseTo(study.volume.spacingMm[0], 6);
  });

  it('omits empty frames: no frame for slices without the segment', () => {
    const py = seg();
    // Slices 0 and 5 are empty in every mask; consolidation exists on slice 3 only.
    expect(py.frames.every((f) => f.ref !== study.source.sopInstanceUids[0] && f.ref !== study.source.sopInstanceUids[5])).toBe(true);
    expect(py.frames.filter((f) => f.segment === 2).map((f) => f.ref)).toEqual([study.source.sopInstanceUids[3]]);
    expect(py.frames.every((f) => f.ones.length > 0)).toBe(true);
  });

  it('references every source instance and the source frame of reference', () => {
    const py = seg();
    expect(py.referenced).toEqual(study.source.sopInstanceUids);
    expect(py.refSeries).toBe(study.source.seriesInstanceUid);
    expect(py.for).toBe(study.source.frameOfReferenceUid);
  });

  it('keeps a non-ASCII patient name intact (SpecificCharacterSet ISO_IR 192, UTF-8)', () => {
    const path = join(outDir, 'seg-utf8.dcm');
    const name = 'M\u00fcller^J\u00fcrgen=\u674e^\u5c0f\u9f99';
    writeFileSync(path, encodeDicomSeg({ source: { ...study.source, patientName: name }, labelmaps, algorithm: { name: 'opal-infnet', version: '0.1.0' }, edited: false }));
    const r = runPythonJson("import json, sys, pydicom; d = pydicom.dcmread(sys.argv[1]); print(json.dumps([str(d.PatientName), d.SpecificCharacterSet]))", [path]);
    expect(r).toEqual([name, 'ISO_IR 192']);
  });

  it('codes the four segments with SNOMED CT / DICOM types and the model as algorithm', () => {
    const py = seg();
    expect(py.segments.map((s) => s.type)).toEqual(['112120', '95436008', '3341006', '44029006']);
    expect(py.segments.map((s) => s.region)).toEqual(['39607008', '39607008', null, null]); // findings lie in the lung
    expect(py.segments.every((s) => s.algo === 'AUTOMATIC' && s.name === 'opal-infnet 0.1.0')).toBe(true);
    const edited = runPythonJson(readFramesPy, [emptyPath]) as PySeg;
    expect(edited.segments.every((s) => s.algo === 'SEMIAUTOMATIC')).toBe(true);
  });
});
