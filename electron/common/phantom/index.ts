export {
  generateChestPhantom,
  PHANTOM_ATELECTASIS_HU,
  PHANTOM_CONSOLIDATION_HU,
  PHANTOM_EFFUSION_HU,
  PHANTOM_GGO_HU,
  PHANTOM_PROFILES,
  PhantomFinding,
  type ChestPhantom,
  type ChestPhantomOptions,
  type LungSide,
  type LungZone,
  type PhantomLesionTruth,
  type PhantomProfile,
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
} from './phantomDicom.ts';
export { phantomUidsFor, type PhantomUids } from './phantomUids.ts';
