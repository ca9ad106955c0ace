import { describe, expect, it } from 'vitest';
import { isOpalError } from '../errors/index.ts';
import { syntheticStudy } from '../../../test/exports/syntheticStudy.ts';
import { encodeDicomSeg, formatDecimalString, segFrames, type EncodeDicomSegInput } from './dicomSeg.ts';
import { decodeDicomSeg, labelmapFromSegments } from './decodeDicomSeg.ts';
import { INFECTION_SEGMENTS, LUNG_SEGMENTS } from './segmentCodes.ts';

function input(overrides: Partial<EncodeDicomSegInput> = {}): EncodeDicomSegInput {
  const s = syntheticStudy();
  return {
    source: s.source,
    labelmaps: [
      { labelmap: s.infection, segments: INFECTION_SEGMENTS },
      { labelmap: s.lungs, segments: LUNG_SEGMENTS },
    ],
    algorithm: { name: 'opal-infnet', version: '0.1.0' },
    edited: false,
    ...overrides,
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isOpalError(e) ? e.code : `not an OpalError: ${String(e)}`;
  }
  return undefined;
}

describe('encodeDicomSeg / decodeDicomSeg', () => {
  it('loads back to the identical infection and lung labelmaps', () => {
    const s = syntheticStudy();
    const bytes = encodeDicomSeg(input());
    const decoded = decodeDicomSeg(bytes, { volume: s.volume, sopInstanceUids: s.source.sopInstanceUids, frameOfReferenceUid: s.source.frameOfReferenceUid });
    expect(decoded.segments.map((x) => x.label)).toEqual(['Ground-glass opacity', 'Consolidation', 'Right lung', 'Left lung']);
    expect(labelmapFromSegments(decoded, INFECTION_SEGMENTS)).toEqual(s.infection);
    expect(labelmapFromSegments(decoded, LUNG_SEGMENTS)).toEqual(s.lungs);
    expect(decoded.referencedSeriesInstanceUids).toEqual([s.source.seriesInstanceUid]);
  });

  it('places frames by ImagePositionPatient when the source UIDs are not known', () => {
    const s = syntheticStudy();
    const decoded = decodeDicomSeg(encodeDicomSeg(input()), { volume: s.volume });
    expect(labelmapFromSegments(decoded, INFECTION_SEGMENTS)).toEqual(s.infection);
    expect(labelmapFromSegments(decoded, LUNG_SEGMENTS)).toEqual(s.lungs);
  });

  it('references frames of a multi-frame (enhanced) source by ReferencedFrameNumber and reads them back', () => {
    const s = syntheticStudy();
    const uid = '1.2.826.0.1.3680043.8.498.3001';
    const sopInstanceUids = s.source.sopInstanceUids.map(() => uid);
    const referencedFrameNumbers = sopInstanceUids.map((_, k) => k + 1);
    const bytes = encodeDicomSeg(input({ source: { ...s.source, sopInstanceUids, referencedFrameNumbers } }));
    const decoded = decodeDicomSeg(bytes, { volume: s.volume, sopInstanceUids, referencedFrameNumbers });
    expect(labelmapFromSegments(decoded, INFECTION_SEGMENTS)).toEqual(s.infection);
    expect(labelmapFromSegments(decoded, LUNG_SEGMENTS)).toEqual(s.lungs);
  });

  it('writes one frame per segment and slice that has voxels, none for empty slices', () => {
    const frames = segFrames(input());
    // GGO on slices 2-3, consolidation on 3, each lung on 1-4.
    expect(frames).toEqual([
      { segmentNumber: 1, sliceIndex: 2 },
      { segmentNumber: 1, sliceIndex: 3 },
      { segmentNumber: 2, sliceIndex: 3 },
      ...[1, 2, 3, 4].map((k) => ({ segmentNumber: 3, sliceIndex: k })),
      ...[1, 2, 3, 4].map((k) => ({ segmentNumber: 4, sliceIndex: k })),
    ]);
  });

  it('says AUTOMATIC before and SEMIAUTOMATIC after a person edited the masks', () => {
    const s = syntheticStudy();
    const auto = decodeDicomSeg(encodeDicomSeg(input()), { volume: s.volume });
    const edited = decodeDicomSeg(encodeDicomSeg(input({ edited: true })), { volume: s.volume });
    expect(auto.segments.map((x) => x.algorithmType)).toEqual(['AUTOMATIC', 'AUTOMATIC', 'AUTOMATIC', 'AUTOMATIC']);
    expect(edited.segments.map((x) => x.algorithmType)).toEqual(['SEMIAUTOMATIC', 'SEMIAUTOMATIC', 'SEMIAUTOMATIC', 'SEMIAUTOMATIC']);
    expect(edited.segments[0].algorithmName).toBe('opal-infnet 0.1.0');
  });

  it('keeps tracking UIDs stable across exports of the same series and apart between segments', () => {
    const s = syntheticStudy();
    const a = decodeDicomSeg(encodeDicomSeg(input()), { volume: s.volume }).segments;
    const b = decodeDicomSeg(encodeDicomSeg(input({ edited: true })), { volume: s.volume }).segments;
    expect(a.map((x) => x.trackingUid)).toEqual(b.map((x) => x.trackingUid));
    expect(new Set(a.map((x) => x.trackingUid)).size).toBe(4);
    expect(a.map((x) => x.trackingId)).toEqual(['GGO', 'CONSOLIDATION', 'RIGHT_LUNG', 'LEFT_LUNG']);
  });

  it('exports masks that are all empty as one empty frame that decodes to nothing', () => {
    const s = syntheticStudy();
    const empty = new Uint8Array(s.infection.length);
    const bytes = encodeDicomSeg(input({ labelmaps: [{ labelmap: empty, segments: INFECTION_SEGMENTS }] }));
    const decoded = decodeDicomSeg(bytes, { volume: s.volume });
    expect(labelmapFromSegments(decoded, INFECTION_SEGMENTS)).toEqual(empty);
  });

  it('rejects a labelmap whose size differs from the source volume with E_BAD_ARGUMENT', () => {
    const s = syntheticStudy();
    expect(codeOf(() => encodeDicomSeg(input({ labelmaps: [{ labelmap: s.lungs.subarray(1), segments: LUNG_SEGMENTS }] })))).toBe('E_BAD_ARGUMENT');
  });

  it('rejects a source without one SOPInstanceUID per slice with E_BAD_ARGUMENT', () => {
    const s = syntheticStudy();
    expect(codeOf(() => encodeDicomSeg(input({ source: { ...s.source, sopInstanceUids: s.source.sopInstanceUids.slice(1) } })))).toBe('E_BAD_ARGUMENT');
  });

  it('rejects a malformed UID with E_BAD_ARGUMENT', () => {
    const s = syntheticStudy();
    expect(codeOf(() => encodeDicomSeg(input({ source: { ...s.source, frameOfReferenceUid: '1.2.03.x' } })))).toBe('E_BAD_ARGUMENT');
  });

  it('refuses to decode bytes that are not DICOM with E_NOT_DICOM', () => {
    const s = syntheticStudy();
    expect(codeOf(() => decodeDicomSeg(new Uint8Array(300).fill(7), { volume: s.volume }))).toBe('E_NOT_DICOM');
  });

  it('refuses a SEG of another frame of reference or slice size with E_GEOMETRY_MISMATCH', () => {
    const s = syntheticStudy();
    const bytes = encodeDicomSeg(input());
    expect(codeOf(() => decodeDicomSeg(bytes, { volume: s.volume, frameOfReferenceUid: '1.2.3.4' }))).toBe('E_GEOMETRY_MISMATCH');
    expect(codeOf(() => decodeDicomSeg(bytes, { volume: { ...s.volume, dims: [12, 11, 6] } }))).toBe('E_GEOMETRY_MISMATCH');
  });

  it('formats decimal strings within 16 characters and exactly where possible', () => {
    expect(formatDecimalString(0.703125)).toBe('0.703125');
    expect(formatDecimalString(-0)).toBe('0');
    expect(formatDecimalString(2.5)).toBe('2.5');
    expect(formatDecimalString(-123.456789012345678).length).toBeLessThanOrEqual(16);
    expect(Number(formatDecimalString(-123.456789012345678))).toBeCloseTo(-123.456789012345678, 10);
    expect(Number(formatDecimalString(0.17364817766693033))).toBeCloseTo(0.17364817766693033, 13);
  });
});
