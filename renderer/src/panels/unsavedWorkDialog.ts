import { h } from './dom.ts';

export interface Choice<T extends string> {
  value: T;
  label: string;
  /** The button focused first (Enter chooses it). */
  default?: boolean;
}

/**
 * A small modal asking one question with a few answers (a native <dialog>: focus stays inside,
 * Esc answers `cancelValue`). Resolves with the value of the button pressed.
 */
export function askChoice<T extends string>(title: string, message: string, choices: readonly Choice<T>[], cancelValue: T): Promise<T> {
  return new Promise((resolve) => {
    const buttons = choices.map((c) => h('button', { type: 'button', 'data-choice': c.value, class: c.default ? 'primary' : '' }, c.label));
    const dialog = h(
      'dialog',
      { class: 'unsaved-work', 'aria-labelledby': 'unsaved-work-title' },
      h('h2', { id: 'unsaved-work-title' }, title),
      h('p', {}, message),
      h('div', { class: 'choices' }, ...buttons),
    );
    const done = (value: T) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    buttons.forEach((b, i) => b.addEventListener('click', () => done(choices[i].value)));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(cancelValue);
    });
    document.body.append(dialog);
    dialog.showModal();
    (buttons[choices.findIndex((c) => c.default)] ?? buttons[0])?.focus();
  });
}

export type LeaveChoice = 'keep' | 'discard' | 'export' | 'cancel';

/** Before an action that would close the edited series (another series or study, closing the window). */
export function askBeforeLeaving(what: string): Promise<LeaveChoice> {
  return askChoice<LeaveChoice>(
    'Unsaved edits',
    `The masks of this series have edits that are not exported. Before ${what}: keep them (they stay in the autosave and come back when you open this series again), export them now (the export folder and formats below), or discard them?`,
    [
      { value: 'keep', label: 'Keep edits', default: true },
      { value: 'export', label: 'Export, then continue' },
      { value: 'discard', label: 'Discard edits' },
      { value: 'cancel', label: 'Cancel' },
    ],
    'cancel',
  );
}

export type ResegmentChoice = 'keep' | 'replace' | 'cancel';

/** Before re-running the model over a labelmap edited by hand. */
export function askBeforeResegmenting(): Promise<ResegmentChoice> {
  return askChoice<ResegmentChoice>(
    'Segment again?',
    'The infection mask has edits made by hand. Keep them (the model relabels only voxels you did not touch), or replace everything with the new model output?',
    [
      { value: 'keep', label: 'Keep my edits', default: true },
      { value: 'replace', label: 'Replace my edits' },
      { value: 'cancel', label: 'Cancel' },
    ],
    'cancel',
  );
}

export type RestoreChoice = 'restore' | 'discard';

/** When a series opens with autosaved work from an earlier session (a crash, or edits kept). */
export function askRestore(savedAt: string, edits: number, tornBytes: number, source: 'none' | 'model' | 'import'): Promise<RestoreChoice> {
  const when = new Date(savedAt).toLocaleString();
  const base = source === 'model' ? 'the model\'s masks and ' : source === 'import' ? 'the imported mask and ' : '';
  const since = source === 'none' ? '' : ' since';
  const torn = tornBytes > 0 ? ' The last edit was cut off when OPAL stopped and cannot be restored.' : '';
  return askChoice<RestoreChoice>(
    'Restore your work?',
    `This series has work saved automatically on ${when} (${base}${edits} edit${edits === 1 ? '' : 's'}${since}).${torn} Restore it, or start over from the images alone (the saved work is deleted)?`,
    [
      { value: 'restore', label: 'Restore', default: true },
      { value: 'discard', label: 'Start over' },
    ],
    'restore',
  );
}
