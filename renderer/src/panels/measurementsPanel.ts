import type { Measurements } from '../../../electron/common/quant/Measurements.ts';
import { h } from './dom.ts';

const ml = (x: number) => x.toFixed(1);
const pct = (x: number) => `${x.toFixed(1)} %`;

/** Volumes per class, % of each lung involved and the zone-based severity score. */
export function renderMeasurements(el: HTMLElement, m: Measurements | null): void {
  el.replaceChildren();
  if (!m) {
    el.append('No segmentation yet.');
    return;
  }
  const { right, left } = m.lungs;
  const table = h(
    'table',
    { class: 'meas', id: 'measurements-table' },
    h('tr', {}, h('th', {}, ''), h('th', {}, 'Right'), h('th', {}, 'Left'), h('th', {}, 'Total')),
    h('tr', {}, h('td', {}, 'Lung volume (mL)'), h('td', {}, ml(right.volumeMl)), h('td', {}, ml(left.volumeMl)), h('td', {}, ml(m.lungs.totalVolumeMl))),
    h('tr', {}, h('td', {}, 'Ground-glass (mL)'), h('td', {}, ml(right.groundGlassMl)), h('td', {}, ml(left.groundGlassMl)), h('td', { id: 'meas-ggo' }, ml(m.infection.groundGlassMl))),
    h('tr', {}, h('td', {}, 'Consolidation (mL)'), h('td', {}, ml(right.consolidationMl)), h('td', {}, ml(left.consolidationMl)), h('td', { id: 'meas-cons' }, ml(m.infection.consolidationMl))),
    h('tr', {}, h('td', {}, 'Involved'), h('td', {}, pct(right.involvementPercent)), h('td', {}, pct(left.involvementPercent)), h('td', { id: 'meas-total' }, `${ml(m.infection.totalMl)} mL`)),
    h('tr', {}, h('td', {}, 'Severity score'), h('td', {}, String(right.zones.reduce((a, z) => a + z.score, 0))), h('td', {}, String(left.zones.reduce((a, z) => a + z.score, 0))), h('td', { id: 'meas-severity' }, `${m.severity.total} / ${m.severity.max}`)),
    h('tr', {}, h('td', {}, 'Lesions'), h('td', {}, ''), h('td', {}, ''), h('td', {}, String(m.infection.lesionCount))),
  );
  // The score's rule (bands and the minimum a zone needs) folds away: the lesion list needs the room.
  const belowMinimum = [...right.zones, ...left.zones].filter((z) => z.belowMinimum);
  const summary = belowMinimum.length
    ? `How the score is computed (${belowMinimum.length} zone${belowMinimum.length === 1 ? '' : 's'} with infection under the minimum score 0)`
    : 'How the score is computed';
  const details = h('details', { class: 'method', id: 'severity-method' }, h('summary', {}, summary), h('p', {}, m.severity.method));
  for (const z of [...right.zones, ...left.zones]) {
    if (z.infectionMl > 0) details.append(h('p', {}, `${z.side} ${z.zone}: score ${z.score}, ${z.scoreReason}`));
  }
  el.append(table, details);
  for (const w of m.warnings) el.append(h('p', { class: 'method' }, `⚠ ${w}`));
}
