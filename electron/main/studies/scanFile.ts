/**
 * Reading one file's header for a scan: the work a scan worker does per file (scanPool.ts), or the
 * scan itself when it reads in its own thread. Never throws: every failure is a skip with a code.
 */
import { dirname, join } from 'node:path';
import { OpalError, toOpalError } from '../../common/errors/index.ts';
import { isDicomdir, readDirectoryRecords } from '../../common/dicom/dicomdir.ts';
import { parseDicomBytes } from '../../common/dicom/parseDicomBytes.ts';
import { readFrameHeaders, type FrameHeader } from '../../common/dicom/readFrameHeaders.ts';
import { TransferSyntax } from '../../common/dicom/pixels/frames.ts';
import { Tag } from '../../common/dicom/tags.ts';
import { readDicomHeader, readWholeFile } from './readDicomHeader.ts';
import type { FileStamp, SkippedFile } from './scan.ts';

/** Bytes of native pixel data a header implies (PS3.5 8.1.1), or undefined for encapsulated data. */
function expectedNativeBytes(f: FrameHeader): number | undefined {
  const ts = f.transferSyntaxUid;
  const native = ts === TransferSyntax.ImplicitVRLittleEndian || ts === TransferSyntax.ExplicitVRLittleEndian || ts === TransferSyntax.ExplicitVRBigEndian || ts === TransferSyntax.DeflatedExplicitVRLittleEndian;
  if (!native) return undefined;
  const bits = f.rows * f.columns * f.samplesPerPixel * f.frameCount * f.bitsAllocated;
  return Math.ceil(bits / 8);
}

const KNOWN_SYNTAXES = new Set<string>(Object.values(TransferSyntax));

export interface FileOutcome {
  /** True when `probeOnly` was asked and the file needs a whole read (see readDicomHeader). */
  deferred?: boolean;
  frames?: FrameHeader[];
  stamp?: FileStamp;
  skipped?: SkippedFile;
  notes: string[];
  dicomdirOf?: string[];
}

export async function scanFile(path: string, insideFolder: boolean, opts: { probeOnly?: boolean } = {}): Promise<FileOutcome> {
  try {
    let read;
    try {
      read = opts.probeOnly ? await readDicomHeader(path, { probeOnly: true }) : await readDicomHeader(path);
      if (!read) return { deferred: true, notes: [] };
    } catch (e) {
      const errno = (e as NodeJS.ErrnoException).code;
      if (errno === 'ENOENT') return { skipped: { path, code: 'E_NOT_FOUND', message: 'File not found.' }, notes: [] };
      if (errno === 'EACCES' || errno === 'EPERM') return { skipped: { path, code: 'E_UNREADABLE', message: `No permission to read the file (${errno}).` }, notes: [] };
      if (errno === 'EISDIR' || errno === 'ELOOP' || errno === 'EIO' || errno === 'ENXIO') return { skipped: { path, code: 'E_UNREADABLE', message: `The file could not be read (${errno}).` }, notes: [] };
      throw e;
    }
    const { parsed } = read;
    const st = { size: read.size, mtimeMs: read.mtimeMs };
    if (isDicomdir(parsed.dataSet)) {
      if (insideFolder) {
        return { skipped: { path, code: 'E_NO_PIXEL_DATA', message: 'DICOMDIR (a file-set index, not an image); the images it lists are scanned as files of the folder. Open the DICOMDIR itself to use only its records.' }, notes: parsed.notes };
      }
      // Read the whole DICOMDIR (records live after where a header probe stops).
      const full = parseDicomBytes(await readWholeFile(path, st.size), { source: path });
      const records = readDirectoryRecords(full.dataSet);
      const base = dirname(path);
      const files = records.filter((r) => r.referencedFileId && r.referencedFileId.length > 0).map((r) => join(base, ...(r.referencedFileId as string[])));
      return { dicomdirOf: files, notes: full.notes };
    }
    if (!KNOWN_SYNTAXES.has(parsed.transferSyntaxUid)) {
      throw new OpalError('E_UNSUPPORTED_TS', `Unsupported transfer syntax ${parsed.transferSyntaxUid}: OPAL cannot decode its pixels.`, path);
    }
    // Element offsets count from the data set's start; a deflated data set was inflated whole.
    const deflated = parsed.transferSyntaxUid === TransferSyntax.DeflatedExplicitVRLittleEndian;
    const byteLength = deflated ? parsed.dataSet.byteArray.length : st.size - parsed.dataSetOffset;
    const frames = readFrameHeaders(parsed.dataSet, parsed.transferSyntaxUid, path, { byteLength });
    const px = parsed.dataSet.elements[Tag.PixelData];
    const expected = expectedNativeBytes(frames[0]);
    if (px && expected !== undefined && px.length !== 0xffffffff) {
      const present = Math.min(px.length, byteLength - px.dataOffset);
      if (!deflated && (px.dataOffset + px.length > byteLength || present < expected)) {
        throw new OpalError('E_TRUNCATED', `Pixel data is incomplete: ${Math.max(0, present)} bytes present, ${expected} needed for ${frames[0].frameCount} frame(s) of ${frames[0].columns}x${frames[0].rows}.`, path);
      }
    }
    const stamp: FileStamp = { size: st.size, mtimeMs: st.mtimeMs };
    const littleEndianNative = parsed.transferSyntaxUid === TransferSyntax.ImplicitVRLittleEndian || parsed.transferSyntaxUid === TransferSyntax.ExplicitVRLittleEndian;
    if (px && littleEndianNative && expected !== undefined && px.length !== 0xffffffff && px.length >= expected && px.dataOffset + px.length <= byteLength) {
      stamp.nativePixelData = { offset: parsed.dataSetOffset + px.dataOffset, length: expected };
    }
    return { frames, stamp, notes: parsed.notes };
  } catch (e) {
    const err = toOpalError(e);
    return { skipped: { path, code: err.code, message: err.message }, notes: [] };
  }
}

