/**
 * What a segment of an imported mask means to OPAL: which labelmap (infection or lungs) and which
 * label value its voxels get. SEG segments are recognised by their SegmentedPropertyType code (the
 * codes OPAL writes, electron/common/export/segmentCodes.ts, plus other well-known SNOMED CT codes),
 * then by their label text; anything else is left out unless the user maps it (`--map 3=consolidation`).
 */
import { OpalError } from '../errors/index.ts';
import type { CodedConcept } from '../export/segmentCodes.ts';
import { TYPE_CONSOLIDATION, TYPE_GROUND_GLASS_OPACITY, TYPE_LEFT_LUNG, TYPE_RIGHT_LUNG, REGION_LUNG } from '../export/segmentCodes.ts';

/**
 * The meanings a mask segment or label value can have. 'infection' is infection without a
 * ground-glass/consolidation split (counted as ground-glass, with a warning); 'lungs' is both lungs
 * in one segment (split into right and left at the mask's midline, with a warning).
 */
export const MASK_MEANINGS = ['ground-glass', 'consolidation', 'infection', 'right-lung', 'left-lung', 'lungs', 'ignore'] as const;
export type MaskMeaning = (typeof MASK_MEANINGS)[number];

const ALIASES: Record<string, MaskMeaning> = {
  ggo: 'ground-glass',
  'ground-glass': 'ground-glass',
  groundglass: 'ground-glass',
  consolidation: 'consolidation',
  infection: 'infection',
  lesion: 'infection',
  'right-lung': 'right-lung',
  right: 'right-lung',
  'left-lung': 'left-lung',
  left: 'left-lung',
  lungs: 'lungs',
  lung: 'lungs',
  ignore: 'ignore',
  none: 'ignore',
};

/** A user's mapping: segment number (SEG) or label value (NIfTI) -> meaning. */
export type MaskMapping = Map<number, MaskMeaning>;

/** Parses `3=consolidation,4=ignore` (also given as several --map flags) into a mapping. */
export function parseMaskMapping(items: string[]): MaskMapping {
  const out: MaskMapping = new Map();
  for (const item of items.flatMap((s) => s.split(','))) {
    const t = item.trim();
    if (t === '') continue;
    const m = /^(\d+)\s*=\s*([A-Za-z-]+)$/.exec(t);
    const meaning = m ? ALIASES[m[2].toLowerCase()] : undefined;
    if (!m || !meaning || Number(m[1]) < 1 || Number(m[1]) > 65535) {
      throw new OpalError(
        'E_BAD_ARGUMENT',
        `--map "${t}" is not understood: write NUMBER=MEANING (segment number of a SEG, label value of a NIfTI), MEANING one of ${MASK_MEANINGS.join(', ')}.`,
      );
    }
    out.set(Number(m[1]), meaning);
  }
  return out;
}

const same = (a: Pick<CodedConcept, 'value' | 'scheme'>, value: string, scheme: string): boolean => a.value === value && a.scheme === scheme;

/**
 * Type codes recognised without a mapping. OPAL's own (segmentCodes.ts) first; then SNOMED CT
 * 1217294009 "Ground glass lung opacity", 39607008 "Lung", 52988006 "Lesion", 840539006
 * "Disease caused by SARS-CoV-2" (COVID-19) and 40733004 "Infectious disease".
 */
const KNOWN_TYPES: { value: string; scheme: string; meaning: MaskMeaning }[] = [
  { ...TYPE_GROUND_GLASS_OPACITY, meaning: 'ground-glass' },
  { value: '1217294009', scheme: 'SCT', meaning: 'ground-glass' },
  { ...TYPE_CONSOLIDATION, meaning: 'consolidation' },
  { ...TYPE_RIGHT_LUNG, meaning: 'right-lung' },
  { ...TYPE_LEFT_LUNG, meaning: 'left-lung' },
  { ...REGION_LUNG, meaning: 'lungs' },
  { value: '52988006', scheme: 'SCT', meaning: 'infection' },
  { value: '840539006', scheme: 'SCT', meaning: 'infection' },
  { value: '40733004', scheme: 'SCT', meaning: 'infection' },
];

/** Label text recognised when the code is not (e.g. a tool that codes every segment as "Tissue"). */
const LABEL_PATTERNS: [RegExp, MaskMeaning][] = [
  [/ground[\s_-]*glass|\bggo\b/i, 'ground-glass'],
  [/consolidat/i, 'consolidation'],
  [/right[\s_-]*lung|\blung[\s_-]*(right|r)\b/i, 'right-lung'],
  [/left[\s_-]*lung|\blung[\s_-]*(left|l)\b/i, 'left-lung'],
  [/infect|lesion|covid|opacit/i, 'infection'],
  [/^\s*lungs?\s*$/i, 'lungs'],
];

export interface SegmentMeaning {
  meaning?: MaskMeaning;
  /** How it was decided: the user's --map, the type code, or the label text. */
  by?: 'user' | 'code' | 'label';
}

/** The meaning of one SEG segment: the user's mapping, else its type code, else its label. */
export function meaningOfSegment(segmentNumber: number, type: Pick<CodedConcept, 'value' | 'scheme'>, label: string, mapping: MaskMapping): SegmentMeaning {
  const user = mapping.get(segmentNumber);
  if (user) return { meaning: user, by: 'user' };
  const known = KNOWN_TYPES.find((k) => same(type, k.value, k.scheme));
  if (known) return { meaning: known.meaning, by: 'code' };
  const byLabel = LABEL_PATTERNS.find(([re]) => re.test(label));
  if (byLabel) return { meaning: byLabel[1], by: 'label' };
  return {};
}
