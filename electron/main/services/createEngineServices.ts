import { OpalError } from '../../common/errors/index.ts';
import { quantify } from '../../common/quant/index.ts';
import { lungMaskFromHu } from '../../common/lung/index.ts';
import type { ScanResult } from '../../common/ipc/contract.ts';
import { scanPath } from '../studies/scan.ts';
import { loadVolumeFromPath } from '../studies/loadVolume.ts';
import type { EngineServices } from './EngineServices.ts';

/**
 * The real engine behind the app session: electron/main/studies for scanning and loading,
 * electron/common/lung + quant for lungs and measurements, the inference service for the model and
 * electron/main/exports for files. The desktop app and the test host both call this.
 */
export function createEngineServices(): EngineServices {
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
      void lungMaskFromHu;
      void volume;
      void hooks;
      throw new OpalError('E_MODEL_MISSING', 'The segmentation engine is not part of this build yet.');
    },

    measure(volume, lungs, infection) {
      return quantify({ lungs, infection, dims: volume.dims, spacingMm: volume.spacingMm, direction: volume.direction });
    },

    async exportResults() {
      throw new OpalError('E_WRITE_FAILED', 'Exporting is not part of this build yet.');
    },

    async modelCard() {
      throw new OpalError('E_MODEL_MISSING', 'No segmentation model is available in this build yet.');
    },
  };
}
