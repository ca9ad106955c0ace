import { OpalError } from '../../common/errors/index.ts';
import type { ExportFormat, ExportResult } from '../../common/ipc/contract.ts';
import type { ReviewRecord } from '../../common/review/index.ts';
import { makeFolder } from '../fs/makeFolder.ts';
import type { EngineServices } from './EngineServices.ts';
import type { OpenVolume } from './OpenVolume.ts';

/** Writes a volume's results (SEG, NIfTI, CSV, JSON, PDF) and remembers which revision was saved. */
export class ExportService {
  constructor(private readonly engine: EngineServices) {}

  /** Throws E_BAD_ARGUMENT when there is nothing to export yet (no model run). */
  assertExportable(v: OpenVolume): void {
    exportableParts(v);
  }

  /** `review`: the review marks (ReviewService.record), recorded in measurements.json, the SEG and the report. */
  async exportResults(v: OpenVolume, outDir: string, formats: ExportFormat[], review?: ReviewRecord): Promise<ExportResult> {
    const { infection, lungs, measurements, provenance } = exportableParts(v);
    const revision = v.revision;
    await makeFolder(outDir); // E_WRITE_FAILED for a file in the way or a folder in /proc, never a hang
    const files = await this.engine.exportResults({
      outDir,
      volume: v.volume,
      lungs,
      infection,
      ...(v.confidence ? { confidence: v.confidence } : {}),
      measurements,
      provenance,
      formats,
      ...(review ? { review } : {}),
    });
    v.savedRevision = revision;
    return { outDir, files };
  }
}

function exportableParts(v: OpenVolume) {
  const { infection, lungs, measurements, provenance } = v;
  if (!infection || !lungs || !measurements || !provenance) throw new OpalError('E_BAD_ARGUMENT', 'Run the segmentation before exporting: there is nothing to export yet.');
  return { infection, lungs, measurements, provenance };
}
