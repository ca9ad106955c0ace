import { uidFromSeed } from '../dicom/write/index.ts';
import type { Vec3 } from '../volume/index.ts';

export interface PhantomUids {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  /** SOPInstanceUID of slice k (k = volume slice index, increasing towards the head). */
  sopInstanceUid(k: number): string;
}

/**
 * The phantom's UIDs, deterministic: the same seed, grid and spacing give the same UIDs (and the
 * same files) on every machine; any difference gives different UIDs.
 */
export function phantomUidsFor(seed: number, dims: Vec3, spacingMm: Vec3): PhantomUids {
  const key = `opal-chest-phantom|v1|seed=${seed}|dims=${dims.join('x')}|spacing=${spacingMm.join(',')}`;
  return {
    studyInstanceUid: uidFromSeed(`${key}|study`),
    seriesInstanceUid: uidFromSeed(`${key}|series`),
    frameOfReferenceUid: uidFromSeed(`${key}|frame-of-reference`),
    sopInstanceUid: (k: number) => uidFromSeed(`${key}|sop|${k}`),
  };
}
