import { OpalError, toOpalError } from '../../common/errors/index.ts';
import { clipBox, growRegion, labelRegion, lesionAt, mergeInBox, nearestVoxelInRange, voxelIndex, type RegionEdit, type VoxelBox } from '../../common/edit/index.ts';
import type { AssistedCorrectionResult, GrowRegionResult, LesionDeleteResult, MethodArgs } from '../../common/ipc/contract.ts';
import type { EngineServices } from './EngineServices.ts';
import type { EditingService } from './EditingService.ts';
import type { OpenVolume } from './OpenVolume.ts';

/** A grow stops at this many voxels unless the caller asks for another cap (a 20 mm ball of 0.6 mm voxels: ~155 000). */
export const DEFAULT_GROW_MAX_VOXELS = 2_000_000;
/** The box of an assisted correction may span at most this many axial slices (the model runs on each). */
export const MAX_ASSIST_SLICES = 160;

type Voxel = [number, number, number];

/**
 * The click tools of issue 15 point 5 on the engine side: delete the 3-D lesion under a click, grow
 * a region from a click within an HU range, and the assisted correction of a missed lesion in a box
 * (the model re-run on the box's slices, or an HU-guided grow). Each is one undo step through
 * EditingService (journal, autosave, measurements), exactly like a stroke.
 */
export class CorrectionService {
  constructor(
    private readonly engine: EngineServices,
    private readonly editing: EditingService,
  ) {}

  private voxelMl(v: OpenVolume): number {
    const s = v.volume.spacingMm;
    return (s[0] * s[1] * s[2]) / 1000;
  }

  /** Refuses a voxel outside the volume with a message a user understands. */
  private checkVoxel(v: OpenVolume, voxel: readonly number[]): Voxel {
    const p = [voxel[0], voxel[1], voxel[2]] as Voxel;
    if (voxelIndex(v.volume.dims, p) < 0) {
      throw new OpalError('E_BAD_ARGUMENT', `The point clicked (voxel ${p.join(', ')}) lies outside this image (${v.volume.dims.join('×')} voxels).`);
    }
    return p;
  }

  private lungMask(v: OpenVolume, lungsOnly: boolean): Uint8Array | undefined {
    if (!lungsOnly) return undefined;
    if (!v.lungs) throw new OpalError('E_BAD_ARGUMENT', 'There is no lung mask yet: run the segmentation first, or turn "lungs only" off.');
    return v.lungs;
  }

  async deleteLesion(v: OpenVolume, args: Pick<MethodArgs<'deleteLesion'>, 'voxel'>): Promise<LesionDeleteResult> {
    this.editing.assertEditable(v);
    const voxel = this.checkVoxel(v, args.voxel);
    const found = v.infection ? lesionAt(v.infection, v.volume.dims, voxel) : { indices: new Uint32Array(0), voxelsByLabel: [0, 0, 0], slices: undefined };
    const r = await this.editing.applyComputedEdit(v, found.indices, new Uint8Array(found.indices.length));
    const ml = this.voxelMl(v);
    return {
      ...r,
      removedVoxels: found.indices.length,
      removedGroundGlassMl: found.voxelsByLabel[1] * ml,
      removedConsolidationMl: found.voxelsByLabel[2] * ml,
      ...(found.slices ? { slices: found.slices } : {}),
    };
  }

  async growRegion(v: OpenVolume, args: Omit<MethodArgs<'growRegion'>, 'volumeHandle'>): Promise<GrowRegionResult> {
    this.editing.assertEditable(v);
    const seed = this.checkVoxel(v, args.voxel);
    const g = growRegion({
      hu: v.volume.voxels,
      dims: v.volume.dims,
      spacingMm: v.volume.spacingMm,
      seed,
      minHu: args.hu.min,
      maxHu: args.hu.max,
      radiusMm: args.radiusMm,
      maxVoxels: args.maxVoxels ?? DEFAULT_GROW_MAX_VOXELS,
      within: this.lungMask(v, args.lungsOnly),
    });
    const edit = labelRegion(v.infection, g.region, args.label);
    const r = await this.editing.applyComputedEdit(v, edit.indices, edit.values);
    return {
      ...r,
      regionVoxels: g.region.length,
      changedVoxels: edit.indices.length,
      changedMl: edit.indices.length * this.voxelMl(v),
      capped: g.capped,
      seedHu: g.seedHu,
      ...(g.refused ? { refused: g.refused } : {}),
    };
  }

