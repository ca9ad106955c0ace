import type { Volume } from '../../common/volume/index.ts';
import { getInferenceService } from '../inference/InferenceService.ts';
import { resolveModel } from '../inference/loadModelManifest.ts';

export interface RegionInference {
  /** Labels (0, 1 GGO, 2 consolidation) of slices k0..k1, slice k0 first; 0 outside `eligible`. */
  infection: Uint8Array;
  executionProvider: string;
  slicesInferred: number;
}

/**
 * The model on a few axial slices only (assisted correction, issue 15 point 5): slices k0..k1 of
 * `volume` as a volume of their own, labelled inside `eligible` (those slices' layout, slice k0
 * first). The same process-wide session as `opal segment` and the app (getInferenceService) with
 * the same execution providers, so no second session is made. The crop frames the eligible voxels
 * of these slices (not the whole study's lungs), with the manifest's margin.
 */
export async function segmentRegion(
  volume: Volume,
  eligible: Uint8Array,
  slices: { k0: number; k1: number },
  options: { executionProviders?: string[]; signal?: AbortSignal } = {},
): Promise<RegionInference> {
  const [nx, ny, nz] = volume.dims;
  const { k0, k1 } = slices;
  if (!(Number.isInteger(k0) && Number.isInteger(k1) && k0 >= 0 && k1 >= k0 && k1 < nz)) throw new RangeError(`slices ${k0}..${k1} are not inside 0..${nz - 1}`);
  const sliceSize = nx * ny;
  const count = k1 - k0 + 1;
  if (eligible.length !== sliceSize * count) throw new RangeError('the eligible mask does not cover the slices');
  const model = await resolveModel();
  const service = await getInferenceService(model, { providers: options.executionProviders });
  const d = volume.direction;
  const shift = k0 * volume.spacingMm[2];
  const sub: Volume = {
    ...volume,
    dims: [nx, ny, count],
    originMm: [volume.originMm[0] + d[6] * shift, volume.originMm[1] + d[7] * shift, volume.originMm[2] + d[8] * shift],
    voxels: volume.voxels.subarray(k0 * sliceSize, (k1 + 1) * sliceSize) as Volume['voxels'],
    meta: {
      ...volume.meta,
      missingSlices: undefined,
      sopInstanceUids: undefined,
      frameNumbers: undefined,
      imagePositionsMm: undefined,
      slicePositionsMm: undefined,
    },
  };
  const r = await service.segmentInfection(sub, eligible, { passes: 'full', signal: options.signal });
  return { infection: r.infection, executionProvider: r.executionProvider, slicesInferred: r.slicesInferred };
}
