import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openFolder(): void;
  openRecent(path: string): void;
  undo(): void;
  redo(): void;
  about(): void;
}

/**
 * The native menu with the usual accelerators (CmdOrCtrl+O open, CmdOrCtrl+Z / CmdOrCtrl+Y and
 * CmdOrCtrl+Shift+Z undo/redo, CmdOrCtrl+Q quit, F11 full screen); the last opened folders under
 * File > Open Recent. Pure data: index.ts turns it into a Menu.
 */
export function appMenuTemplate(actions: MenuActions, recent: string[], isMac: boolean): MenuItemConstructorOptions[] {
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.openFolder() },
      {
        label: 'Open Recent',
        enabled: recent.length > 0,
        submenu: recent.map((path) => ({ label: path, click: () => actions.openRecent(path) })),
      },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit', accelerator: 'CmdOrCtrl+Q' },
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [
      { label: 'Undo Stroke', accelerator: 'CmdOrCtrl+Z', click: () => actions.undo() },
      { label: 'Redo Stroke', accelerator: isMac ? 'Cmd+Shift+Z' : 'Ctrl+Y', click: () => actions.redo() },
      { type: 'separator' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen', accelerator: 'F11' }],
  };
  const help: MenuItemConstructorOptions = { label: 'Help', submenu: [{ label: 'About OPAL', click: () => actions.about() }] };
  return [...(isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []), file, edit, view, help];
}
