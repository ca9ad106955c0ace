export * from './Volume.ts';
