/**
 * Coded meaning of every segment OPAL exports (DICOM SEG SegmentedPropertyCategory/Type, PS3.3
 * C.8.20.2). Each code below was looked up, not invented; the source is cited beside it.
 */
import { InfectionLabel, LungLabel } from '../volume/index.ts';

/** One coded concept (PS3.3 Table 8.8-1, Code Sequence Macro). */
export interface CodedConcept {
  /** CodeValue (0008,0100). */
  value: string;
  /** CodingSchemeDesignator (0008,0102): SCT = SNOMED CT, DCM = DICOM's own codes (PS3.16 Annex D). */
  scheme: 'SCT' | 'DCM';
  /** CodeMeaning (0008,0104). */
  meaning: string;
}

/** What one label value of a labelmap means, as written into the SEG's SegmentSequence. */
export interface SegmentDefinition {
  /** The voxel value in the labelmap that belongs to this segment. */
  labelValue: number;
  /** SegmentLabel (0062,0005), shown by viewers. */
  label: string;
  category: CodedConcept;
  type: CodedConcept;
  /** Display colour, sRGB 0-255 (written as RecommendedDisplayCIELabValue). */
  colorRgb: [number, number, number];
  /** Short stable identifier written as TrackingID (0062,0020). */
  trackingId: string;
}

// PS3.16 CID 7150 "Segmentation Property Category": SCT 49755003. Its CodeMeaning in current
// editions of PS3.16 is "Morphologically Altered Structure" (older editions: "... Abnormal ...").
export const CATEGORY_MORPHOLOGICALLY_ALTERED: CodedConcept = {
  value: '49755003',
  scheme: 'SCT',
  meaning: 'Morphologically Altered Structure',
};

// PS3.16 CID 7150: SCT 123037004 "Anatomical Structure" (SNOMED CT "Body structure"; the code
// dcmqi and Slicer's DICOM terminology use for organs).
export const CATEGORY_ANATOMICAL_STRUCTURE: CodedConcept = {
  value: '123037004',
  scheme: 'SCT',
  meaning: 'Anatomical Structure',
};

// PS3.16 CID 6104 "Abnormal Opacity Finding or Feature" (the chest CAD value set, after Fraser and
// Pare): DCM 112120 "Ground glass opacity". DICOM's own code is used because it is the one listed
// in a DICOM context group; SNOMED CT also has 1217294009 "Ground glass lung opacity".
export const TYPE_GROUND_GLASS_OPACITY: CodedConcept = { value: '112120', scheme: 'DCM', meaning: 'Ground glass opacity' };

// SNOMED CT 95436008 "Lung consolidation" (disorder). PS3.16 has no context-group entry for
// parenchymal consolidation; CID 7151 is extensible, so the SNOMED CT concept is used.
export const TYPE_CONSOLIDATION: CodedConcept = { value: '95436008', scheme: 'SCT', meaning: 'Lung consolidation' };

// SNOMED CT 3341006 "Right lung" and 44029006 "Left lung" (body structures; PS3.16 CID 7151
// anatomic types via CID 4 / CID 7192 use the same concepts).
export const TYPE_RIGHT_LUNG: CodedConcept = { value: '3341006', scheme: 'SCT', meaning: 'Right lung' };
export const TYPE_LEFT_LUNG: CodedConcept = { value: '44029006', scheme: 'SCT', meaning: 'Left lung' };

/** Segments of the infection labelmap (values from electron/common/volume/labels.ts). */
export const INFECTION_SEGMENTS: SegmentDefinition[] = [
  {
    labelValue: InfectionLabel.GroundGlassOpacity,
    label: 'Ground-glass opacity',
    category: CATEGORY_MORPHOLOGICALLY_ALTERED,
    type: TYPE_GROUND_GLASS_OPACITY,
    colorRgb: [255, 215, 0],
    trackingId: 'GGO',
  },
  {
    labelValue: InfectionLabel.Consolidation,
    label: 'Consolidation',
    category: CATEGORY_MORPHOLOGICALLY_ALTERED,
    type: TYPE_CONSOLIDATION,
    colorRgb: [230, 40, 40],
    trackingId: 'CONSOLIDATION',
  },
];

/** Segments of the lung labelmap. */
export const LUNG_SEGMENTS: SegmentDefinition[] = [
  {
    labelValue: LungLabel.RightLung,
    label: 'Right lung',
    category: CATEGORY_ANATOMICAL_STRUCTURE,
    type: TYPE_RIGHT_LUNG,
    colorRgb: [80, 160, 255],
    trackingId: 'RIGHT_LUNG',
  },
  {
    labelValue: LungLabel.LeftLung,
    label: 'Left lung',
    category: CATEGORY_ANATOMICAL_STRUCTURE,
    type: TYPE_LEFT_LUNG,
    colorRgb: [60, 200, 120],
    trackingId: 'LEFT_LUNG',
  },
];
