import { parentPort } from 'node:worker_threads';
import { lungMaskFromHu } from '../../common/lung/lungMaskFromHu.ts';
import { denseLungCandidates } from '../../common/lung/diseasedLung.ts';
import type { Volume } from '../../common/volume/index.ts';
import type { LungMaskAheadResult } from './lungMaskAhead.ts';
import { getWorkerData } from '../workers/workerData.ts';

/**
 * Worker thread of lungMaskAhead.ts: computes the HU lung mask of one volume and its dense-lung
 * candidates (the model-free first steps of a segmentation) off the main thread, so the app stays
 * responsive while they run, and posts them back with their buffers transferred.
 */
const port = parentPort;
if (!port) throw new Error('lungMaskWorker.ts runs only as a worker thread (started by lungMaskAhead)');

const { volume } = getWorkerData<{ volume: Volume }>();
const mask = lungMaskFromHu(volume);
const hasLungs = mask.rightVoxels + mask.leftVoxels > 0;
const candidates = hasLungs && mask.airMap ? denseLungCandidates(volume, mask.lungs, mask.airMap) : undefined;
// The air map serves only the candidate search: not sent back.
const result: LungMaskAheadResult = { ...mask, airMap: undefined, ...(candidates ? { candidates } : {}) };
const transfer: ArrayBuffer[] = [mask.lungs.buffer as ArrayBuffer];
if (candidates) transfer.push(candidates.buffer as ArrayBuffer);
port.postMessage(result, transfer);
