import type { LungMaskResult } from '../../common/lung/lungMaskFromHu.ts';
import { presentSlicesVolume, type Volume } from '../../common/volume/index.ts';
import { OpalError } from '../../common/errors/index.ts';
import { spawnWorker } from '../workers/spawnWorker.ts';
import { workerModuleUrl } from '../workers/workerModuleUrl.ts';

const workerUrl = workerModuleUrl('lungMaskWorker');

/** The lung mask and, when it has lungs, the dense-lung candidates (common/lung/diseasedLung.ts). */
export interface LungMaskAheadResult extends LungMaskResult {
  candidates?: Uint8Array;
}

/** A lung mask being computed ahead of the user's "Segment" click; hand it to segmentStudy's `lungMask`. */
export interface LungMaskAhead {
  /** Resolves with the lung mask of presentSlicesVolume(volume); rejects when cancelled or the worker failed. */
  result: Promise<LungMaskAheadResult>;
  cancel(): void;
}

/**
 * Starts the HU lung mask of a just-opened series, and its dense-lung candidates, in a worker thread. In the app, nearly every
 * series opened is segmented next, and the lung mask is the longest step before the first overlay
 * (2.5 s of a 512×512×300 study on two cores, and 2.7 s more for the candidates): computing them while the user looks at the images
 * makes "Segment" → preview mostly the model's time. The worker gets its own copy of the voxels;
 * cancelling (closing the series) terminates it.
 */
export function startLungMaskAhead(volume: Volume): LungMaskAhead {
  const worker = spawnWorker(workerUrl, { workerData: { volume: presentSlicesVolume(volume) } });
  let settled = false;
  const result = new Promise<LungMaskAheadResult>((resolve, reject) => {
    worker.once('message', (r: LungMaskAheadResult) => {
      settled = true;
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new OpalError('E_CANCELLED', `The lung mask worker stopped (exit code ${code}).`));
    });
  });
  // Whoever awaits it sees the rejection; an unused, cancelled one must not be an unhandled rejection.
  result.catch(() => undefined);
  return { result, cancel: () => void worker.terminate() };
}
