import { toOpalError } from '../../common/errors/index.ts';
import { isMethodName, parseArgs, type Envelope, type MethodName } from '../../common/ipc/contract.ts';
import type { SessionHandlers } from '../services/OpalSession.ts';

export type Dispatch = (method: string, rawArgs: unknown) => Promise<Envelope<unknown>>;

/**
 * One function that answers any contract call: unknown method → E_BAD_ARGUMENT, arguments that fail
 * the method's zod schema → E_BAD_ARGUMENT naming the field, the session's OpalErrors → their code,
 * anything else → E_INTERNAL. Never throws. Shared by Electron's IPC handlers and the test host.
 */
export function createDispatch(handlers: SessionHandlers): Dispatch {
  return async (method, rawArgs) => {
    if (!isMethodName(method)) return { ok: false, error: { code: 'E_BAD_ARGUMENT', message: `Unknown request "${String(method).slice(0, 64)}".` } };
    const parsed = parseArgs(method, rawArgs);
    if (!parsed.ok) return parsed;
    try {
      const fn = handlers[method] as (args: unknown) => Promise<unknown>;
      const value = await fn.call(handlers, parsed.value);
      return { ok: true, value: value ?? null };
    } catch (e) {
      return { ok: false, error: toOpalError(e).toJSON() };
    }
  };
}

export type { MethodName };
