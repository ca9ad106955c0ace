import {
  METHOD_NAMES,
  binaryResourcePath,
  type BinaryResource,
  type ChosenFolder,
  type Envelope,
  type MethodArgs,
  type MethodName,
  type MethodResult,
  type OpalApi,
  type OpalEvent,
} from '../../electron/common/ipc/contract.ts';
import type { OpalErrorJson } from '../../electron/common/errors/index.ts';

/**
 * The renderer's only way to the engine. In Electron the preload exposes `window.opal` (one
 * function per contract method plus onEvent) and voxels come from `opal-volume://`; in the test
 * host there is no `window.opal` and the same calls go over loopback HTTP (POST /api/<method>),
 * events over server-sent events (/events) and voxels from /binary/.
 */
export interface PreloadApi extends OpalApi {
  onEvent(listener: (e: OpalEvent) => void): () => void;
  /** Real path of a dropped file or folder (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
  /** Hands a dropped folder out to this page (main records it); null when the File has no path. */
  grantDropped(file: File): Promise<Envelope<ChosenFolder> | null>;
}

declare global {
  interface Window {
    opal?: PreloadApi;
  }
}

/** A failed call: carries the engine's error code and message. */
export class BridgeError extends Error {
  constructor(readonly error: OpalErrorJson) {
    super(error.message);
    this.name = 'BridgeError';
  }
}

export interface Bridge {
  readonly transport: 'ipc' | 'http';
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>>;
  fetchBinary(r: BinaryResource): Promise<ArrayBuffer>;
  onEvent(listener: (e: OpalEvent) => void): () => void;
  /** Electron: main hands the dropped folder out and its path comes back; elsewhere undefined (the page has no real path). */
  grantDropped(file: File): Promise<string | undefined>;
}

function unwrap<T>(env: Envelope<T>): T {
  if (env.ok) return env.value;
  throw new BridgeError(env.error);
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const res = await fetch(url, { cache: 'no-store' });
  if (res.status === 409) throw new BridgeError((await res.json()) as OpalErrorJson);
  if (!res.ok) throw new BridgeError({ code: 'E_INTERNAL', message: `Could not read image data (${res.status}).` });
  return res.arrayBuffer();
}

function ipcBridge(api: PreloadApi): Bridge {
  return {
    transport: 'ipc',
    async call(method, args) {
      const fn = api[method] as (a: typeof args) => Promise<Envelope<MethodResult<typeof method>>>;
      return unwrap(await fn(args));
    },
    fetchBinary: (r) => fetchBytes(`opal-volume://${binaryResourcePath(r)}`),
    onEvent: (l) => api.onEvent(l),
    async grantDropped(file) {
      const env = await api.grantDropped(file);
      return env ? unwrap(env).path : undefined;
    },
  };
}

function httpBridge(base: string): Bridge {
  const listeners = new Set<(e: OpalEvent) => void>();
  let source: EventSource | undefined;
  return {
    transport: 'http',
    async call(method, args) {
      if (!METHOD_NAMES.includes(method)) throw new BridgeError({ code: 'E_BAD_ARGUMENT', message: `Unknown request ${method}` });
      const res = await fetch(`${base}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
      return unwrap((await res.json()) as Envelope<MethodResult<typeof method>>);
    },
    fetchBinary: (r) => fetchBytes(`${base}binary/${binaryResourcePath(r)}`),
    onEvent(l) {
      listeners.add(l);
      if (!source) {
        source = new EventSource(`${base}events`);
        source.onmessage = (m: MessageEvent<string>) => {
          const e = JSON.parse(m.data) as OpalEvent;
          for (const x of listeners) x(e);
        };
      }
      return () => listeners.delete(l);
    },
    grantDropped: async () => undefined,
  };
}

/** The bridge for this page: IPC under Electron, HTTP+SSE under the test host. */
export function createBridge(): Bridge {
  if (window.opal) return ipcBridge(window.opal);
  return httpBridge(new URL('./', window.location.href).href);
}
