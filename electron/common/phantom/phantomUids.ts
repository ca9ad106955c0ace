import { uidFromSeed } from '../dicom/write/index.ts';
import type { Vec3 } from '../volume/index.ts';
import type { PhantomProfile } from './generateChestPhantom.ts';

export interface PhantomUids {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  /** SOPInstanceUID of slice k (k = volume slice index, increasing towards the head). */
  sopInstanceUid(k: number): string;
}

/**
 * The phantom's UIDs, deterministic: the same seed, grid, spacing and profile give the same UIDs
 * (and the same files) on every machine; any difference gives different UIDs. The default profile
 * adds nothing to the key, so the covid phantom keeps the UIDs it has always had.
 */
export function phantomUidsFor(seed: number, dims: Vec3, spacingMm: Vec3, profile: PhantomProfile = 'covid'): PhantomUids {
  const key = `opal-chest-phantom|v1|seed=${seed}|dims=${dims.join('x')}|spacing=${spacingMm.join(',')}${profile === 'covid' ? '' : `|profile=${profile}`}`;
  return {
    studyInstanceUid: uidFromSeed(`${key}|study`),
    seriesInstanceUid: uidFromSeed(`${key}|series`),
    frameOfReferenceUid: uidFromSeed(`${key}|frame-of-reference`),
    sopInstanceUid: (k: number) => uidFromSeed(`${key}|sop|${k}`),
  };
}
