export * from './Volume.ts';
export * from './labels.ts';
export * from './missingSlices.ts';
export * from './reformatToAxial.ts';
export * from './sliceNumbering.ts';
