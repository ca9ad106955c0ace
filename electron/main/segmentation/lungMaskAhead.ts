import type { LungMaskResult } from '../../common/lung/lungMaskFromHu.ts';
import { presentSlicesVolume, type Volume } from '../../common/volume/index.ts';
import { OpalError } from '../../common/errors/index.ts';
import { spawnWorker } from '../workers/spawnWorker.ts';
import { workerModuleUrl } from '../workers/workerModuleUrl.ts';

const workerUrl = workerModuleUrl('lungMaskWorker');

/** What lungMaskWorker.ts posts: the mask as soon as it is ready, then the candidates. */
export type LungMaskWorkerMessage = { type: 'mask'; mask: LungMaskResult } | { type: 'candidates'; candidates: Uint8Array | null };

/**
 * A lung mask computed ahead of the user's "Segment" click; hand it to segmentStudy's `lungMask`.
 * Both promises reject when cancelled (E_CANCELLED) or when the worker failed.
 */
export interface LungMaskAhead {
  /** The HU lung mask of presentSlicesVolume(volume), without its air map. */
  mask: Promise<LungMaskResult>;
  /** The dense-lung candidates (common/lung/diseasedLung.ts); null when there are no lungs. */
  candidates: Promise<Uint8Array | null>;
  cancel(): void;
}

/**
 * Starts the HU lung mask of a just-opened series, then its dense-lung candidates, in a worker
 * thread. In the app, nearly every series opened is segmented next, and these are the longest
 * steps before the first overlay (2.5 s + 2.7 s for a 512×512×300 study on two cores): computing
 * them while the user looks at the images makes "Segment" → preview mostly the model's time. The
 * mask comes first, so a click before the candidates are ready still starts the preview at once.
 * The worker gets its own copy of the voxels; cancelling (closing the series) terminates it.
 */
export function startLungMaskAhead(volume: Volume): LungMaskAhead {
  const worker = spawnWorker(workerUrl, { workerData: { volume: presentSlicesVolume(volume) } });
  let resolveMask!: (m: LungMaskResult) => void;
  let resolveCandidates!: (c: Uint8Array | null) => void;
  let fail!: (e: Error) => void;
  const mask = new Promise<LungMaskResult>((ok, no) => {
    resolveMask = ok;
    fail = no;
  });
  const candidates = new Promise<Uint8Array | null>((ok, no) => {
    resolveCandidates = ok;
    const failMask = fail;
    fail = (e) => {
      failMask(e);
      no(e);
    };
  });
  let done = false;
  worker.on('message', (m: LungMaskWorkerMessage) => {
    if (m.type === 'mask') resolveMask(m.mask);
    else {
      done = true;
      resolveCandidates(m.candidates);
      void worker.terminate();
    }
  });
  worker.once('error', (e) => fail(e));
  worker.once('exit', (code) => {
    // Settled promises ignore this; a worker stopped before the end rejects what is still open.
    if (!done) fail(new OpalError('E_CANCELLED', `The lung mask worker stopped (exit code ${code}).`));
  });
  // Whoever awaits them sees the rejection; unused, cancelled ones must not be unhandled rejections.
  mask.catch(() => undefined);
  candidates.catch(() => undefined);
  return { mask, candidates, cancel: () => void worker.terminate() };
}
