import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';

/**
 * Parses a DICOM file the way the loader does (dicom-parser, deflate through zlib) for the decode
 * suites. A file that ends early still yields what dicom-parser read before the end (it throws
 * `{exception, dataSet}`), so truncated Pixel Data can be checked by extractFrames.
 */
export function readDataSet(path: string): { dataSet: DataSet; transferSyntaxUid: string } {
  const bytes = new Uint8Array(readFileSync(path));
  const inflater = (arr: Uint8Array, position: number): Uint8Array => {
    const inflated = inflateRawSync(arr.subarray(position));
    const out = new Uint8Array(position + inflated.length);
    out.set(arr.subarray(0, position));
    out.set(inflated, position);
    return out;
  };
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, { inflater } as unknown as dicomParser.ParseDicomOptions);
  } catch (e) {
    const partial = (e as { dataSet?: DataSet }).dataSet;
    if (!partial) throw e;
    dataSet = partial;
  }
  return { dataSet, transferSyntaxUid: (dataSet.string('x00020010') ?? '').trim() };
}
