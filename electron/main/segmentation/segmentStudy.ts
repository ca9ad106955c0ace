import { availableParallelism } from 'node:os';
import { OpalError, type OpalErrorJson } from '../../common/errors/index.ts';
import { lungMaskFromHu, type LungMaskResult } from '../../common/lung/index.ts';
import { addDiseasedLung, denseLungCandidates } from '../../common/lung/diseasedLung.ts';
import { suppressFalsePositives, type SuppressionResult } from '../../common/inference/suppressFalsePositives.ts';
import { measureVolume, type Measurements, type ModelProvenance } from '../../common/quant/index.ts';
import { presentSlicesOf, presentSlicesVolume, spreadToGrid, type Volume } from '../../common/volume/index.ts';
import { getInferenceService, type InferenceProgress, type InfectionPreview } from '../inference/InferenceService.ts';
import { resolveModel, type ResolvedModel } from '../inference/loadModelManifest.ts';
import { loadVolumeFromPath } from '../studies/loadVolume.ts';
import type { LungMaskAhead } from './lungMaskAhead.ts';

export type SegmentStage = 'model' | 'loading' | 'lungs' | 'preview' | 'inference' | 'quantification';

export interface SegmentProgress {
  stage: SegmentStage;
  /** Fraction of the stage done, 0-1. */
  fraction: number;
}

export interface SegmentStudyOptions {
  /** Model name, manifest path, or an already resolved model; default: the default model. */
  model?: string | ResolvedModel;
  /** onnxruntime intra-op threads (default: all cores). */
  threads?: number;
  /** Execution providers forced for this run (the app's setting), tried in this order; default: `--ep`, OPAL_EXECUTION_PROVIDERS, else the checked choice. */
  executionProviders?: string[];
  /** Series to load when the path holds several. */
  seriesInstanceUid?: string;
  onProgress?: (p: SegmentProgress) => void;
  onPreview?: (p: InfectionPreview) => void;
  signal?: AbortSignal;
  /**
   * The HU lung mask of this volume (of its present slices) and its dense-lung candidates, computed
   * ahead of time (lungMaskAhead.ts, the app). Used once: the run writes diseased lung into it.
   * When the mask is not ready yet, failed or does not fit the volume, it is cancelled and the mask
   * computed here as without it; candidates not ready yet are awaited while the preview runs.
   */
  lungMask?: Pick<LungMaskAhead, 'mask' | 'candidates' | 'cancel'>;
}

export interface SegmentationResult {
  volume: Volume;
  /** 0 background, 1 right lung, 2 left lung. */
  lungs: Uint8Array;
  /** 0 background, 1 ground-glass opacity, 2 consolidation. */
  infection: Uint8Array;
  /** Probability of the chosen class, 0-255, inside the lungs. */
  confidence: Uint8Array;
  measurements: Measurements;
  provenance: ModelProvenance;
  warnings: OpalErrorJson[];
  /** Wall-clock milliseconds per stage (model, load, lungs, inference, quantification). */
  timingsMs: Record<string, number>;
  /** Process CPU milliseconds (all threads) per stage: with wall time, shows how busy the machine was. */
  cpuMs: Record<string, number>;
  previewLatencyMs?: number;
  /** What the engine changed after the model: dense lung added to each lung, infection suppressed. */
  postprocess?: { diseasedLungMl?: { right: number; left: number }; suppression?: SuppressionResult };
}

/** Dense lung (consolidation, atelectasis) that joins a lung as consolidation where the model saw none. */
export const DENSE_LUNG_HU = [-100, 60] as const;
/** Slices per slab of the dense-lung candidate search (between slabs the event loop runs). */
const CANDIDATE_SLAB = 16;

function checkCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new OpalError('E_CANCELLED', 'Segmentation was cancelled.');
}

/**
 * The whole segmentation of one study (DESIGN.md §3.5, §3.7), used by `opal segment`, the app and
 * the test host: model check and session (once per model), load, lung mask, infection inference
 * (preview first), quantification. A study that is not CT is refused with E_NOT_CT; one without
 * lungs gives zero volumes and an E_NO_LUNGS warning.
 */
