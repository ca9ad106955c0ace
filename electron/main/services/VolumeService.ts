import { createHash, randomBytes } from 'node:crypto';
import { OpalError } from '../../common/errors/index.ts';
import { UndoJournal } from '../../common/edit/index.ts';
import type { Volume } from '../../common/volume/index.ts';
import type { EngineStats, VolumeInfo } from '../../common/ipc/contract.ts';
import type { EngineServices } from './EngineServices.ts';
import type { OpenVolume } from './OpenVolume.ts';

/**
 * The registry of loaded series (OHIF's manner: one service, one job): loads a series into a
 * handle, finds it again, and releases it (its voxels, labelmaps and journal) on close.
 */
export class VolumeService {
  private readonly volumes = new Map<string, OpenVolume>();

  constructor(private readonly options: { engine: EngineServices; journalBytes: number }) {}

  async load(path: string, seriesInstanceUid?: string): Promise<OpenVolume> {
    const { volume, warnings } = await this.options.engine.loadVolume(path, seriesInstanceUid);
    if (!(volume.voxels instanceof Int16Array) && !(volume.voxels instanceof Float32Array)) {
      volume.voxels = Float32Array.from(volume.voxels);
    }
    const handle = `v${randomBytes(6).toString('hex')}`;
    const m = volume.meta;
    const info: VolumeInfo = {
      handle,
      dims: [...volume.dims],
      spacingMm: [...volume.spacingMm],
      originMm: [...volume.originMm],
      direction: [...volume.direction],
      voxelType: volume.voxels instanceof Int16Array ? 'int16' : 'float32',
      seriesInstanceUid: m.seriesInstanceUid,
      studyInstanceUid: m.studyInstanceUid,
      frameOfReferenceUid: m.frameOfReferenceUid,
      seriesDescription: m.seriesDescription,
      patientName: m.patientName,
      patientId: m.patientId,
      studyDate: m.studyDate,
      sliceThicknessMm: m.sliceThicknessMm,
      warnings,
    };
    const v: OpenVolume = {
      handle,
      path,
      volume,
      info,
      autosaveKey: autosaveKeyOf(volume, seriesInstanceUid),
      infection: null,
      lungs: null,
      confidence: null,
      modelInfection: null,
      provenance: null,
      measurements: null,
      source: 'none',
      revision: 0,
      running: null,
      lungMaskAhead: null,
      journal: new UndoJournal(this.options.journalBytes),
      editedMask: null,
      baseEdited: false,
      savedRevision: null,
      persist: { baseWritten: false, pendingRestore: false, recordsSinceCompaction: 0 },
    };
    this.volumes.set(handle, v);
    return v;
  }

  get(handle: string): OpenVolume {
    const v = this.volumes.get(handle);
    if (!v) throw new OpalError('E_BAD_ARGUMENT', 'That image is no longer open; open the series again.', handle);
    return v;
  }

  /** Stops a running segmentation of the volume and drops every reference to its data. */
  close(handle: string): boolean {
    const v = this.volumes.get(handle);
    if (!v) return false;
    v.running?.abort();
    v.lungMaskAhead?.cancel();
    v.lungMaskAhead = null;
    return this.volumes.delete(handle);
  }

  all(): OpenVolume[] {
    return [...this.volumes.values()];
  }

  stats(): EngineStats {
    const m = process.memoryUsage();
    return { openVolumes: this.volumes.size, rssBytes: m.rss, heapUsedBytes: m.heapUsed, arrayBuffersBytes: m.arrayBuffers };
  }

  dispose(): void {
    for (const v of this.volumes.values()) v.running?.abort();
    this.volumes.clear();
  }
}

/**
 * The autosave's name for a series: its SeriesInstanceUID (file-name safe) and the first 16 hex
 * digits of a SHA-256 over the grid and the voxels, so that an autosave is only ever offered for
 * the very images it was made on (a re-export with other pixels or geometry gets a new key).
 */
export function autosaveKeyOf(volume: Volume, requestedSeriesUid?: string): string {
  const uid = (volume.meta.seriesInstanceUid ?? requestedSeriesUid ?? 'series').replace(/[^0-9A-Za-z.]/g, '_').slice(0, 64);
  const h = createHash('sha256');
  h.update(JSON.stringify({ dims: volume.dims, spacingMm: volume.spacingMm, originMm: volume.originMm, direction: volume.direction }));
  const v = volume.voxels;
  h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return `${uid}-${h.digest('hex').slice(0, 16)}`;
}
