/**
 * The small part of dcmjs (which ships no type declarations) that OPAL uses: the Part-10 reader and
 * writer and the naturalised-dataset layer. Pulled in with a triple-slash reference by the files
 * that import dcmjs, so every tsconfig that reaches them sees it.
 */
declare module 'dcmjs' {
  /** A DICOM JSON-model element as dcmjs keeps it: value representation + values. */
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
  }
  export type DcmjsDict = Record<string, DcmjsElement>;

  /** Dataset keyed by DICOM keywords (PatientName, SegmentSequence, ...). */
  export interface NaturalDataset {
    [keyword: string]: unknown;
  }

  export class DicomDict {
    constructor(meta: DcmjsDict);
    meta: DcmjsDict;
    dict: DcmjsDict;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }

  export const data: {
    DicomDict: typeof DicomDict;
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string | null }): DicomDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dict: DcmjsDict): NaturalDataset;
      denaturalizeDataset(dataset: NaturalDataset): DcmjsDict;
    };
    Colors: {
      /** sRGB in 0..1 to DICOM's scaled CIELab (0..65535 each). */
      rgb2DICOMLAB(rgb: [number, number, number]): [number, number, number];
    };
  };

  const dcmjs: { data: typeof data };
  export default dcmjs;
}
