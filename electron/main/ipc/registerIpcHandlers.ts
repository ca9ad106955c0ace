import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { channelOf, METHOD_NAMES, type Envelope } from '../../common/ipc/contract.ts';
import type { SessionHandlers } from '../services/OpalSession.ts';
import { createDispatch } from './dispatch.ts';
import { isTrustedSender } from './senderCheck.ts';

/** The handler registered for one channel (exported for tests: call it as a function). */
export type IpcHandler = (event: Pick<IpcMainInvokeEvent, 'senderFrame'>, rawArgs: unknown) => Promise<Envelope<unknown>>;

/**
 * Builds one handler per contract method: sender frame check (Electron security checklist item 17,
 * "Validate the sender of all IPC messages"), argument validation with the method's zod schema,
 * and the `{ok, value | error}` envelope. Nothing outside the contract gets a channel.
 */
export function buildIpcHandlers(handlers: SessionHandlers, appUrl: string): Map<string, IpcHandler> {
  const dispatch = createDispatch(handlers);
  const out = new Map<string, IpcHandler>();
  for (const method of METHOD_NAMES) {
    out.set(channelOf(method), async (event, rawArgs) => {
      const frameUrl = event.senderFrame?.url;
      if (!isTrustedSender(frameUrl, appUrl)) {
        return { ok: false, error: { code: 'E_BAD_ARGUMENT', message: 'Request refused: it did not come from the OPAL window.' } };
      }
      return dispatch(method, rawArgs);
    });
  }
  return out;
}

/** Registers the contract's handlers on ipcMain; returns a function that removes them. */
export function registerIpcHandlers(ipcMain: IpcMain, handlers: SessionHandlers, appUrl: string): () => void {
  const built = buildIpcHandlers(handlers, appUrl);
  for (const [channel, handler] of built) ipcMain.handle(channel, handler);
  return () => {
    for (const channel of built.keys()) ipcMain.removeHandler(channel);
  };
}
