export { StrokeRecorder, type StrokeDiff } from './StrokeRecorder.ts';
export { paintDisc, type DiscDab, type SlicePlane, type HuWindow } from './paintDisc.ts';
export { applyDiff } from './applyDiff.ts';
export { UndoJournal, diffBytes } from './UndoJournal.ts';
export { encodeJournal, decodeJournal } from './journalCodec.ts';
export { findSmallIslands, type IslandRemoval } from './removeIslands.ts';
export { findHoles, type HoleFill } from './fillHoles.ts';
export { interpolateSlices, distanceToMask2d, type SliceInterpolation } from './interpolateSlices.ts';
