export { createRandomUid, isValidUid, uidFromSeed } from './dicomUid.ts';
export {
  formatDecimalString,
  OPAL_IMPLEMENTATION_CLASS_UID,
  OPAL_IMPLEMENTATION_VERSION,
  tag,
  writeDicomPart10,
  type BinaryVR,
  type DicomElement,
  type DicomPart10Options,
  type DicomTag,
  type DicomVR,
  type NumberVR,
  type StringVR,
} from './writeDicomPart10.ts';
