import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { METHOD_NAMES, EVENT_CHANNEL, GRANT_DROPPED_CHANNEL, channelOf, type ChosenFolder, type Envelope, type OpalApi, type OpalEvent } from '../common/ipc/contract.ts';

/**
 * window.opal: one function per contract method (each one IPC invoke on its own channel), plus
 * onEvent for engine events and pathForFile for drag-and-drop. No ipcRenderer, no Node objects
 * cross the bridge (Electron security checklist 3, "Enable Context Isolation").
 */
const api = Object.fromEntries(METHOD_NAMES.map((method) => [method, (args: unknown) => ipcRenderer.invoke(channelOf(method), args)])) as OpalApi;

contextBridge.exposeInMainWorld('opal', {
  ...api,
  onEvent(listener: (e: OpalEvent) => void): () => void {
    const wrapped = (_event: IpcRendererEvent, e: OpalEvent) => listener(e);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.off(EVENT_CHANNEL, wrapped);
  },
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
  /** Hands a dropped folder (or file: its folder) out to the page; main refuses paths it never handed out. */
  grantDropped: async (file: File): Promise<Envelope<ChosenFolder> | null> => {
    const path = webUtils.getPathForFile(file);
    return path ? ((await ipcRenderer.invoke(GRANT_DROPPED_CHANNEL, path)) as Envelope<ChosenFolder>) : null;
  },
});
