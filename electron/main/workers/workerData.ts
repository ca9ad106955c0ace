import { workerData } from 'node:worker_threads';

/** The `workerData` a worker was given by spawnWorker, whether it started through the bootstrap or not. */
export function getWorkerData<T>(): T {
  const wd = workerData as { __opalWorkerEntry?: string; data?: unknown } | undefined;
  return (wd && typeof wd === 'object' && '__opalWorkerEntry' in wd ? wd.data : wd) as T;
}
