// Worker entry for TypeScript worker modules under Node (CLI, tests, test host). Node 20 does not
// apply `--import` loaders to a worker's entry module, so the worker registers tsx itself and then
// imports the real module named by spawnWorker.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.__opalWorkerEntry);
