import { parentPort } from 'node:worker_threads';
import { scanFile } from './scanFile.ts';

/**
 * Worker thread of ScanPool: reads one file's header per message (scanFile never throws) and posts
 * the outcome back. A file that makes this thread hang or run out of memory costs only this thread:
 * the pool terminates it, skips that file with E_RESOURCE_LIMIT and starts another.
 */
const port = parentPort;
if (!port) throw new Error('scanWorker.ts runs only as a worker thread (started by ScanPool)');

port.postMessage({ ready: true });
port.on('message', (message: { id: number; path: string; insideFolder: boolean }) => {
  void scanFile(message.path, message.insideFolder).then((outcome) => port.postMessage({ id: message.id, outcome }));
});
