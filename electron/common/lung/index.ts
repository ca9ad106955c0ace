export * from './connectedComponents3d.ts';
export * from './lungMaskFromHu.ts';
export * from './slice2d.ts';
