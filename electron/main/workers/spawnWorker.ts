import { Worker, type WorkerOptions } from 'node:worker_threads';

const bootstrapUrl = new URL('./tsWorkerBootstrap.mjs', import.meta.url);

/**
 * Starts a worker thread from a module of the engine. Under the CLI, the tests and the test host the
 * engine runs as TypeScript through tsx, and Node 20 does not carry a loader into a worker's entry,
 * so a `.ts` module starts through a small bootstrap that registers tsx first. A packaged app
 * bundles workers to `.js`, which start directly.
 *
 * The worker reads its own data with `workerData.data` when started from TypeScript, so use
 * `getWorkerData()` from `./workerData.ts` rather than `workerData` directly.
 */
export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  return new Worker(bootstrapUrl, {
    ...options,
    workerData: { __opalWorkerEntry: moduleUrl.href, data: options.workerData },
  });
}
