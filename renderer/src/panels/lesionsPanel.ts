import type { Lesion } from '../../../electron/common/quant/Measurements.ts';
import { axialSliceNumber } from '../../../electron/common/volume/sliceNumbering.ts';
import type { Mat3 } from '../../../electron/common/volume/Volume.ts';
import { h } from './dom.ts';
import { sortLesions, type LesionSort, type LesionSortKey } from './lesionSort.ts';

export interface LesionsPanelHandlers {
  onSort(key: LesionSortKey): void;
  /** A lesion was chosen (click or Enter on its row): the viewports go to it. */
  onSelect(lesion: Lesion): void;
}

const COLUMNS: { key: LesionSortKey; label: string; title: string }[] = [
  { key: 'id', label: '#', title: 'Lesion number (1 = largest)' },
  { key: 'volumeMl', label: 'mL', title: 'Volume' },
  { key: 'consolidationMl', label: 'Class', title: 'Class mix: share of ground-glass (GGO) and consolidation (Cons)' },
  { key: 'meanHu', label: 'HU', title: 'Mean CT value' },
  { key: 'place', label: 'Where', title: 'Lung and zone (thirds of the lung, as in the severity score)' },
  // The app's one slice numbering (electron/common/volume/sliceNumbering.ts): the axial viewport's
  // "Slice n / N" and the PDF report show the same number.
  { key: 'slice', label: 'Slice', title: 'Axial slice of its centre (1 = most inferior), as the axial viewport and the PDF report number it' },
  { key: 'meanConfidence', label: 'Conf.', title: "The model's mean confidence in its label (– where the lesion was painted by hand)" },
];

function classMix(l: Lesion): string {
  if (l.volumeMl <= 0) return '';
  const cons = Math.round((100 * l.consolidationMl) / l.volumeMl);
  if (cons === 0) return 'GGO';
  if (cons === 100) return 'Cons';
  return `GGO ${100 - cons} %`;
}

function place(l: Lesion): string {
  const lung = l.lung === 'right' ? 'R' : l.lung === 'left' ? 'L' : 'out';
  return l.zone ? `${lung} ${l.zone}` : lung;
}

/**
 * The lesion list: one row per 3-D lesion, sortable by each column header; choosing a row centres
 * the viewports on the lesion. `selectedId` marks the row last chosen.
 */
export function renderLesionsPanel(
  el: HTMLElement,
  lesions: readonly Lesion[] | null,
  sort: LesionSort,
  selectedId: number | null,
  handlers: LesionsPanelHandlers,
  geometry?: { dims: [number, number, number]; direction: Mat3 },
): void {
  el.replaceChildren();
  if (!lesions) {
    el.append(h('p', { class: 'method' }, 'No segmentation yet.'));
    return;
  }
  if (lesions.length === 0) {
    el.append(h('p', { class: 'method', id: 'lesions-empty' }, 'No lesion (no connected infection of at least 0.1 mL).'));
    return;
  }
  const head = h(
    'tr',
    {},
    ...COLUMNS.map((c) => {
      const button = h('button', { type: 'button', class: 'sort', 'data-sort': c.key, title: `${c.title}: click to sort` }, c.label + (sort.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''));
      button.addEventListener('click', () => handlers.onSort(c.key));
      return h('th', { 'aria-sort': sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none' }, button);
    }),
  );
  const rows = sortLesions(lesions, sort).map((l) => {
    const [ci, cj, ck] = l.centroidVoxel;
    const row = h(
      'tr',
      {
        class: l.id === selectedId ? 'lesion selected' : 'lesion',
        tabindex: '0',
        'data-lesion-id': String(l.id),
        'data-centroid-voxel': `${ci},${cj},${ck}`,
        title: `Lesion ${l.id}: ${l.volumeMl.toFixed(2)} mL (GGO ${l.groundGlassMl.toFixed(2)}, consolidation ${l.consolidationMl.toFixed(2)} mL); centre ${l.centroidLpsMm.map((x) => x.toFixed(1)).join(', ')} mm LPS${l.editedMl > 0 ? `; ${l.editedMl.toFixed(2)} mL painted by hand` : ''}. Click to go there.`,
      },
      h('td', {}, String(l.id)),
      h('td', {}, l.volumeMl.toFixed(l.volumeMl < 10 ? 2 : 1)),
      h('td', {}, classMix(l)),
      h('td', {}, l.meanHu === null ? '–' : String(Math.round(l.meanHu) + 0)),
      h('td', {}, place(l)),
      h('td', { class: 'lesion-slice' }, geometry ? String(axialSliceNumber(geometry, ck)) : '–'),
      h('td', {}, l.meanConfidence === null ? '–' : l.meanConfidence.toFixed(2)),
    );
    row.addEventListener('click', () => handlers.onSelect(l));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        handlers.onSelect(l);
      }
    });
    return row;
  });
  el.append(h('table', { class: 'meas lesions', id: 'lesions-table' }, h('thead', {}, head), h('tbody', {}, ...rows)));
}
