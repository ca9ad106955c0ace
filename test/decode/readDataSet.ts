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
  try {
    const dataSet = dicomParser.parseDicom(bytes, { inflater } as unknown as dicomParser.ParseDicomOptions);
    return { dataSet, transferSyntaxUid: (dataSet.string('x00020010') ?? '').trim() };
  } catch (e) {
    // The partial data set lacks the file meta group; read the transfer syntax from it separately.
    const partial = (e as { dataSet?: DataSet }).dataSet;
    if (!partial) throw e;
    return { dataSet: partial, transferSyntaxUid: (dicomParser.readPart10Header(bytes).string('x00020010') ?? '').trim() };
  }
}

/** Number of positions where two sample arrays differ (vitest's deep equality is slow on 262,144 samples). */
export function countDifferences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
