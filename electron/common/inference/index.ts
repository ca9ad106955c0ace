export * from './preprocess.ts';
export * from './postprocess.ts';
export * from './lungBoundingBox.ts';
