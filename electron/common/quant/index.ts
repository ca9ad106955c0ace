export * from './Measurements.ts';
export * from './quantify.ts';
export * from './lesions.ts';
