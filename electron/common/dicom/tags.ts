/**
 * DICOM attribute tags OPAL reads, in dicom-parser's key form ('xGGGGEEEE'). Names are the
 * standard's keywords (PS3.6 Section 6).
 */
export const Tag = {
  // File meta (PS3.10 7.1)
  MediaStorageSOPClassUID: 'x00020002',
  TransferSyntaxUID: 'x00020010',
  // SOP common, patient, study, series (PS3.3 C.12.1, C.7.1.1, C.7.2.1, C.7.3.1)
  SpecificCharacterSet: 'x00080005',
  SOPClassUID: 'x00080016',
  SOPInstanceUID: 'x00080018',
  StudyDate: 'x00080020',
  Modality: 'x00080060',
  StudyDescription: 'x00081030',
  SeriesDescription: 'x0008103e',
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  SliceThickness: 'x00180050',
  ConvolutionKernel: 'x00181210',
  GantryDetectorTilt: 'x00181120',
  StudyInstanceUID: 'x0020000d',
  SeriesInstanceUID: 'x0020000e',
  SeriesNumber: 'x00200011',
  InstanceNumber: 'x00200013',
  ImagePositionPatient: 'x00200032',
  ImageOrientationPatient: 'x00200037',
  FrameOfReferenceUID: 'x00200052',
  // Image pixel (PS3.3 C.7.6.3)
  SamplesPerPixel: 'x00280002',
  PhotometricInterpretation: 'x00280004',
  PlanarConfiguration: 'x00280006',
  NumberOfFrames: 'x00280008',
  Rows: 'x00280010',
  Columns: 'x00280011',
  PixelSpacing: 'x00280030',
  BitsAllocated: 'x00280100',
  BitsStored: 'x00280101',
  HighBit: 'x00280102',
  PixelRepresentation: 'x00280103',
  RescaleIntercept: 'x00281052',
  RescaleSlope: 'x00281053',
  PixelData: 'x7fe00010',
  FloatPixelData: 'x7fe00008',
  DoubleFloatPixelData: 'x7fe00009',
  // Multi-frame functional groups (PS3.3 C.7.6.16)
  SharedFunctionalGroupsSequence: 'x52009229',
  PerFrameFunctionalGroupsSequence: 'x52009230',
  PixelMeasuresSequence: 'x00289110',
  PlanePositionSequence: 'x00209113',
  PlaneOrientationSequence: 'x00209116',
  PixelValueTransformationSequence: 'x00289145',
  CTReconstructionSequence: 'x00189314',
  // Basic directory (PS3.3 F.3)
  DirectoryRecordSequence: 'x00041220',
  OffsetOfTheNextDirectoryRecord: 'x00041400',
  OffsetOfReferencedLowerLevelDirectoryEntity: 'x00041420',
  DirectoryRecordType: 'x00041430',
  ReferencedFileID: 'x00041500',
  ReferencedSOPClassUIDInFile: 'x00041510',
  ReferencedSOPInstanceUIDInFile: 'x00041511',
  ReferencedTransferSyntaxUIDInFile: 'x00041512',
  OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity: 'x00041200',
} as const;

/** Media Storage Directory Storage: the SOP class of a DICOMDIR (PS3.4 Annex B.5). */
export const MEDIA_STORAGE_DIRECTORY_SOP_CLASS = '1.2.840.10008.1.3.10';
