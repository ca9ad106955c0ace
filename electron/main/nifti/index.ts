export { readNiftiFile } from './readNiftiFile.ts';
export { writeNiftiFile } from './writeNiftiFile.ts';
