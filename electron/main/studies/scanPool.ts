import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { OpalError } from '../../common/errors/index.ts';
import { spawnWorker } from '../workers/spawnWorker.ts';
import { workerModuleUrl } from '../workers/workerModuleUrl.ts';
import type { FileOutcome } from './scanFile.ts';

export interface ScanPoolOptions {
  /** Worker threads (default min(max(availableParallelism(), 2), 4)). */
  size?: number;
  /** A file whose header takes longer is skipped with E_RESOURCE_LIMIT (default 10 000 ms). */
  fileTimeoutMs?: number;
  /** JavaScript heap of each worker in MB (default 1024); a file that needs more is skipped. */
  heapMb?: number;
}

interface Task {
  id: number;
  path: string;
  insideFolder: boolean;
  resolve: (o: FileOutcome) => void;
  reject: (e: OpalError) => void;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded its module (the file's time budget starts then, not at spawn). */
  ready: boolean;
  task?: Task;
  timer?: ReturnType<typeof setTimeout>;
}

const workerUrl = workerModuleUrl('scanWorker');

/**
 * Reads file headers in worker threads, one file per worker at a time, so that one file can never
 * stall or exhaust a folder scan (issue 17): a file past its time budget, or one whose parsing runs
 * the worker's heap out, is skipped with E_RESOURCE_LIMIT (the worker is terminated and replaced) and
 * the scan goes on with the next file.
 */
export class ScanPool {
  readonly size: number;
  readonly fileTimeoutMs: number;
  private readonly heapMb: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers started (replacements included). */
  workersStarted = 0;

  constructor(options: ScanPoolOptions = {}) {
    this.size = options.size ?? Math.min(Math.max(availableParallelism(), 2), 4);
    this.fileTimeoutMs = options.fileTimeoutMs ?? 10_000;
    this.heapMb = options.heapMb ?? 1024;
  }

  /** Starts one worker now (a large folder: it boots while the first headers are read inline). */
  warm(): void {
    if (!this.closed && this.slots.length === 0) this.startWorker();
  }

  scan(path: string, insideFolder: boolean): Promise<FileOutcome> {
    if (this.closed) return Promise.reject(new OpalError('E_CANCELLED', 'The scan was cancelled.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, path, insideFolder, resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker; files not answered yet reject with E_CANCELLED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const cancelled = new OpalError('E_CANCELLED', 'The scan was cancelled.');
    for (const t of this.queue.splice(0)) t.reject(cancelled);
    const slots = this.slots.splice(0);
    for (const s of slots) {
      if (s.timer) clearTimeout(s.timer);
      s.task?.reject(cancelled);
      s.task = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.startWorker();
      }
      const task = this.queue.shift() as Task;
      slot.task = task;
      slot.worker.ref();
      if (slot.ready) this.arm(slot);
      slot.worker.postMessage({ id: task.id, path: task.path, insideFolder: task.insideFolder });
    }
  }

  private arm(slot: Slot): void {
    slot.timer = setTimeout(() => this.fail(slot, 'E_RESOURCE_LIMIT', `Reading this file's header took longer than ${this.fileTimeoutMs / 1000} s, OPAL's limit for one file; it was skipped.`), this.fileTimeoutMs);
  }

  private startWorker(): Slot {
    const worker = spawnWorker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: 64 } });
    this.workersStarted++;
    const slot: Slot = { worker, ready: false };
    worker.unref();
    worker.on('message', (m: { id: number; outcome: FileOutcome } | { ready: true }) => {
      if ('ready' in m) {
        slot.ready = true;
        if (slot.task && !slot.timer) this.arm(slot);
        return;
      }
      const task = slot.task;
      if (!task || task.id !== m.id) return;
      if (slot.timer) clearTimeout(slot.timer);
      slot.task = undefined;
      slot.timer = undefined;
      worker.unref();
      task.resolve(m.outcome);
      this.pump();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.fail(slot, oom ? 'E_RESOURCE_LIMIT' : 'E_INTERNAL', oom ? `Reading this file's header needed more than ${this.heapMb} MB of memory, OPAL's limit for one file; it was skipped.` : `The header reader stopped: ${e.message}`);
    });
    worker.on('exit', (code) => {
      if (!this.closed && this.slots.includes(slot)) this.fail(slot, 'E_INTERNAL', `The header reader stopped unexpectedly (exit code ${code}).`);
    });
    this.slots.push(slot);
    return slot;
  }

  /** Answers the slot's file with a skip, and replaces the slot's worker. */
  private fail(slot: Slot, code: 'E_RESOURCE_LIMIT' | 'E_INTERNAL', message: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    if (slot.timer) clearTimeout(slot.timer);
    const task = slot.task;
    slot.task = undefined;
    void slot.worker.terminate();
    if (task) task.resolve({ skipped: { path: task.path, code, message }, notes: [] });
    this.pump();
  }
}
