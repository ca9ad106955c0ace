import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session as electronSession } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EVENT_CHANNEL, GRANT_DROPPED_CHANNEL, PathSchema, type ChosenFolder, type Envelope } from '../common/ipc/contract.ts';
import { toOpalError } from '../common/errors/index.ts';
import { isTrustedSender } from './ipc/senderCheck.ts';
import { applySessionSecurity, hardenWebContents, secureWindowOptions } from './security.ts';
import { registerIpcHandlers } from './ipc/registerIpcHandlers.ts';
import { OPAL_VOLUME_PRIVILEGES, OPAL_VOLUME_SCHEME, registerOpalVolumeProtocol } from './protocol/opalVolumeProtocol.ts';
import { OpalSession } from './services/OpalSession.ts';
import { createEngineServices } from './services/createEngineServices.ts';
import { appMenuTemplate } from './appMenu.ts';
import { appRoot } from './appPaths.ts';

/**
 * Electron main: app lifecycle only (single instance, one window, menus, recent folders); every
 * decision lives in security.ts, the IPC contract and the session services, which run and are
 * tested under plain Node.
 */
// Everything `npm run build` produced sits under out/ of the app's root (packaged: app.getAppPath()).
const rendererIndex = join(appRoot(), 'out', 'renderer', 'index.html');
const preloadPath = join(appRoot(), 'out', 'preload', 'preload.cjs');
const appUrl = process.env.OPAL_RENDERER_URL ?? pathToFileURL(rendererIndex).href;

// Checklist 18 "Avoid usage of the file:// protocol and prefer usage of custom protocols": voxel
// data goes through opal-volume:// (registered before ready, as Electron requires).
protocol.registerSchemesAsPrivileged([{ scheme: OPAL_VOLUME_SCHEME, privileges: OPAL_VOLUME_PRIVILEGES }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  const session = new OpalSession({
    engine: createEngineServices(),
    appDataDir: app.getPath('userData'),
    appVersion: app.getVersion(),
    // The renderer names only folders handed out here (FolderGrants): this dialog, the menu's, drops, recent folders.
    chooseFolder: async (purpose) => {
      if (!win) return undefined;
      const r = await dialog.showOpenDialog(win, {
        title: purpose === 'open' ? 'Open a folder with a CT study' : 'Choose the folder for the exports',
        properties: purpose === 'open' ? ['openDirectory'] : ['openDirectory', 'createDirectory'],
      });
      return r.canceled ? undefined : r.filePaths[0];
    },
    // "Open mask…": the one file the renderer may then import (MaskImportService).
    chooseMaskFile: async () => {
      if (!win) return undefined;
      const r = await dialog.showOpenDialog(win, {
        title: 'Open a mask (DICOM SEG or NIfTI labelmap) for this series',
        properties: ['openFile'],
        filters: [{ name: 'Masks', extensions: ['dcm', 'nii', 'gz'] }, { name: 'All files', extensions: ['*'] }],
      });
      return r.canceled ? undefined : r.filePaths[0];
    },
  });

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  // Checklist 13/14 for every web contents ever created (including any the renderer might spawn).
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, appUrl));

  async function rebuildMenu(): Promise<void> {
    const recent = await session.listRecentFolders();
    const send = (script: string) => win?.webContents.executeJavaScript(script).catch(() => undefined);
    const template = appMenuTemplate(
      {
        openFolder: () => {
          if (!win) return;
          void dialog.showOpenDialog(win, { properties: ['openDirectory'] }).then(async (r) => {
            const path = r.filePaths[0];
            if (!r.canceled && path) void send(openFolderScript(await session.grantFolder(path, 'open')));
          });
        },
        openRecent: (path) => void send(openFolderScript(path)),
        undo: () => void send("document.getElementById('undo')?.click()"),
        redo: () => void send("document.getElementById('redo')?.click()"),
        about: () => void send("document.getElementById('about-panel')?.scrollIntoView()"),
      },
      recent,
      process.platform === 'darwin',
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  void app.whenReady().then(async () => {
    const ses = electronSession.defaultSession;
    applySessionSecurity(ses);
    registerOpalVolumeProtocol(ses.protocol, (r) => session.binary(r));
    registerIpcHandlers(ipcMain, session, appUrl);
    // A folder dropped on the window: the preload sends the path Electron gave the File (see GRANT_DROPPED_CHANNEL).
    ipcMain.handle(GRANT_DROPPED_CHANNEL, async (event, raw: unknown): Promise<Envelope<ChosenFolder>> => {
      if (!isTrustedSender(event.senderFrame?.url, appUrl)) return { ok: false, error: { code: 'E_BAD_ARGUMENT', message: 'Request refused: it did not come from the OPAL window.' } };
      const path = PathSchema.safeParse(raw);
      if (!path.success) return { ok: false, error: { code: 'E_BAD_ARGUMENT', message: 'The dropped item has no usable path.' } };
      try {
        return { ok: true, value: await session.grantDropped(path.data) };
      } catch (e) {
        return { ok: false, error: toOpalError(e).toJSON() };
      }
    });
    session.onEvent((e) => {
      win?.webContents.send(EVENT_CHANNEL, e);
      if (e.type === 'scan-progress') void rebuildMenu();
    });
    win = new BrowserWindow(secureWindowOptions(preloadPath));
    win.once('ready-to-show', () => win?.show());
    // The renderer's beforeunload holds the close while edits are not exported (renderer/src/state/workGuard.ts): ask.
    win.webContents.on('will-prevent-unload', (e) => {
      const choice = dialog.showMessageBoxSync(win!, {
        type: 'question',
        buttons: ['Close', 'Stay'],
        defaultId: 1,
        cancelId: 1,
        message: 'The masks have edits that are not exported.',
        detail: 'They stay in the autosave and are offered again when you open this series. Close OPAL anyway?',
      });
      if (choice === 0) e.preventDefault(); // preventDefault here lets the window close
    });
    win.on('closed', () => {
      win = null;
    });
    await rebuildMenu();
    await win.loadURL(appUrl);
  });

  app.on('window-all-closed', () => {
    session.dispose();
    app.quit();
  });
}

/** The renderer's own open-folder form does the work, so menu and UI share one path. */
function openFolderScript(path: string): string {
  return `(() => { const i = document.getElementById('folder-path'); i.value = ${JSON.stringify(path)}; document.getElementById('open-folder').click(); })()`;
}
