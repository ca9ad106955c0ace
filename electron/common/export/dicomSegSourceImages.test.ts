import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { isOpalError } from '../errors/index.ts';
import { syntheticStudy } from '../../../test/exports/syntheticStudy.ts';
import { reformatToAxial, voxelToPatient, type Vec3, type Volume } from '../volume/index.ts';
import { encodeDicomSeg, type EncodeDicomSegInput, type SegSourceSeries } from './dicomSeg.ts';
import { INFECTION_SEGMENTS, LUNG_SEGMENTS } from './segmentCodes.ts';
import { labelmapOnSegGrid, segSourceFromVolume } from './segSourceFromVolume.ts';

interface FrameRef {
  segment: number;
  uid: string;
  ipp: number[];
}

/** Each frame's referenced SOP instance and ImagePositionPatient, and the instances of ReferencedSeriesSequence. */
function framesOf(bytes: Uint8Array): { frames: FrameRef[]; referenced: string[] } {
  const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as Record<string, unknown>;
  const one = (v: unknown): Record<string, unknown> => (Array.isArray(v) ? v[0] : v) as Record<string, unknown>;
  const frames = (ds.PerFrameFunctionalGroupsSequence as Record<string, unknown>[]).map((f) => {
    const src = one(one(f.DerivationImageSequence).SourceImageSequence);
    return { segment: Number(one(f.SegmentIdentificationSequence).ReferencedSegmentNumber), uid: String(src.ReferencedSOPInstanceUID), ipp: (one(f.PlanePositionSequence).ImagePositionPatient as (string | number)[]).map(Number) };
  });
  const series = one(ds.ReferencedSeriesSequence);
  const instances = series.ReferencedInstanceSequence as Record<string, unknown>[];
  return { frames, referenced: (Array.isArray(instances) ? instances : [instances]).map((i) => String(i.ReferencedSOPInstanceUID)) };
}

function input(source: SegSourceSeries, infection: Uint8Array, lungs: Uint8Array): EncodeDicomSegInput {
  return {
    source,
    labelmaps: [
      { labelmap: infection, segments: INFECTION_SEGMENTS },
      { labelmap: lungs, segments: LUNG_SEGMENTS },
    ],
    algorithm: { name: 'opal-infnet', version: '0.1.0' },
    edited: false,
  };
}

describe('DICOM SEG frames and their source images', () => {
  it('writes no frame and no reference for a missing slice, even where a mask has voxels', () => {
    const s = syntheticStudy();
    const k = 3; // has infection and lung voxels
    const uids = s.source.sopInstanceUids.map((u, i) => (i === k ? '' : u));
    const { frames, referenced } = framesOf(encodeDicomSeg(input({ ...s.source, sopInstanceUids: uids }, s.infection, s.lungs)));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((f) => f.uid !== '' && uids.includes(f.uid))).toBe(true);
    expect(referenced).toEqual(uids.filter((u) => u !== ''));
  });

  it("gives each frame its own source image's ImagePositionPatient", () => {
    const s = syntheticStudy();
    // Images a little off the grid (as after a gap fitted to a regular grid): the frames follow the images.
    const imagePositionsMm = s.source.sopInstanceUids.map((_, k) => {
      const p = voxelToPatient(s.volume, 0, 0, k);
      return [p[0], p[1], p[2] + 0.05 * k] as Vec3;
    });
    const { frames } = framesOf(encodeDicomSeg(input({ ...s.source, imagePositionsMm }, s.infection, s.lungs)));
    for (const f of frames) {
      const k = s.source.sopInstanceUids.indexOf(f.uid);
      f.ipp.forEach((v, c) => expect(v).toBeCloseTo(imagePositionsMm[k][c], 9));
    }
  });

  it('refuses images that share one SOPInstanceUID with E_DUPLICATE_SOP_UID and a message that says so', () => {
    const s = syntheticStudy();
    const shared = s.source.sopInstanceUids.map(() => '1.2.826.0.1.3680043.8.498.9999');
    let error: unknown;
    try {
      encodeDicomSeg(input({ ...s.source, sopInstanceUids: shared }, s.infection, s.lungs));
    } catch (e) {
      error = e;
    }
    expect(isOpalError(error) && error.code).toBe('E_DUPLICATE_SOP_UID');
    expect((error as Error).message).toMatch(/^\d+ source images share SOPInstanceUID 1\.2\.826\.0\.1\.3680043\.8\.498\.9999/);
  });

  it('refers a reformatted (coronal) volume to its acquired images, each frame on its own coronal image', () => {
    // A coronal acquisition of the synthetic study: rows to the left, columns to the feet, slices to the back.
    const s = syntheticStudy();
    const [nx, ny, nz] = s.volume.dims;
    const coronalDims: Vec3 = [nx, nz, ny];
    const coronal: Volume<Int16Array> = {
      dims: coronalDims,
      spacingMm: [s.volume.spacingMm[0], s.volume.spacingMm[2], s.volume.spacingMm[1]],
      originMm: voxelToPatient(s.volume, 0, 0, nz - 1),
      direction: [1, 0, 0, 0, 0, -1, 0, 1, 0],
      voxels: new Int16Array(nx * ny * nz),
      meta: { ...s.volume.meta, sopInstanceUids: Array.from({ length: ny }, (_, c) => `1.2.826.0.1.3680043.8.498.5${String(c + 1).padStart(3, '0')}`) },
    };
    coronal.meta.imagePositionsMm = Array.from({ length: ny }, (_, c) => voxelToPatient(coronal, 0, 0, c));
    const axial = reformatToAxial(coronal, 'coronal');
    expect(axial.dims).toEqual(s.volume.dims);
    const source = segSourceFromVolume(axial);
    expect(source.volume.dims).toEqual(coronalDims);
    const infection = labelmapOnSegGrid(axial, s.infection);
    const lungs = labelmapOnSegGrid(axial, s.lungs);
    const { frames } = framesOf(encodeDicomSeg(input(source, infection, lungs)));
    for (const f of frames) {
      const c = source.sopInstanceUids.indexOf(f.uid);
      expect(c).toBeGreaterThanOrEqual(0);
      const expected = voxelToPatient(coronal, 0, 0, c);
      f.ipp.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 9));
    }
    // Ground-glass at rows j = 3..5 and consolidation at j = 4..6 of the axial study lie on those coronal images.
    const imagesOf = (segment: number): number[] => frames.filter((f) => f.segment === segment).map((f) => source.sopInstanceUids.indexOf(f.uid));
    expect(imagesOf(1)).toEqual([3, 4, 5]);
    expect(imagesOf(2)).toEqual([4, 5, 6]);
  });
});
