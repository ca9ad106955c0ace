import type { OverlaySettings } from '../state/store.ts';
import { h } from './dom.ts';

export interface SegmentsPanelCallbacks {
  onChange(kind: 'infection' | 'lungs', settings: OverlaySettings): void;
}

const NAMES: Record<'infection' | 'lungs', Record<number, string>> = {
  infection: { 1: 'Ground-glass opacity', 2: 'Consolidation' },
  lungs: { 1: 'Right lung', 2: 'Left lung' },
};

const hex = (c: [number, number, number, number]) => `#${c.slice(0, 3).map((x) => x.toString(16).padStart(2, '0')).join('')}`;
const rgba = (s: string): [number, number, number, number] => [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16), 255];

/** Per-overlay visibility and opacity, per-label colour. */
export function renderSegmentsPanel(el: HTMLElement, overlays: Record<'infection' | 'lungs', OverlaySettings>, cb: SegmentsPanelCallbacks): void {
  el.replaceChildren();
  for (const kind of ['infection', 'lungs'] as const) {
    const s = overlays[kind];
    const visible = h('input', { type: 'checkbox', id: `visible-${kind}`, 'aria-label': `Show ${kind}` });
    visible.checked = s.visible;
    visible.addEventListener('change', () => cb.onChange(kind, { ...s, visible: visible.checked }));
    const opacity = h('input', { type: 'range', min: '0', max: '1', step: '0.05', id: `opacity-${kind}`, 'aria-label': `${kind} opacity` });
    opacity.value = String(s.opacity);
    opacity.addEventListener('change', () => cb.onChange(kind, { ...s, opacity: Number(opacity.value) }));
    el.append(h('div', {}, h('label', {}, visible, ` ${kind === 'infection' ? 'Infection' : 'Lungs'}`), ' ', opacity));
    for (const [label, name] of Object.entries(NAMES[kind])) {
      const color = h('input', { type: 'color', id: `color-${kind}-${label}`, 'aria-label': `${name} colour` });
      color.value = hex(s.colors[Number(label)]);
      color.addEventListener('change', () => cb.onChange(kind, { ...s, colors: { ...s.colors, [Number(label)]: rgba(color.value) } }));
      el.append(h('div', { class: 'segment-row' }, h('span', { class: 'swatch', style: `background:${color.value}` }), h('span', {}, name), color));
    }
  }
}
