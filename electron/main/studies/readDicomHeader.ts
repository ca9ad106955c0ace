import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { OpalError, isOpalError } from '../../common/errors/index.ts';
import { parseDicomBytes, guessRawTransferSyntax, type ParsedDicom } from '../../common/dicom/parseDicomBytes.ts';
import { TransferSyntax } from '../../common/dicom/pixels/frames.ts';
import { Tag } from '../../common/dicom/tags.ts';

/** Most CT headers end well before 64 KiB; larger ones (big private groups) are read whole. */
export const HEADER_PROBE_BYTES = 64 * 1024;


function looksLikeDicomStart(b: Uint8Array): boolean {
  if (b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d) return true;
  return guessRawTransferSyntax(b) !== undefined;
}

function kindOf(st: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isDirectory(): boolean }): string {
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

const DEFLATED_UID = Buffer.from(TransferSyntax.DeflatedExplicitVRLittleEndian, 'latin1');

/** True when the file meta (in the first KiB) names the Deflated syntax; a false hit only costs a whole read. */
function namesDeflatedSyntax(probe: Uint8Array): boolean {
  return Buffer.from(probe.buffer, probe.byteOffset, Math.min(probe.length, 1024)).includes(DEFLATED_UID);
}

/** A parsed header with the file's size and modification time (taken from the same open handle). */
export interface DicomHeaderRead {
  parsed: ParsedDicom;
  size: number;
  mtimeMs: number;
}

/**
 * Reads a file's DICOM header without its pixels: the first bytes only when they hold the whole
 * header, else the file. Non-DICOM files are recognised from their first 132 bytes. One open
 * handle serves the stat and the probe, which run at once (a folder scan is dominated by these
 * round trips, not by bytes).
 */
export async function readDicomHeader(path: string): Promise<DicomHeaderRead>;
/**
 * With `probeOnly`, answers only from the first HEADER_PROBE_BYTES (a parse whose cost is bounded by
 * them): undefined when the whole file would have to be read (a header past the probe, a deflated
 * data set), which a scan then reads in a worker with a time and memory budget (scanPool.ts).
 */
export async function readDicomHeader(path: string, opts: { probeOnly: true }): Promise<DicomHeaderRead | undefined>;
export async function readDicomHeader(path: string, opts?: { probeOnly?: boolean }): Promise<DicomHeaderRead | undefined> {
  // O_NONBLOCK: opening or reading a FIFO (or a device) must not wait for a writer; it is refused below.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const probeBuf = new Uint8Array(HEADER_PROBE_BYTES);
    const [st, first] = await Promise.all([fh.stat(), fh.read(probeBuf, 0, HEADER_PROBE_BYTES, 0).catch((e: unknown) => e as Error)]);
    if (!st.isFile()) throw new OpalError('E_UNREADABLE', `Not a regular file (${kindOf(st)}); it was not read.`, path);
    if (first instanceof Error) throw first;
    const size = st.size;
    const probeLen = Math.min(size, HEADER_PROBE_BYTES);
    let got = first.bytesRead;
    while (got < probeLen) {
      const { bytesRead } = await fh.read(probeBuf, got, probeLen - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const probe = probeBuf.subarray(0, got);
    const stamp = { size, mtimeMs: st.mtimeMs };
    if (size === 0) throw new OpalError('E_NOT_DICOM', 'Not a DICOM file (empty).', path);
    if (!looksLikeDicomStart(probe)) {
      throw new OpalError('E_NOT_DICOM', size < 132 ? `Not a DICOM file (only ${size} bytes).` : 'Not a DICOM file: no "DICM" marker at byte 128 and no recognisable data set at the start.', path);
    }
    // A deflated data set is inflated whole anyway (its header cannot be cut at a byte offset), so
    // the probe is not parsed (that would inflate its start a second time).
    if (probeLen < size && !namesDeflatedSyntax(probe)) {
      try {
        const parsed = parseDicomBytes(probe, { headerOnly: true, source: path });
        // Reached Pixel Data inside the probe: the header is complete. Otherwise read the whole file.
        if (parsed.dataSet.elements[Tag.PixelData] && parsed.transferSyntaxUid !== TransferSyntax.DeflatedExplicitVRLittleEndian) return { parsed, ...stamp };
      } catch (e) {
        if (!isOpalError(e)) throw e;
      }
    }
    if (probeLen < size && opts?.probeOnly) return undefined;
    const all = probeLen < size ? await readWholeFile(path) : probe;
    return { parsed: parseDicomBytes(all, { headerOnly: true, source: path }), ...stamp };
  } finally {
    await fh.close();
  }
}

/** The whole file (one read call; `size` is the size the caller expects, for callers that check it). */
export async function readWholeFile(path: string, _size?: number): Promise<Uint8Array> {
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
