export * from './Measurements.ts';
export * from './quantify.ts';
