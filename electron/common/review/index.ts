export { rankReviewSlices, confidenceLevels, UNCERTAIN_BELOW, UNSURE_BELOW, CONFIDENCE_LEVELS, type ReviewSlice, type ReviewQueueInput } from './reviewQueue.ts';
export { reviewRecord, reviewShortText, reviewLongText, REVIEW_RULE, type ReviewRecord } from './reviewRecord.ts';
