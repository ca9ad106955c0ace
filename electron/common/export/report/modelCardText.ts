/**
 * The model card's numbers in words for the report: the validation figures of
 * models/manifests/<name>.json (`metrics`: Dice and sensitivity with their bootstrap 95 % CI, the
 * split they were measured on, and any other figure the card states), what the model was trained
 * on, its intended use and licence. Only what the card holds is printed; nothing is computed here.
 */
import type { ModelManifest } from '../../models/ModelManifest.ts';

/** The parts of a model manifest the report prints. */
export type ReportModelCard = Partial<Pick<ModelManifest, 'architecture' | 'metrics' | 'training' | 'license' | 'intendedUse'>>;

/** Known validation figures, in the order the report lists them, with the CI key the trainer writes. */
const KNOWN_METRICS: [key: string, label: string, ciKey: string][] = [
  ['diceInfection', 'Dice, infection (both classes)', 'dice_infection'],
  ['diceInfectionPerSliceMean', 'Dice, infection, mean per slice', 'dice_infection_per_slice_mean'],
  ['diceGgo', 'Dice, ground-glass opacity', 'dice_ggo'],
  ['diceConsolidation', 'Dice, consolidation', 'dice_consolidation'],
  ['sensitivityInfection', 'Sensitivity, infection', 'sensitivity_infection'],
];

/** "falsePositiveNonCovidCt" -> "false positive non covid ct". */
function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

function numberText(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 10000) / 10000);
}

function primitiveText(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return numberText(v);
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return undefined;
}

/** One line per figure: "label: value", nested objects flattened one level ("key value, ..."). */
function otherFigure(key: string, v: unknown): string | undefined {
  const flat = primitiveText(v);
  if (flat !== undefined) return `${words(key)}: ${flat}`;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const parts = Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => {
        const t = primitiveText(x);
        return t === undefined ? undefined : `${words(k)} ${t}`;
      })
      .filter((x): x is string => x !== undefined);
    return parts.length > 0 ? `${words(key)}: ${parts.join('; ')}` : undefined;
  }
  return undefined;
}

export interface ModelCardText {
  /** Validation figures, one line each (empty when the card states none). */
  validation: string[];
  /** Where the figures come from (the card's split description), when stated. */
  split?: string;
  /** Other figures of the card's metrics, one line each. */
  other: string[];
  training?: string;
  intendedUse?: string;
  license?: string;
}

export function modelCardText(card: ReportModelCard): ModelCardText {
  const metrics = card.metrics ?? {};
  const ci = (metrics.ci95Bootstrap ?? {}) as Record<string, unknown>;
  const validation: string[] = [];
  const used = new Set(['split', 'ci95Bootstrap']);
  for (const [key, label, ciKey] of KNOWN_METRICS) {
    const v = metrics[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    used.add(key);
    const range = ci[ciKey];
    const ciText =
      Array.isArray(range) && range.length === 2 && range.every((x) => typeof x === 'number')
        ? ` (95 % CI ${(range[0] as number).toFixed(3)}-${(range[1] as number).toFixed(3)})`
        : '';
    validation.push(`${label}: ${v.toFixed(3)}${ciText}`);
  }
  const other = Object.entries(metrics)
    .filter(([k]) => !used.has(k))
    .map(([k, v]) => otherFigure(k, v))
    .filter((x): x is string => x !== undefined);
  const training = primitiveText(card.training?.data);
  return {
    validation,
    split: primitiveText(metrics.split),
    other,
    training,
    intendedUse: card.intendedUse,
    license: card.license,
  };
}
