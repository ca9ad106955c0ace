import { h } from './dom.ts';

/**
 * Open Folder's progress and Cancel (issue 17): a "Cancel scan" button placed after the status line,
 * shown only while a folder is being scanned. The status line itself shows the files read so far.
 */
export function mountScanCancel(status: HTMLElement, cancel: () => Promise<unknown>): (scanning: boolean) => void {
  const button = h('button', { id: 'cancel-scan', type: 'button', title: 'Stop reading this folder' }, 'Cancel scan');
  button.hidden = true;
  button.addEventListener('click', () => {
    button.disabled = true;
    void cancel().catch(() => undefined);
  });
  status.after(button);
  return (scanning) => {
    if (button.hidden === scanning) button.disabled = false;
    button.hidden = !scanning;
  };
}
