import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';
import type { ChosenFile, ImportMaskResult, OpalEvent } from '../../common/ipc/contract.ts';
import { importMasks } from '../../common/masks/importMask.ts';
import { lungsFromCt, provenanceOfMasks, readMaskFile } from '../masks/measureWithMasks.ts';
import type { EditingService } from './EditingService.ts';
import type { FolderGrants } from './FolderGrants.ts';
import { isEdited, type OpenVolume } from './OpenVolume.ts';
import type { SegmentationService } from './SegmentationService.ts';

/**
 * "Open mask…" (issue 15): a DICOM SEG or NIfTI labelmap made elsewhere (or by OPAL earlier) becomes
 * the volume's base labelmap, as a model run's output does (source 'import'): the journal starts
 * empty, edits are journalled on top of it and autosaved with it, and the measurements are made
 * again. The file is one the main process handed out (its file dialog) or lies in a granted folder;
 * it must lie on the volume's grid (E_GEOMETRY_MISMATCH otherwise, common/masks). Hand edits on the
 * labelmap are never dropped silently: without edits 'replace' it refuses with E_UNSAVED_EDITS.
 */
export class MaskImportService {
  /** Mask files chosen in main's file dialog (canonical paths). */
  private readonly chosen = new Set<string>();

  constructor(
    private readonly segmentation: SegmentationService,
    private readonly editing: EditingService,
    private readonly grants: FolderGrants,
    private readonly emit: (e: OpalEvent) => void,
    private readonly dialog?: () => Promise<string | undefined>,
  ) {}

  async chooseMaskFile(): Promise<ChosenFile | null> {
    if (!this.dialog) throw new OpalError('E_BAD_ARGUMENT', 'No file dialog is available here.');
    const picked = await this.dialog();
    if (!picked) return null;
    const real = await realpath(resolve(picked)).catch(() => {
      throw new OpalError('E_NOT_FOUND', `The file ${picked} does not exist or cannot be read.`, picked);
    });
    this.chosen.add(real);
    return { path: real };
  }

  /** The canonical path of a mask file the renderer may name (chosen in the dialog, or inside a granted folder). */
  private async allowed(path: string): Promise<string> {
    const real = await realpath(resolve(path)).catch(() => undefined);
    if (real && this.chosen.has(real)) return real;
    for (const purpose of ['open', 'export'] as const) {
      const ok = await this.grants.check(path, purpose).catch(() => undefined);
      if (ok) return ok;
    }
    throw new OpalError('E_PATH_NOT_GRANTED', `${path} was not chosen in OPAL. Choose the mask with Open mask… first.`, path);
  }

  async importMask(v: OpenVolume, path: string, edits: 'refuse' | 'replace' = 'refuse'): Promise<ImportMaskResult> {
    if (v.running) throw new OpalError('E_BAD_ARGUMENT', 'Wait for the segmentation to finish (or cancel it) first.');
    if (isEdited(v) && edits !== 'replace') {
      throw new OpalError('E_UNSAVED_EDITS', 'The labelmap holds edits made by hand: opening a mask replaces them. Export or save them first, or choose to discard them.');
    }
    const file = await readMaskFile(await this.allowed(path));
    const imported = importMasks([file], v.volume);
    let lungs = imported.lungs ?? null;
    let lungsFrom: ImportMaskResult['lungsFrom'] = 'mask';
    if (!lungs && v.lungs) {
      lungs = v.lungs;
      lungsFrom = 'session';
    } else if (!lungs) {
      lungs = lungsFromCt(v.volume, imported.infection).lungs;
      lungsFrom = 'ct';
    }
    this.segmentation.setBase(v, { infection: imported.infection, lungs, provenance: provenanceOfMasks([file]), source: 'import' });
    this.emit({ type: 'labelmap-changed', volumeHandle: v.handle, revision: v.revision });
    return {
      ...this.editing.result(v, { indices: [], values: [] }),
      hasInfection: true,
      hasLungs: true,
      lungsFrom,
      segments: imported.segments,
      warnings: imported.warnings,
    };
  }
}
