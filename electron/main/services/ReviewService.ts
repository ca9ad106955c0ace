import { OpalError } from '../../common/errors/index.ts';
import { confidenceLevels, rankReviewSlices, reviewRecord, type ReviewRecord, type ReviewSlice } from '../../common/review/index.ts';
import { axialSliceNumber } from '../../common/volume/sliceNumbering.ts';
import type { ReviewQueue } from '../../common/ipc/contract.ts';
import type { PersistenceService } from './PersistenceService.ts';
import { isEdited, type OpenVolume } from './OpenVolume.ts';

/** What is kept per volume: the reviewed slices (voxel index k) and the ranking of the current revision. */
interface ReviewState {
  reviewedK: Set<number>;
  lastReviewedAt?: string;
  cache?: { revision: number; slices: ReviewSlice[] };
  levels?: { revision: number; bytes: Uint8Array };
}

/**
 * Review mode (issue 15 point 4; rule in common/review/reviewQueue.ts): the queue of axial slices
 * ranked by the model's uncertainty, and the slices a person marked reviewed. The marks belong to
 * the labelmap they were made on: a new segmentation or an imported mask starts a new review
 * (reset), a restored autosave brings them back (restore). They are autosaved beside the journal
 * (PersistenceService.writeReview) and recorded in the exports (record).
 */
export class ReviewService {
  private readonly states = new Map<string, ReviewState>();

  constructor(private readonly persistence: PersistenceService) {}

  private state(v: OpenVolume): ReviewState {
    let s = this.states.get(v.handle);
    if (!s) {
      s = { reviewedK: new Set() };
      this.states.set(v.handle, s);
    }
    return s;
  }

  /** The ranked slices of the labelmap as it is now (computed once per revision). */
  private ranked(v: OpenVolume): ReviewSlice[] {
    if (!v.infection) throw new OpalError('E_BAD_ARGUMENT', 'Run the segmentation (or open a mask) first: there is nothing to review yet.');
    const s = this.state(v);
    if (s.cache?.revision !== v.revision) {
      const { dims, spacingMm, direction } = v.volume;
      s.cache = { revision: v.revision, slices: rankReviewSlices({ dims, spacingMm, direction, infection: v.infection, confidence: v.confidence, editedMask: v.editedMask }) };
    }
    return s.cache.slices;
  }

  queue(v: OpenVolume): ReviewQueue {
    const slices = this.ranked(v);
    const s = this.state(v);
    const reviewedInQueue = slices.filter((x) => s.reviewedK.has(x.k)).length;
    return {
      revision: v.revision,
      hasConfidence: v.confidence !== null,
      maskEdited: isEdited(v),
      slices: slices.map((x) => ({ ...x, reviewed: s.reviewedK.has(x.k) })),
      reviewed: reviewedInQueue,
      total: slices.length,
      reviewedOutsideQueue: s.reviewedK.size - reviewedInQueue,
    };
  }

  /** Marks axial slice k reviewed (or not) and autosaves the marks; answers the queue after it. */
  async mark(v: OpenVolume, k: number, reviewed: boolean): Promise<ReviewQueue> {
    const nz = v.volume.dims[2];
    if (k >= nz) throw new OpalError('E_BAD_ARGUMENT', `This series has ${nz} axial slices; there is no slice index ${k}.`);
    this.ranked(v); // refuses before a segmentation
    const s = this.state(v);
    if (reviewed) s.reviewedK.add(k);
    else s.reviewedK.delete(k);
    s.lastReviewedAt = new Date().toISOString();
    const q = this.queue(v);
    const problem = await this.save(v);
    return problem ? { ...q, autosaveProblem: problem.toJSON() } : q;
  }

  private async save(v: OpenVolume): Promise<OpalError | undefined> {
    const s = this.state(v);
    return this.persistence.writeReview(v, { reviewedK: [...s.reviewedK].sort((a, b) => a - b), ...(s.lastReviewedAt ? { lastReviewedAt: s.lastReviewedAt } : {}) });
  }

  /** A new base labelmap (a model run, an imported mask, an opened project): the review starts again. */
  async reset(v: OpenVolume): Promise<void> {
    const had = (this.states.get(v.handle)?.reviewedK.size ?? 0) > 0;
    this.states.set(v.handle, { reviewedK: new Set() });
    if (had) await this.save(v);
  }

  /** After an autosave was restored: its review marks come back. */
  async restore(v: OpenVolume): Promise<void> {
    const saved = await this.persistence.readReview(v.autosaveKey);
    const nz = v.volume.dims[2];
    this.states.set(v.handle, {
      reviewedK: new Set((saved?.reviewedK ?? []).filter((k) => Number.isInteger(k) && k >= 0 && k < nz)),
      ...(saved?.lastReviewedAt ? { lastReviewedAt: saved.lastReviewedAt } : {}),
    });
  }

  /** What the exports record: slices ranked, reviewed (by slice number), edited. */
  record(v: OpenVolume): ReviewRecord {
    const slices = this.ranked(v);
    const s = this.state(v);
    const numbers = new Map(slices.map((x) => [x.k, x.sliceNumber]));
    const { dims, direction } = v.volume;
    // A reviewed slice outside the queue (it lost its infection by an edit) is still recorded.
    const reviewed = [...s.reviewedK].map((k) => numbers.get(k) ?? axialSliceNumber({ dims, direction }, k));
    return reviewRecord({ queue: slices, reviewedSliceNumbers: reviewed, maskEdited: isEdited(v), ...(s.lastReviewedAt ? { lastReviewedAt: s.lastReviewedAt } : {}) });
  }

  /** The confidence map binned into levels (common/review confidenceLevels) for the viewer's overlay. */
  confidenceLevels(v: OpenVolume): Uint8Array {
    if (!v.confidence) throw new OpalError('E_BAD_ARGUMENT', 'This labelmap has no model confidence (it was not made by the model here).');
    const s = this.state(v);
    if (s.levels?.revision !== v.revision) s.levels = { revision: v.revision, bytes: confidenceLevels(v.confidence, v.editedMask) };
    return s.levels.bytes;
  }

  /** The volume closed. */
  release(handle: string): void {
    this.states.delete(handle);
  }
}
