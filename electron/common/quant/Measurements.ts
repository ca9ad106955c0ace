/**
 * The numbers OPAL reports for one study (measurements.json follows this shape; the CSV flattens
 * it). Produced by electron/common/quant, read by exports, the report and the measurements panel.
 */
export type LungSide = 'right' | 'left';
export type LungZone = 'upper' | 'middle' | 'lower';

/** CT severity score per zone (0 none, 1 <5 %, 2 5-25 %, 3 26-50 %, 4 51-75 %, 5 >75 % involved). */
export type ZoneScore = 0 | 1 | 2 | 3 | 4 | 5;

export interface ZoneMeasurement {
  side: LungSide;
  zone: LungZone;
  lungVolumeMl: number;
  infectionMl: number;
  involvementPercent: number;
  score: ZoneScore;
  /** Infection in this zone that belongs to lesions (components of at least severity.minimum.lesionVolumeMl). */
  lesionInfectionMl: number;
  /** lesionInfectionMl as % of the zone's lung volume: with lesionInfectionMl, what the minimum is tested on. */
  lesionInvolvementPercent: number;
  /** True when the zone has infection but too little to score (then score is 0). */
  belowMinimum: boolean;
  /** Why the zone has its score, in words (e.g. "0.40 mL in lesions, below the 1.0 mL and 0.5 % minimum"). */
  scoreReason: string;
}

export interface LungMeasurement {
  side: LungSide;
  volumeMl: number;
  groundGlassMl: number;
  consolidationMl: number;
  infectionMl: number;
  involvementPercent: number;
  zones: ZoneMeasurement[];
}

export type LesionLung = LungSide | 'outside';

/** One 3-D lesion: a 26-connected component of infection of at least the minimum lesion volume. */
export interface Lesion {
  /** 1..n, largest first. */
  id: number;
  volumeMl: number;
  groundGlassMl: number;
  consolidationMl: number;
  /** Mean CT value over the lesion; null when the CT was not given to the quantification. */
  meanHu: number | null;
  /** Where most of its voxels lie. */
  lung: LesionLung;
  /** Zone holding most of its voxels (the severity score's thirds); null when there are no lungs. */
  zone: LungZone | null;
  /** Centre of mass, LPS millimetres. */
  centroidLpsMm: [number, number, number];
  /** Centre of mass in voxel indices (i, j, k), fractional. */
  centroidVoxel: [number, number, number];
  /** Inclusive voxel bounding box. */
  boundingBoxVoxel: { min: [number, number, number]; max: [number, number, number] };
  /** The model's mean confidence (0-1) over the voxels that still carry its own label; null when none does. */
  meanConfidence: number | null;
  /** Volume whose label a person changed after the model ran (left out of meanConfidence). */
  editedMl: number;
}

/** The documented minimum below which a zone scores 0 and a component is not a lesion. */
export interface SeverityMinimum {
  /** Least infection in lesions, as % of the zone's lung volume, for a zone to score above 0. */
  zoneInvolvementPercent: number;
  /** Least infection in lesions, mL, for a zone to score above 0. */
  zoneLesionMl: number;
  /** Smallest component counted as a lesion, mL. */
  lesionVolumeMl: number;
}

export interface Measurements {
  schemaVersion: 1;
  lungs: { right: LungMeasurement; left: LungMeasurement; totalVolumeMl: number };
  infection: {
    groundGlassMl: number;
    consolidationMl: number;
    totalMl: number;
    lesionCount: number;
    /** Part of totalMl outside both lung masks (e.g. painted over the chest wall): in no lung's numbers. */
    outsideLungsMl: number;
  };
  severity: {
    /** Sum over six zones, 0-30. */
    total: number;
    max: 30;
    /** Always states that this is a zone-based approximation of the lobar score (no lobe model yet). */
    method: string;
    /** The thresholds the score used. */
    minimum: SeverityMinimum;
  };
  /** Every lesion, largest first (infection.lesionCount of them). */
  lesions: Lesion[];
  voxelVolumeMl: number;
  warnings: string[];
}

/** Where a segmentation came from, printed in every export and report. */
export interface ModelProvenance {
  name: string;
  version: string;
  sha256: string;
  executionProvider: string;
  /** The app's execution-provider setting when the model ran ('auto' = checked choice, or the provider the user forced); absent from the CLI. */
  executionProviderSetting?: string;
  /** True once a person edited the masks (DICOM SEG then says SEMIAUTOMATIC). */
  edited: boolean;
}
