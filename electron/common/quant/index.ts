export * from './Measurements.ts';
export * from './quantify.ts';
export * from './lesions.ts';
export * from './measureVolume.ts';
