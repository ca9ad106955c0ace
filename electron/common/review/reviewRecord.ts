import type { ReviewSlice } from './reviewQueue.ts';

/**
 * What the exports record about a review (measurements.json `review`, the DICOM SEG's
 * ContentDescription and ImageComments, the PDF report): how many slices the queue ranked, which of
 * them a person marked reviewed (by the app's axial slice numbers, 1 = most inferior), and whether
 * the mask was edited by hand.
 */
export interface ReviewRecord {
  /** How the slices were ranked, in words. */
  rule: string;
  slicesRanked: number;
  slicesReviewed: number;
  /** The ranked slices' numbers, rank 1 first. */
  rankedSliceNumbers: number[];
  /** The reviewed slices' numbers, ascending (slices marked reviewed; they may lie outside the queue). */
  reviewedSliceNumbers: number[];
  /** The masks hold edits made by hand. */
  maskEdited: boolean;
  /** When the last slice was marked (ISO 8601); absent when none was. */
  lastReviewedAt?: string;
}

export const REVIEW_RULE =
  'axial slices holding infection or uncertain voxels (model confidence below 0.6, not edited), most uncertain volume (mL) first';

export function reviewRecord(args: {
  queue: readonly ReviewSlice[];
  /** Reviewed slices by their slice numbers. */
  reviewedSliceNumbers: Iterable<number>;
  maskEdited: boolean;
  lastReviewedAt?: string;
}): ReviewRecord {
  const reviewed = [...new Set(args.reviewedSliceNumbers)].sort((a, b) => a - b);
  return {
    rule: REVIEW_RULE,
    slicesRanked: args.queue.length,
    slicesReviewed: reviewed.length,
    rankedSliceNumbers: args.queue.map((s) => s.sliceNumber),
    reviewedSliceNumbers: reviewed,
    maskEdited: args.maskEdited,
    ...(args.lastReviewedAt ? { lastReviewedAt: args.lastReviewedAt } : {}),
  };
}

/** One line for a 64-character DICOM LO (ContentDescription): "reviewed 12 of 40 slices, edited". */
export function reviewShortText(r: ReviewRecord): string {
  return `reviewed ${r.slicesReviewed} of ${r.slicesRanked} slices, ${r.maskEdited ? 'edited' : 'not edited'}`;
}

/** The whole record in words (DICOM LT, at most 10240 characters; the slice list is cut short with "…" beyond). */
export function reviewLongText(r: ReviewRecord, maxChars = 10240): string {
  const head = `OPAL review: ${r.slicesReviewed} of ${r.slicesRanked} ranked axial slices marked reviewed (slice 1 = most inferior); mask ${
    r.maskEdited ? 'edited by hand' : 'not edited by hand'
  }. Reviewed slices: `;
  const list = r.reviewedSliceNumbers.length ? r.reviewedSliceNumbers.join(', ') : 'none';
  const tail = '.';
  const text = head + list + tail;
  if (text.length <= maxChars) return text;
  const room = maxChars - head.length - tail.length - 1;
  const cut = list.slice(0, Math.max(0, room));
  return `${head}${cut.slice(0, Math.max(0, cut.lastIndexOf(',')))}…${tail}`;
}
