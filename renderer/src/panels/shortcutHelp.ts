import { h } from './dom.ts';

export interface Shortcut {
  /** Keys or mouse gesture, as shown (and as README.md lists them). */
  keys: string;
  action: string;
}

/** Every keyboard and mouse shortcut of the viewer: the '?' help and README.md list exactly these. */
export const SHORTCUTS: readonly Shortcut[] = [
  { keys: '↑ / →', action: 'Next slice in the active viewport (towards the head, the back, the patient’s left)' },
  { keys: '↓ / ←', action: 'Previous slice in the active viewport (towards the feet, the front, the patient’s right)' },
  { keys: 'PageUp / PageDown', action: '10 slices forward / back' },
  { keys: 'Home / End', action: 'First slice (1 = most inferior, anterior or right) / last slice' },
  { keys: 'R', action: 'Reset the view: fit, unpan, unzoom and unflip every viewport (slices kept)' },
  { keys: 'H / Shift+H', action: 'Flip the active viewport left-right / top-bottom (the orientation letters follow)' },
  { keys: 'Q', action: 'The acquired plane as stored, or back to the standard radiological view' },
  { keys: '1 … 5', action: 'Window presets: lung, mediastinum, bone, soft tissue, ground-glass' },
  { keys: 'O', action: 'Show or hide the viewport overlays (letters, scale, text)' },
  { keys: 'N / Esc', action: 'Navigate tool (crosshairs)' },
  { keys: 'B', action: 'Brush (a circle of its real size follows the mouse)' },
  { keys: 'E', action: 'Eraser' },
  { keys: 'T', action: 'HU-threshold brush on or off' },
  { keys: '] / [', action: 'Review mode: next / previous ranked slice (most uncertain first)' },
  { keys: 'V', action: 'Review mode: mark the current ranked slice reviewed (again: unmark)' },
  { keys: 'U', action: 'Confidence overlay on or off (where the model was unsure)' },
  { keys: 'L', action: 'Brush target: next of ground-glass, consolidation, right lung, left lung (a lung shows the lung overlay)' },
  { keys: 'D', action: 'Delete lesion: a click removes the whole 3-D lesion under it' },
  { keys: 'G', action: 'Grow: a click grows the selected label within its HU range and the radius' },
  { keys: 'A', action: 'Assisted correction: drag a box (or click) over a missed lesion; the model re-runs there' },
  { keys: 'Ctrl+Z', action: 'Undo the last edit' },
  { keys: 'Ctrl+Y / Ctrl+Shift+Z', action: 'Redo' },
  { keys: '?', action: 'This list' },
  { keys: 'Wheel', action: 'Scroll slices' },
  { keys: 'Shift+wheel', action: 'Brush size (brush or eraser active)' },
  { keys: 'Ctrl+wheel', action: 'Zoom about the cursor' },
  { keys: 'Ctrl+right-drag', action: 'Zoom about the point where the drag started (up enlarges)' },
  { keys: 'Left-drag', action: 'Crosshairs (navigate), paint (brush, eraser) or a box (assisted correction)' },
  { keys: 'Right-drag', action: 'Window / level' },
  { keys: 'Middle-drag', action: 'Pan' },
];

/**
 * The keyboard help ('?'): a dialog listing SHORTCUTS. Returns a toggle; Esc or a click outside
 * closes it.
 */
export function createShortcutHelp(parent: HTMLElement = document.body): { toggle(show?: boolean): void; readonly open: boolean } {
  const rows = SHORTCUTS.map((s) => h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, s.keys)), h('td', {}, s.action)));
  const close = h('button', { type: 'button', class: 'help-close', 'aria-label': 'Close' }, 'Close');
  const dialog = h(
    'div',
    { id: 'shortcut-help', class: 'shortcut-help', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'shortcut-help-title' },
    h('div', { class: 'shortcut-help-box' }, h('h2', { id: 'shortcut-help-title' }, 'Keyboard and mouse'), h('table', {}, h('tbody', {}, ...rows)), close),
  );
  dialog.hidden = true;
  parent.append(dialog);
  const api = {
    toggle(show?: boolean) {
      dialog.hidden = !(show ?? dialog.hidden);
      if (!dialog.hidden) close.focus();
    },
    get open() {
      return !dialog.hidden;
    },
  };
  close.addEventListener('click', () => api.toggle(false));
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) api.toggle(false);
  });
  return api;
}
