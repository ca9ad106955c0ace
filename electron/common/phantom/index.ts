export {
  generateChestPhantom,
  PHANTOM_CONSOLIDATION_HU,
  PHANTOM_GGO_HU,
  type ChestPhantom,
  type ChestPhantomOptions,
  type LungSide,
  type LungZone,
  type PhantomLesionTruth,
  type PhantomTruth,
  type VoxelsAndMl,
} from './generateChestPhantom.ts';
export {
  CT_IMAGE_STORAGE_UID,
  PHANTOM_RESCALE_INTERCEPT,
  encodePhantomSlice,
  phantomInstanceNumber,
  phantomSliceElements,
  phantomUids,
  type PhantomDicomOptions,
  type PhantomUids,
} from './phantomDicom.ts';
