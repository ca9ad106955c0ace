import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { OpalError } from '../../common/errors/index.ts';
import type { DecodedFrame, EncodedFrame } from '../../common/dicom/pixels/frames.ts';
import { decodeNativeFrame, isNativeTransferSyntax } from '../../common/dicom/pixels/decodeNativeFrame.ts';
import { transferSyntaxName } from '../../common/dicom/pixels/transferSyntaxName.ts';
import { spawnWorker } from '../workers/spawnWorker.ts';
import { workerModuleUrl } from '../workers/workerModuleUrl.ts';
import { decodeResponseSchema, type DecodeRequest } from './decodeMessages.ts';

export interface DecodePoolOptions {
  /** Worker threads at most; default min(os.availableParallelism(), 4). */
  size?: number;
  /** A frame taking longer is abandoned (its worker is terminated and replaced): E_DECODE_FAILED. */
  frameTimeoutMs?: number;
  /** Decode uncompressed frames on the calling thread (default true: a copy costs less than a hop). */
  bypassNative?: boolean;
}

export interface DecodePoolStats {
  workersStarted: number;
  /** Most frames that were being decoded at the same moment, each on its own worker. */
  maxInFlight: number;
  /** Thread ids of the workers that decoded at least one frame. */
  threadIds: number[];
  framesDecoded: number;
}

interface Task {
  id: number;
  frame: EncodedFrame;
  resolve: (d: DecodedFrame) => void;
  reject: (e: OpalError) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
  timer?: ReturnType<typeof setTimeout>;
}

const workerUrl = workerModuleUrl('decodeWorker');

/**
 * A pool of worker threads that decode compressed frames off the calling thread, so that loading a
 * compressed series neither blocks the Electron main thread nor uses one core only. Workers start on
 * demand and keep their WASM codecs for their lifetime. Results come back as transferred buffers;
 * a failure comes back as an OpalError with the worker's code (E_DECODE_FAILED, E_UNSUPPORTED_TS…).
 */
export class DecodePool {
  readonly size: number;
  private readonly frameTimeoutMs: number;
  private readonly bypassNative: boolean;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly stats: DecodePoolStats = { workersStarted: 0, maxInFlight: 0, threadIds: [], framesDecoded: 0 };

  constructor(options: DecodePoolOptions = {}) {
    const size = options.size ?? Math.min(availableParallelism(), 4);
    if (!Number.isInteger(size) || size < 1) throw new OpalError('E_BAD_ARGUMENT', `Decode pool size must be a positive integer, got ${size}`);
    this.size = size;
    this.frameTimeoutMs = options.frameTimeoutMs ?? 60_000;
    this.bypassNative = options.bypassNative ?? true;
  }

  /** Decodes one frame. The frame's bytes are copied, never detached from the caller. */
  decode(frame: EncodedFrame): Promise<DecodedFrame> {
    if (this.closed) return Promise.reject(new OpalError('E_CANCELLED', 'The decode pool was closed'));
    if (this.bypassNative && isNativeTransferSyntax(frame.transferSyntaxUid)) {
      try {
        return Promise.resolve(decodeNativeFrame(frame));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<DecodedFrame>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, frame, resolve, reject });
      this.pump();
    });
  }

  /** Decodes frames in parallel, keeping their order. */
  decodeAll(frames: EncodedFrame[]): Promise<DecodedFrame[]> {
    return Promise.all(frames.map((f) => this.decode(f)));
  }

  getStats(): DecodePoolStats {
    return { ...this.stats, threadIds: [...this.stats.threadIds] };
  }

  /** Rejects waiting frames with E_CANCELLED and stops every worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const cancelled = new OpalError('E_CANCELLED', 'The decode pool was closed');
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
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.startWorker();
      }
      this.dispatch(slot, this.queue.shift() as Task);
    }
  }

  private dispatch(slot: Slot, task: Task): void {
    slot.task = task;
    slot.worker.ref();
    const inFlight = this.slots.filter((s) => s.task).length;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, inFlight);
    slot.timer = setTimeout(() => {
      this.replace(slot, new OpalError('E_DECODE_FAILED', `${transferSyntaxName(task.frame.transferSyntaxUid)} frame took longer than ${this.frameTimeoutMs} ms to decode; abandoned`));
    }, this.frameTimeoutMs);
    // Copy so the transfer detaches only our copy, never the caller's file buffer.
    const data = new Uint8Array(task.frame.data);
    const request: DecodeRequest = { id: task.id, frame: { ...task.frame, data } };
    slot.worker.postMessage(request, [data.buffer]);
  }

  private startWorker(): Slot {
    const worker = spawnWorker(workerUrl);
    const slot: Slot = { worker };
    this.stats.workersStarted++;
    worker.unref();
    worker.on('message', (message: unknown) => this.onMessage(slot, message));
    worker.on('error', (e: Error) => this.replace(slot, new OpalError('E_INTERNAL', `Decode worker failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed && this.slots.includes(slot)) this.replace(slot, new OpalError('E_INTERNAL', `Decode worker stopped unexpectedly (exit code ${code})`));
    });
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, message: unknown): void {
    const task = slot.task;
    const parsed = decodeResponseSchema.safeParse(message);
    if (!task) return;
    if (!parsed.success || parsed.data.id !== task.id) {
      this.replace(slot, new OpalError('E_INTERNAL', 'Decode worker answered with a malformed message'));
      return;
    }
    this.finish(slot);
    const reply = parsed.data;
    if (reply.ok) {
      this.stats.framesDecoded++;
      if (!this.stats.threadIds.includes(slot.worker.threadId)) this.stats.threadIds.push(slot.worker.threadId);
      task.resolve(reply.frame);
    } else {
      task.reject(new OpalError(reply.error.code, reply.error.message, reply.error.detail));
    }
    this.pump();
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.task = undefined;
    slot.worker.unref();
  }

  /** Fails the slot's frame, terminates its worker and lets the queue start a fresh one. */
  private replace(slot: Slot, error: OpalError): void {
    const task = slot.task;
    this.finish(slot);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
    task?.reject(error);
    if (!this.closed) this.pump();
  }
}
