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
    if (m.metrics) el.append(h('p', { class: 'method' }, `Validation: ${JSON.stringify(m.metrics).slice(0, 300)}`));
  } else {
    el.append(h('p', { id: 'model-card' }, `No model: ${info.modelProblem?.message ?? 'unavailable'}`));
  }
  el.append(h('p', {}, `Execution provider: ${info.executionProvider ?? 'chosen at the first run'}`));
}
