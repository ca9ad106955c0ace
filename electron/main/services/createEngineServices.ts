import { measureVolume } from '../../common/quant/index.ts';
import type { ScanResult } from '../../common/ipc/contract.ts';
import { scanPath } from '../studies/scan.ts';
import { loadVolumeFromPath } from '../studies/loadVolume.ts';
import type { EngineServices } from './EngineServices.ts';
import { segmentStudy } from '../segmentation/segmentStudy.ts';
import { segmentRegion } from '../segmentation/segmentRegion.ts';
import { startLungMaskAhead } from '../segmentation/lungMaskAhead.ts';
import { resolveModel } from '../inference/loadModelManifest.ts';
import { writeExports } from '../exports/writeExports.ts';

/**
 * The real engine behind the app session: electron/main/studies for scanning and loading,
 * electron/common/lung + quant for lungs and measurements, the inference service for the model and
 * electron/main/exports for files. The desktop app and the test host both call this.
 */
/**
 * Below this many voxels (~512×512×64) the lung mask takes less time than starting a worker
 * thread, so the app computes it when "Segment" is clicked, as the CLI always does.
 */
export const LUNG_MASK_AHEAD_MIN_VOXELS = 16 * 1024 * 1024;

export function createEngineServices(options: { lungMaskAheadMinVoxels?: number } = {}): EngineServices {
  const aheadMinVoxels = options.lungMaskAheadMinVoxels ?? LUNG_MASK_AHEAD_MIN_VOXELS;
  return {
    async scanFolder(path, hooks): Promise<ScanResult> {
      const r = await scanPath(path, {
        signal: hooks.signal,
        onProgress: (p) => hooks.onProgress?.(p.done, p.phase === 'reading' ? p.total : undefined),
      });
      return {
        folder: r.root,
        series: r.series.map((s) => ({
          seriesInstanceUid: s.summary.seriesKey,
          studyInstanceUid: s.summary.studyInstanceUid ?? '',
          seriesDescription: s.summary.description,
          modality: s.summary.modality,
          imageCount: s.summary.frameCount,
          columns: s.summary.dims[0],
          rows: s.summary.dims[1],
          slices: s.summary.dims[2],
          loadable: s.summary.loadable,
          warnings: s.summary.warnings.map((w) => w.message),
        })),
        skipped: r.skipped.map((f) => ({ path: f.path, code: f.code, message: f.message })),
      };
    },

    async loadVolume(path, seriesInstanceUid) {
      const loaded = await loadVolumeFromPath(path, { seriesInstanceUid });
      return { volume: loaded.volume, warnings: loaded.warnings.map((w) => (w.detail ? `${w.message} (${w.detail})` : w.message)) };
    },

    async segment(volume, hooks) {
      // Same service as `opal segment`: the session is created once per model and reused.
      const result = await segmentStudy(volume, {
        signal: hooks.signal,
        // A plain property (not a spread), so that the compiler fails if segmentStudy ever drops the option.
        executionProviders: hooks.executionProviders,
        lungMask: hooks.lungMask,
        onProgress: (p) => {
          if (p.stage === 'preview' || p.stage === 'inference') {
            hooks.onProgress?.({ phase: p.stage === 'preview' ? 'preview' : 'full', done: Math.round(p.fraction * 100), total: 100 });
          }
        },
        // The preview carries infection only; the lung overlay arrives with the full result.
        onPreview: (p) => hooks.onPreview?.({ infection: p.infection, slices: p.slices }),
      });
      return {
        infection: result.infection,
        lungs: result.lungs,
        confidence: result.confidence,
        executionProvider: result.provenance.executionProvider,
        provenance: result.provenance,
      };
    },

    startLungMaskAhead(volume) {
      return volume.voxels.length >= aheadMinVoxels ? startLungMaskAhead(volume) : null;
    },

    measure(volume, lungs, infection, model) {
      // The one measuring path of segment, measure and the app (common/quant/measureVolume.ts).
      return measureVolume(volume, lungs, infection, { confidence: model?.confidence, modelInfection: model?.infection });
    },

    async exportResults(args) {
      const written = await writeExports(args.outDir, {
        volume: args.volume,
        lungs: args.lungs,
        infection: args.infection,
        confidence: args.confidence,
        measurements: args.measurements,
        model: args.provenance,
        formats: args.formats,
        review: args.review,
      });
      return written.map((w) => w.path);
    },

    segmentRegion(volume, eligible, slices, hooks) {
      return segmentRegion(volume, eligible, slices, hooks);
    },

    async modelCard() {
      const { manifest } = await resolveModel();
      return {
        name: manifest.name,
        version: manifest.version,
        architecture: manifest.architecture,
        sha256: manifest.sha256,
        license: manifest.license,
        classes: manifest.classes,
        intendedUse: manifest.intendedUse,
        metrics: manifest.metrics,
        training: manifest.training,
      };
    },
  };
}
