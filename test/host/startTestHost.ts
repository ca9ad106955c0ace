import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { OpalEvent } from '../../electron/common/ipc/contract.ts';
import type { OpalSession } from '../../electron/main/services/OpalSession.ts';
import type { EngineServices } from '../../electron/main/services/EngineServices.ts';
import { builtEngineModule, builtRendererDir, ensureAppBuilt } from './builtApp.ts';

/** The engine module as the app ships it (out/main/engine.mjs); its types are those of the sources it was built from. */
type BuiltEngine = typeof import('../../electron/main/engine.ts');

export interface TestHost {
  url: string;
  session: OpalSession;
  /** Queues what the next folder dialog (contract chooseFolder) answers; undefined = the user cancels. */
  answerDialog(folder: string | undefined): void;
  close(): Promise<void>;
}

export interface TestHostOptions {
  /** The built renderer; by default the one that ships, out/renderer (built here when stale). */
  rendererDir?: string;
  appDataDir: string;
  /** The real engine by default; never a fake (DESIGN.md §2). */
  engine?: EngineServices;
  appVersion?: string;
  /**
   * What the main process's folder dialog answers, in order (test-only stand-in for Electron's
   * dialog.showOpenDialog; an empty queue answers "cancelled"). The chosen folders go through the
   * same allow-list (FolderGrants) as in the app: a path the page makes up is refused.
   */
  dialogAnswers?: (string | undefined)[];
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Same headers the Electron session adds (electron/main/security.ts). */
function securityHeaders(built: BuiltEngine): Record<string, string> {
  return { 'content-security-policy': built.contentSecurityPolicy(), 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
}

/** Builds out/ when it is older than the sources, then imports the bundled engine (what the app runs). */
export async function loadBuiltEngine(options: { renderer?: boolean } = {}): Promise<BuiltEngine> {
  await ensureAppBuilt(options);
  return (await import(pathToFileURL(builtEngineModule).href)) as BuiltEngine;
}

async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limitBytes) throw new Error('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Hosts the app's real services (OpalSession over the real engine), both from the bundle that ships
 * (out/main/engine.mjs, out/renderer; built first when stale), on 127.0.0.1 at a random port, as the test transport of renderer/src/bridge.ts: POST /api/<method>
 * with JSON arguments → JSON envelope; GET /binary/<kind>/<handle> → raw bytes; GET /events →
 * server-sent events. Only loopback; closed by close().
 */
export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const built = await loadBuiltEngine({ renderer: options.rendererDir === undefined });
  const dialogAnswers = [...(options.dialogAnswers ?? [])];
  const { parseBinaryResourcePath, toOpalError } = built;
  const session: OpalSession = new built.OpalSession({
    engine: options.engine ?? built.createEngineServices(),
    appDataDir: options.appDataDir,
    appVersion: options.appVersion ?? 'test-host',
    chooseFolder: async () => dialogAnswers.shift(),
    // The mask file dialog (chooseMaskFile) answers from the same queue.
    chooseMaskFile: async () => dialogAnswers.shift(),
  });
  const dispatch = built.createDispatch(session);
  const root = resolve(options.rendererDir ?? builtRendererDir);
  const sseClients = new Set<ServerResponse>();
  const unsubscribe = session.onEvent((e: OpalEvent) => {
    const line = `data: ${JSON.stringify(e)}\n\n`;
    for (const res of sseClients) res.write(line);
  });

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(toOpalError(e).toJSON()));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    if (path.startsWith('/api/')) {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const body = await readBody(req, 256 * 1024 * 1024);
      let args: unknown;
      try {
        args = body ? JSON.parse(body) : {};
      } catch {
        args = Symbol('unparseable');
      }
      const envelope = await dispatch(path.slice('/api/'.length), typeof args === 'symbol' ? '<not json>' : args);
      res.writeHead(200, { 'content-type': 'application/json', ...securityHeaders(built) });
      res.end(JSON.stringify(envelope));
      return;
    }
    if (path.startsWith('/binary/')) {
      const resource = parseBinaryResourcePath(path.slice('/binary/'.length));
      if (!resource) return void res.writeHead(404).end();
      try {
        const bytes = session.binary(resource);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength), ...securityHeaders(built) });
        res.end(bytes);
      } catch (e) {
        res.writeHead(409, { 'content-type': 'application/json' });
        res.end(JSON.stringify(toOpalError(e).toJSON()));
      }
      return;
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    // Static files of the built renderer; nothing outside its folder.
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (file !== root && !file.startsWith(root + sep)) return void res.writeHead(404).end();
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', ...securityHeaders(built) });
    res.end(await readFile(file));
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    session,
    answerDialog: (folder) => void dialogAnswers.push(folder),
    async close() {
      unsubscribe();
      for (const res of sseClients) res.end();
      sseClients.clear();
      session.dispose();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
