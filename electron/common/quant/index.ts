export * from './Measurements.ts';
