export * from './Volume.ts';
export * from './labels.ts';
