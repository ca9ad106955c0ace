export { decodeNifti, type NiftiXformSource } from './decodeNifti.ts';
export { encodeNifti1, encodeNiftiGz, type EncodeNiftiOptions } from './encodeNifti.ts';
export { affineToGeometry, flipXY, qformToAffine, rotationToQuaternion, volumeToRasAffine, type Affine3x4, type NiftiQuaternion } from './niftiAffine.ts';
export { NiftiDatatype, NiftiIntent, NiftiXform } from './niftiHeader.ts';
