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
