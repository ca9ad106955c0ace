import { parentPort } from 'node:worker_threads';
import { lungMaskFromHu } from '../../common/lung/lungMaskFromHu.ts';
import { denseLungCandidates } from '../../common/lung/diseasedLung.ts';
import type { Volume } from '../../common/volume/index.ts';
import type { LungMaskWorkerMessage } from './lungMaskAhead.ts';
import { getWorkerData } from '../workers/workerData.ts';

/**
 * Worker thread of lungMaskAhead.ts: computes the HU lung mask of one volume and its dense-lung
 * candidates (the model-free first steps of a segmentation) off the main thread, so the app stays
 * responsive while they run, and posts each as soon as it is ready.
 */
const port = parentPort;
if (!port) throw new Error('lungMaskWorker.ts runs only as a worker thread (started by lungMaskAhead)');

const { volume } = getWorkerData<{ volume: Volume }>();
const mask = lungMaskFromHu(volume);
const airMap = mask.airMap;
const hasLungs = mask.rightVoxels + mask.leftVoxels > 0;
// The mask first (the lungs' buffer copied, not transferred: the candidate search below reads it;
// the air map serves only that search and is not sent).
const first: LungMaskWorkerMessage = { type: 'mask', mask: { ...mask, airMap: undefined } };
port.postMessage(first);
const candidates = hasLungs && airMap ? denseLungCandidates(volume, mask.lungs, airMap) : null;
const second: LungMaskWorkerMessage = { type: 'candidates', candidates };
port.postMessage(second, candidates ? [candidates.buffer as ArrayBuffer] : []);
