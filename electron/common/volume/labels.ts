/**
 * Label values shared by the lung and infection labelmaps (Uint8Array, same dims as the CT volume).
 * Models, quantification, exports and the viewer all use these numbers.
 */
export const InfectionLabel = {
  Background: 0,
  GroundGlassOpacity: 1,
  Consolidation: 2,
} as const;
export type InfectionLabel = (typeof InfectionLabel)[keyof typeof InfectionLabel];

/** Lungs get their own labelmap. Right = the patient's right (low x in LPS, image left on axial). */
export const LungLabel = {
  Background: 0,
  RightLung: 1,
  LeftLung: 2,
} as const;
export type LungLabel = (typeof LungLabel)[keyof typeof LungLabel];

export const INFECTION_LABEL_NAMES: Record<InfectionLabel, string> = {
  0: 'Background',
  1: 'Ground-glass opacity',
  2: 'Consolidation',
};
