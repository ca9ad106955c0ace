import type { ScanResult } from '../../../electron/common/ipc/contract.ts';
import { h } from './dom.ts';

/** The series found in the opened folder (click to load) and every skipped file with its reason. */
export function renderSeriesList(list: HTMLElement, skippedList: HTMLElement, skippedCount: HTMLElement, scan: ScanResult | null, onPick: (uid: string) => void): void {
  list.replaceChildren();
  skippedList.replaceChildren();
  skippedCount.textContent = String(scan?.skipped.length ?? 0);
  if (!scan) return;
  for (const s of scan.series) {
    const li = h(
      'li',
      { class: s.loadable ? 'series' : 'series unloadable', 'data-uid': s.seriesInstanceUid, title: s.warnings.join('\n') },
      `${s.modality ?? '?'} · ${s.seriesDescription ?? '(no description)'} · ${s.columns}×${s.rows}×${s.slices ?? s.imageCount}`,
    );
    li.addEventListener('click', () => onPick(s.seriesInstanceUid));
    list.append(li);
  }
  for (const f of scan.skipped) skippedList.append(h('li', {}, `${f.path}: ${f.code} ${f.message}`));
}

export function renderRecent(list: HTMLElement, folders: string[], onPick: (path: string) => void): void {
  list.replaceChildren();
  for (const f of folders) {
    const li = h('li', { title: f }, `↻ ${f}`);
    li.addEventListener('click', () => onPick(f));
    list.append(li);
  }
}

/**
 * Folder path of a drop: Electron gives File objects a real path (webUtils.getPathForFile in the
 * preload); in a browser the path is unknown, so dropped text (a typed or copied path) is used.
 */
export function droppedPath(e: DragEvent, pathForFile?: (f: File) => string): string | undefined {
  const file = e.dataTransfer?.files?.[0];
  if (file && pathForFile) {
    const p = pathForFile(file);
    if (p) return p;
  }
  const text = e.dataTransfer?.getData('text/plain')?.trim();
  return text || undefined;
}