  /**
   * The model re-run on the box's axial slices, its labels added inside the box where the labelmap
   * is background; when the model cannot run (no model, a failing provider) or adds nothing there,
   * an HU-guided grow from the in-range voxel nearest the box's centre, bounded by the box.
   */
  async assistedCorrection(v: OpenVolume, args: Omit<MethodArgs<'assistedCorrection'>, 'volumeHandle'>, run: { executionProviders?: string[] } = {}): Promise<AssistedCorrectionResult> {
    this.editing.assertEditable(v);
    const box = clipBox(v.volume.dims, { from: args.box.from, to: args.box.to });
    if (!box) throw new OpalError('E_BAD_ARGUMENT', 'The box lies outside the image.');
    const k0 = box.from[2];
    const k1 = box.to[2];
    if (k1 - k0 + 1 > MAX_ASSIST_SLICES) throw new OpalError('E_BAD_ARGUMENT', `The box spans ${k1 - k0 + 1} slices; draw it over at most ${MAX_ASSIST_SLICES}.`);
    const within = this.lungMask(v, args.lungsOnly);
    let edit: RegionEdit = { indices: new Uint32Array(0), values: new Uint8Array(0) };
    let method: AssistedCorrectionResult['method'] = 'model';
    let slicesInferred = 0;
    let modelProblem: OpalError | undefined;
    if (this.engine.segmentRegion) {
      try {
        const out = await this.engine.segmentRegion(v.volume, this.eligible(v, box, within), { k0, k1 }, { executionProviders: run.executionProviders });
        slicesInferred = out.slicesInferred;
        // The labelmap may have changed while the model ran (a stroke): merge into it as it is now.
        this.editing.assertEditable(v);
        edit = mergeInBox(v.infection, out.infection, v.volume.dims, box);
      } catch (e) {
        const err = toOpalError(e);
        if (err.code === 'E_CANCELLED' || (err.code === 'E_BAD_ARGUMENT' && v.running)) throw err;
        modelProblem = err;
      }
    } else {
      modelProblem = new OpalError('E_MODEL_MISSING', 'No model is available to this engine.');
    }
    if (edit.indices.length === 0) {
      method = 'hu-grow';
      edit = this.huGrow(v, box, args.label, args.hu, within);
    }
    const r = await this.editing.applyComputedEdit(v, edit.indices, edit.values);
    return {
      ...r,
      method,
      addedVoxels: edit.indices.length,
      addedMl: edit.indices.length * this.voxelMl(v),
      slicesInferred,
      ...(modelProblem ? { modelProblem: modelProblem.toJSON() } : {}),
    };
  }

  /** What the model may label on the box's slices: the lungs, and (unless lungs only) every voxel of the box. */
  private eligible(v: OpenVolume, box: VoxelBox, within: Uint8Array | undefined): Uint8Array {
    const [nx, ny] = v.volume.dims;
    const sliceSize = nx * ny;
    const k0 = box.from[2];
    const count = box.to[2] - k0 + 1;
    const out = new Uint8Array(sliceSize * count);
    if (v.lungs) out.set(v.lungs.subarray(k0 * sliceSize, (box.to[2] + 1) * sliceSize));
    if (!within) {
      for (let k = k0; k <= box.to[2]; k++)
        for (let j = box.from[1]; j <= box.to[1]; j++) out.fill(1, nx * j + box.from[0] + sliceSize * (k - k0), nx * j + box.to[0] + 1 + sliceSize * (k - k0));
    }
    // A missing slice (a gap in the series) holds no image: nothing to label there.
    for (const k of v.volume.meta.missingSlices ?? []) if (k >= k0 && k <= box.to[2]) out.fill(0, (k - k0) * sliceSize, (k - k0 + 1) * sliceSize);
    return out;
  }

  /** HU-guided grow inside the box from the in-range voxel nearest its centre; adds only where the labelmap is background. */
  private huGrow(v: OpenVolume, box: VoxelBox, label: 1 | 2, hu: { min: number; max: number }, within: Uint8Array | undefined): RegionEdit {
    const { dims, spacingMm, voxels } = v.volume;
    const centre: Voxel = [Math.round((box.from[0] + box.to[0]) / 2), Math.round((box.from[1] + box.to[1]) / 2), Math.round((box.from[2] + box.to[2]) / 2)];
    const seed = nearestVoxelInRange(voxels, dims, spacingMm, box, centre, hu.min, hu.max, within);
    if (!seed) return { indices: new Uint32Array(0), values: new Uint8Array(0) };
    const g = growRegion({ hu: voxels, dims, spacingMm, seed, minHu: hu.min, maxHu: hu.max, box, within, maxVoxels: DEFAULT_GROW_MAX_VOXELS });
    const labels = v.infection;
    const added = labels ? g.region.filter((x) => labels[x] === 0) : g.region;
    return { indices: added, values: new Uint8Array(added.length).fill(label) };
  }
}
