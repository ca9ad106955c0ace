import type { AppInfo } from '../../../electron/common/ipc/contract.ts';
import { h } from './dom.ts';

/** The model card, the execution provider and the investigational-use notice. */
export function renderAbout(el: HTMLElement, info: AppInfo | null): void {
  el.replaceChildren();
  if (!info) return;
  el.append(h('p', {}, h('strong', {}, info.notice)), h('p', {}, `OPAL ${info.appVersion}`));
  if (info.model) {
    const m = info.model;
    el.append(
      h('p', { id: 'model-card' }, `Model: ${m.name} ${m.version} (${m.architecture})`),
      h('p', {}, `Classes: ${m.classes.join(', ')}`),
      h('p', {}, `Licence: ${m.license}`),
      h('p', { class: 'method' }, `SHA-256 ${m.sha256.slice(0, 16)}…`),
    );
    if (m.intendedUse) el.append(h('p', {}, `Intended use: ${m.intendedUse}`));
    for (const line of modelMetricLines(m.metrics)) el.append(h('p', { class: 'method' }, line));
  } else {
    el.append(h('p', { id: 'model-card' }, `No model: ${info.modelProblem?.message ?? 'unavailable'}`));
  }
  el.append(h('p', {}, `Execution provider: ${info.executionProvider ?? 'chosen at the first run'}`));
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The model card's numbers in words a radiologist reads: validation Dice with its 95 % interval and
 * the false positives on a CT without COVID-19, when the manifest has them (fields are optional).
 */
export function modelMetricLines(metrics: Record<string, unknown> | undefined): string[] {
  if (!metrics) return [];
  const lines: string[] = [];
  const ci = (metrics.ci95Bootstrap ?? {}) as Record<string, unknown>;
  const withCi = (label: string, value: unknown, key: string): void => {
    const v = num(value);
    if (v === undefined) return;
    const range = Array.isArray(ci[key]) ? (ci[key] as unknown[]).map(num) : [];
    const tail = range.length === 2 && range[0] !== undefined && range[1] !== undefined ? ` (95 % CI ${range[0].toFixed(2)}–${range[1].toFixed(2)})` : '';
    lines.push(`${label}: ${v.toFixed(3)}${tail}`);
  };
  withCi('Validation Dice, infection', metrics.diceInfection, 'dice_infection');
  withCi('Dice, ground-glass', metrics.diceGgo, 'dice_ggo');
  withCi('Dice, consolidation', metrics.diceConsolidation, 'dice_consolidation');
  if (typeof metrics.split === 'string') lines.push(`On: ${metrics.split}`);
  const fp = metrics.falsePositiveNonCovidCt as Record<string, unknown> | undefined;
  const fpMl = num(fp?.infectionMl);
  const fpPct = num(fp?.percentOfLungs);
  if (fp && fpMl !== undefined && fpPct !== undefined) {
    lines.push(`False positives on a CT without COVID-19: ${fpMl} mL (${fpPct} % of the lungs)`);
  }
  return lines;
}
