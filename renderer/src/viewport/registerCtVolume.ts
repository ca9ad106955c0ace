import { volumeLoader, cache, type Types } from '@cornerstonejs/core';
import { DEFAULT_PRESET } from './windowPresets.ts';

/** Geometry of a volume as the engine reports it (DESIGN.md §3, Volume conventions). */
export interface VolumeGeometry {
  dims: [number, number, number];
  spacingMm: [number, number, number];
  originMm: [number, number, number];
  /** Three LPS unit vectors (i, j, k axes), cornerstone3D's convention. */
  direction: [number, number, number, number, number, number, number, number, number];
  frameOfReferenceUid?: string;
  seriesInstanceUid?: string;
}

function metadataFor(geometry: VolumeGeometry, bitsAllocated: 8 | 16, modality: string): Types.Metadata {
  const d = geometry.direction;
  return {
    BitsAllocated: bitsAllocated,
    BitsStored: bitsAllocated,
    SamplesPerPixel: 1,
    HighBit: bitsAllocated - 1,
    PhotometricInterpretation: 'MONOCHROME2',
    PixelRepresentation: bitsAllocated === 16 ? 1 : 0,
    Modality: modality,
    SeriesInstanceUID: geometry.seriesInstanceUid,
    ImageOrientationPatient: [d[0], d[1], d[2], d[3], d[4], d[5]],
    // PS3.3 C.7.6.2.1.1: PixelSpacing = [row spacing (along j), column spacing (along i)].
    PixelSpacing: [geometry.spacingMm[1], geometry.spacingMm[0]],
    FrameOfReferenceUID: geometry.frameOfReferenceUid ?? 'opal-local',
    Columns: geometry.dims[0],
    Rows: geometry.dims[1],
    voiLut: [{ windowWidth: DEFAULT_PRESET.windowWidthHu, windowCenter: DEFAULT_PRESET.windowLevelHu }],
    VOILUTFunction: 'LINEAR',
  };
}

function localOptions(geometry: VolumeGeometry, scalarData: Int16Array | Float32Array | Uint8Array, bits: 8 | 16, modality: string) {
  return {
    metadata: metadataFor(geometry, bits, modality),
    dimensions: geometry.dims as Types.Point3,
    spacing: geometry.spacingMm as Types.Point3,
    origin: geometry.originMm as Types.Point3,
    direction: geometry.direction as Types.Mat3,
    scalarData,
  };
}

/**
 * Removes a volume and the per-slice images cornerstone cached for it (`<volumeId>_slice_<n>`):
 * removing the volume alone leaves them, and registering the same id again then fails with
 * "putImageSync: imageId already in cache" (the second series opened).
 */
export function uncacheVolume(volumeId: string): void {
  const volume = cache.getVolume(volumeId);
  if (!volume) return;
  const imageIds = [...(volume.imageIds ?? [])];
  cache.removeVolumeLoadObject(volumeId);
  for (const imageId of imageIds) if (cache.getImageLoadObject(imageId)) cache.removeImageLoadObject(imageId, { force: true });
}

/**
 * Registers the CT voxels (HU, fetched once as a binary buffer) in cornerstone's cache as a local
 * volume. The typed array is used in place, not copied.
 */
export function registerCtVolume(volumeId: string, geometry: VolumeGeometry, voxels: Int16Array | Float32Array): Types.IImageVolume {
  uncacheVolume(volumeId);
  return volumeLoader.createLocalVolume(volumeId, localOptions(geometry, voxels, 16, 'CT'));
}

/**
 * Registers a labelmap (Uint8Array, same grid as the CT) as a cornerstone labelmap volume. The
 * array stays live: writing into it and triggering a segmentation-modified event updates the view.
 */
export function registerLabelmapVolume(volumeId: string, geometry: VolumeGeometry, labels: Uint8Array): Types.IImageVolume {
  uncacheVolume(volumeId);
  return volumeLoader.createLocalLabelmapVolume(localOptions(geometry, labels, 8, 'SEG'), volumeId);
}
