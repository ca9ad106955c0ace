import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appRoot, runningFromBundle, unpackedPath } from '../appPaths.ts';

/** The engine's worker-thread entry points (each bundled to out/workers/<name>.mjs). */
export type WorkerName = 'inferenceWorker' | 'decodeWorker' | 'scanWorker' | 'lungMaskWorker';

const sources: Record<WorkerName, URL> = {
  inferenceWorker: new URL('../inference/inferenceWorker.ts', import.meta.url),
  decodeWorker: new URL('../decode/decodeWorker.ts', import.meta.url),
  scanWorker: new URL('../studies/scanWorker.ts', import.meta.url),
  lungMaskWorker: new URL('../segmentation/lungMaskWorker.ts', import.meta.url),
};

/**
 * Where a worker's module is: the TypeScript source in development (spawnWorker starts it through
 * the tsx bootstrap), the bundled `out/workers/<name>.mjs` when the engine itself runs from the bundle
 * (outside app.asar in a packaged app: worker threads load from the real file system).
 */
export function workerModuleUrl(name: WorkerName): URL {
  if (!runningFromBundle()) return sources[name];
  return pathToFileURL(unpackedPath(join(appRoot(), 'out', 'workers', `${name}.mjs`)));
}
