export { StrokeRecorder, type StrokeDiff } from './StrokeRecorder.ts';
export { paintDisc, type DiscDab, type SlicePlane } from './paintDisc.ts';
export { applyDiff } from './applyDiff.ts';
export { UndoJournal, diffBytes } from './UndoJournal.ts';
export { encodeJournal, decodeJournal } from './journalCodec.ts';
