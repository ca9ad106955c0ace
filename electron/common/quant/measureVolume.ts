/**
 * The measurements of one CT's lung and infection labelmaps, the one code path of `opal segment`,
 * `opal measure` and the app: missing slices count as their nearest image
 * (common/volume/missingSlices.ts), then quantify() with the CT's geometry and HU for the lesion list.
 */
import { fillMissingFromNearest, measurementMasks, type Volume } from '../volume/index.ts';
import type { Measurements } from './Measurements.ts';
import { quantify } from './quantify.ts';

export interface MeasureVolumeOptions {
  /** The model's per-voxel confidence (0-255) on the grid, for each lesion's mean confidence. */
  confidence?: Uint8Array;
  /** The labels the model wrote before any manual edit. */
  modelInfection?: Uint8Array;
  /** Warnings carried into the measurements. */
  warnings?: string[];
}

export function measureVolume(volume: Volume, lungs: Uint8Array, infection: Uint8Array, options: MeasureVolumeOptions = {}): Measurements {
  return quantify({
    ...measurementMasks(volume, lungs, infection),
    dims: volume.dims,
    spacingMm: volume.spacingMm,
    direction: volume.direction,
    // The lesion list's centroids (LPS), mean HU and the model's mean confidence.
    originMm: volume.originMm,
    hu: volume.voxels instanceof Int16Array || volume.voxels instanceof Float32Array ? fillMissingFromNearest(volume.voxels, volume) : undefined,
    confidence: options.confidence && fillMissingFromNearest(options.confidence, volume),
    modelInfection: options.modelInfection && fillMissingFromNearest(options.modelInfection, volume),
    warnings: options.warnings,
  });
}
