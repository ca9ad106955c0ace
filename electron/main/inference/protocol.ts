import type { OpalErrorJson } from '../../common/errors/index.ts';
import type { IntensitySpec } from '../../common/inference/index.ts';

/** Messages between InferenceService (main thread) and inferenceWorker.ts. Voxel buffers are transferred, never copied twice. */
export interface LoadRequest {
  type: 'load';
  /** For messages only: the session is made from modelBytes, the verified content (never re-read by path). */
  onnxPath: string;
  modelBytes: Uint8Array;
  /** Execution providers to try, best first; 'cpu' is always the last resort. */
  providers: string[];
  threads: number;
  inputName: string;
  outputName: string;
  inputHeight: number;
  inputWidth: number;
}

export interface RunRequest {
  type: 'run';
  jobId: number;
  /** Crop size (pixels) of every slice in `hu` and `lungs`. */
  width: number;
  height: number;
  /** Slices, compact (only those with lung), each width*height, x fastest. */
  sliceCount: number;
  hu: Int16Array | Float32Array;
  lungs: Uint8Array;
  /** Positions (into the compact slice list) of the preview slices, then of the others. */
  previewOrder: number[];
  restOrder: number[];
  intensity: IntensitySpec;
  classes: number;
  maxBatch: number;
  /** Int32Array view of a SharedArrayBuffer: element 0 set to 1 asks the worker to stop. */
  cancelFlag: Int32Array;
}

export type WorkerRequest = LoadRequest | RunRequest | { type: 'dispose' };

export type WorkerReply =
  | { type: 'loaded'; executionProvider: string; batchSize: number; providerNote?: string }
  | { type: 'error'; jobId?: number; error: OpalErrorJson }
  | { type: 'progress'; jobId: number; phase: 'preview' | 'full'; slicesDone: number; slicesTotal: number }
  | { type: 'preview'; jobId: number; slices: number[]; labels: Uint8Array; confidence: Uint8Array }
  | { type: 'done'; jobId: number; labels: Uint8Array; confidence: Uint8Array }
  | { type: 'cancelled'; jobId: number }
  | { type: 'disposed' };