export async function segmentStudy(
  input: string | Volume,
  options: SegmentStudyOptions = {},
): Promise<SegmentationResult> {
  const { signal, onProgress } = options;
  const timingsMs: Record<string, number> = {};
  const cpuMs: Record<string, number> = {};
  let t = performance.now();
  let cpu = process.cpuUsage();
  const lap = (name: string): void => {
    const now = performance.now();
    const used = process.cpuUsage(cpu);
    timingsMs[name] = now - t;
    cpuMs[name] = (used.user + used.system) / 1000;
    t = now;
    cpu = process.cpuUsage();
  };

  // The model first: a missing or altered model should fail before minutes of loading.
  onProgress?.({ stage: 'model', fraction: 0 });
  const model = typeof options.model === 'object' ? options.model : await resolveModel(options.model);
  const service = await getInferenceService(model, { threads: options.threads, providers: options.executionProviders });
  lap('model');
  checkCancelled(signal);

  const warnings: OpalErrorJson[] = [];
  let volume: Volume;
  if (typeof input === 'string') {
    const loaded = await loadVolumeFromPath(input, {
      seriesInstanceUid: options.seriesInstanceUid,
      signal,
      onProgress: (p) => onProgress?.({ stage: 'loading', fraction: p.total > 0 ? p.done / p.total : 0 }),
    });
    volume = loaded.volume;
    warnings.push(
      ...loaded.warnings.map((w) => ({
        code: w.code,
        message: w.message,
        ...(w.detail ? { detail: w.detail } : {}),
      })),
    );
  } else {
    volume = input;
  }
  const modality = volume.meta.modality;
  if (modality !== undefined && modality !== 'CT') {
    throw new OpalError(
      'E_NOT_CT',
      `This series is ${modality}, not CT: OPAL segments lungs on CT only.`,
      volume.meta.seriesInstanceUid,
    );
  }
  lap('load');
  checkCancelled(signal);
  // Missing slices (meta.missingSlices): the engine reads the images that exist, stacked without
  // the gaps; its masks go back onto the grid (empty at a missing slice) before measuring.
  const grid = volume;
  volume = presentSlicesVolume(grid);
  const presentK = presentSlicesOf(grid);

  onProgress?.({ stage: 'lungs', fraction: 0 });
  const lungStart = performance.now();
  const voxelTotal = volume.voxels.length;
  // Unused parts (a mask that does not fit) must not end as unhandled rejections.
  options.lungMask?.candidates.catch(() => undefined);
  // A mask not ready yet (Segment clicked just after opening) is not waited for: the worker is
  // stopped and the mask computed here, which is faster than sharing the cores with it.
  const aheadMask = options.lungMask ? await settledNow(options.lungMask.mask) : undefined;
  if (options.lungMask && !aheadMask) options.lungMask.cancel();
  checkCancelled(signal);
  const ahead = aheadMask && aheadMask.lungs.length === voxelTotal ? options.lungMask : undefined;
  const lungResult: LungMaskResult = ahead && aheadMask ? aheadMask : lungMaskFromHu(volume);
  // The candidates computed ahead, when they are ready now (undefined: not ready, or none ahead).
  const candidatesAhead = ahead ? await settledNow(ahead.candidates) : undefined;
  warnings.push(...lungResult.warnings);
  checkCancelled(signal);

  const hasLungs = lungResult.rightVoxels + lungResult.leftVoxels > 0;
  const lungs = lungResult.lungs;
  let infection: Uint8Array = new Uint8Array(lungs.length);
  let confidence: Uint8Array = new Uint8Array(lungs.length);
  let previewLatencyMs: number | undefined;
  const inferenceProgress = (p: InferenceProgress): void =>
    onProgress?.({
      stage: p.phase === 'preview' ? 'preview' : 'inference',
      fraction: p.slicesTotal > 0 ? p.slicesDone / p.slicesTotal : 1,
    });
  // A caller that shows a preview gets it from the aerated lung alone, as soon as the lung mask is
  // ready: the worker infers every 4th slice (or sparser) while this thread finds the dense-lung candidates in
  // slabs (yielding between them, so that the preview is handed on when it arrives), or after the
  // preview when every core runs inference. The full pass
  // then covers every slice of aerated lung + candidates; the preview's slices are inferred twice
  // (a quarter of the inference), which costs less than making the user wait for the candidates.
  // With the candidates computed ahead (the app), one run over aerated lung + candidates gives its
  // own preview: nothing is inferred twice.
  const handPreviewOn = (p: InfectionPreview): void => {
    previewLatencyMs = performance.now() - lungStart;
    options.onPreview?.(volume === grid ? p : { ...p, slices: p.slices.map((k) => presentK[k]), infection: spreadToGrid(p.infection, grid) });
  };
  const previewJob =
    hasLungs && options.onPreview && (candidatesAhead === undefined || (candidatesAhead !== null && candidatesAhead.length !== voxelTotal))
      ? service.segmentInfection(volume, lungs, { signal, passes: 'preview', onProgress: inferenceProgress, onPreview: handPreviewOn })
      : undefined;
  // Handled now (awaited below): a cancel while the candidates are computed must not surface as
  // an unhandled rejection.
  previewJob?.catch(() => undefined);
  // Without a core to spare beside the inference threads, the candidate search would only slow
  // the preview down: it waits for the preview (the full pass needs both anyway).
  if (previewJob && availableParallelism() <= (options.threads ?? availableParallelism())) {
    await previewJob.catch(() => undefined);
  }
  // Dense lung the threshold mask missed: the model looks at aerated lung plus these candidates,
  // and candidates it labels as infection join the lung (common/lung/diseasedLung.ts).
  let candidates: Uint8Array | undefined = candidatesAhead && candidatesAhead.length === voxelTotal ? candidatesAhead : undefined;
  try {
    if (hasLungs && candidatesAhead === undefined && ahead) {
      // Still being computed ahead: wait for them (the preview runs meanwhile). Should the worker
      // fail, the air map the search needs is made again here (the same mask, deterministic).
      const late = await ahead.candidates.catch(() => undefined);
      if (late && late.length === voxelTotal) candidates = late;
      else if (late === undefined) lungResult.airMap = lungMaskFromHu(volume).airMap;
    }
    if (hasLungs && !candidates && lungResult.airMap) {
      candidates = new Uint8Array(lungs.length);
      const nz = volume.dims[2];
      for (let from = 0; from < nz; from += CANDIDATE_SLAB) {
        denseLungCandidates(volume, lungs, lungResult.airMap, { slices: { from, to: from + CANDIDATE_SLAB }, out: candidates });
        if (previewJob) await new Promise<void>((ok) => setImmediate(ok));
        checkCancelled(signal);
      }
    }
    lungResult.airMap = undefined;
    lap('lungs');
    await previewJob;
  } catch (e) {
    // The preview job's rejection is this run's error (cancelled, worker failure); never unhandled.
    await previewJob?.catch(() => undefined);
    throw e;
  }
  if (hasLungs) {
    let eligible = lungs;
    if (candidates) {
      eligible = new Uint8Array(lungs.length);
      for (let v = 0; v < lungs.length; v++) eligible[v] = lungs[v] !== 0 ? lungs[v] : candidates[v];
    }
    const inferenceStart = performance.now();
    const r = await service.segmentInfection(volume, eligible, {
      signal,
      passes: previewJob ? 'full' : 'both',
      onPreview: (p) => {
        if (options.onPreview && !previewJob) handPreviewOn(p);
        else previewLatencyMs ??= performance.now() - inferenceStart + (timingsMs.lungs ?? 0);
      },
      onProgress: inferenceProgress,
    });
    infection = r.infection;
    confidence = r.confidence;
  }
  lap('inference');
  const postprocess: SegmentationResult['postprocess'] = {};
  if (hasLungs && candidates) {
    const grown = addDiseasedLung(volume, lungs, candidates, infection, DENSE_LUNG_HU);
    for (let v = 0; v < lungs.length; v++) if (lungs[v] === 0 && confidence[v] !== 0) confidence[v] = 0;
    const voxelMl = (volume.spacingMm[0] * volume.spacingMm[1] * volume.spacingMm[2]) / 1000;
    postprocess.diseasedLungMl = {
      right: grown.addedVoxels.right * voxelMl,
      left: grown.addedVoxels.left * voxelMl,
    };
  }
  if (hasLungs) {
    const suppressed = suppressFalsePositives(infection, lungs, volume.voxels, volume.dims, volume.spacingMm);
    postprocess.suppression = suppressed;
  }
  lap('postprocess');

  onProgress?.({ stage: 'quantification', fraction: 0 });
  const onGrid = { lungs: spreadToGrid(lungs, grid), infection: spreadToGrid(infection, grid), confidence: spreadToGrid(confidence, grid) };
  volume = grid;
  // The one measuring path of segment, measure and the app (common/quant/measureVolume.ts).
  const measurements = measureVolume(grid, onGrid.lungs, onGrid.infection, {
    confidence: onGrid.confidence,
    warnings: warnings.map((w) => `${w.code}: ${w.message}`),
  });
  lap('quantification');
  onProgress?.({ stage: 'quantification', fraction: 1 });

  const provenance: ModelProvenance = {
    name: model.manifest.name,
    version: model.manifest.version,
    sha256: model.manifest.sha256,
    executionProvider: service.executionProvider,
    edited: false,
  };
  return {
    volume,
    ...onGrid,
    measurements,
    provenance,
    warnings,
    timingsMs,
    cpuMs,
    previewLatencyMs,
    postprocess,
  };
}

/** The value of a promise that has already resolved (after one turn of the event loop); undefined when it has not, or failed. */
async function settledNow<T>(p: Promise<T>): Promise<T | undefined> {
  let value: { v: T } | undefined;
  p.then(
    (v) => (value = { v }),
    () => undefined,
  );
  await new Promise<void>((ok) => setImmediate(ok));
  return value?.v;
}
