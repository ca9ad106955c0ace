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
  };
  voxelVolumeMl: number;
  warnings: string[];
}

/** Where a segmentation came from, printed in every export and report. */
export interface ModelProvenance {
  name: string;
  version: string;
  sha256: string;
  executionProvider: string;
  /** True once a person edited the masks (DICOM SEG then says SEMIAUTOMATIC). */
  edited: boolean;
}
