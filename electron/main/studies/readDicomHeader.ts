import { open } from 'node:fs/promises';
import { OpalError, isOpalError } from '../../common/errors/index.ts';
import { parseDicomBytes, guessRawTransferSyntax, type ParsedDicom } from '../../common/dicom/parseDicomBytes.ts';
import { TransferSyntax } from '../../common/dicom/pixels/frames.ts';
import { Tag } from '../../common/dicom/tags.ts';

/** Most CT headers end well before 64 KiB; larger ones (big private groups) are read whole. */
export const HEADER_PROBE_BYTES = 64 * 1024;

async function readBytes(path: string, length: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(length);
    let off = 0;
    while (off < length) {
      const { bytesRead } = await fh.read(buf, off, length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === length ? buf : buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

function looksLikeDicomStart(b: Uint8Array): boolean {
  if (b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d) return true;
  return guessRawTransferSyntax(b) !== undefined;
}

/**
 * Reads a file's DICOM header without its pixels: the first bytes only when they hold the whole
 * header, else the file. Non-DICOM files are recognised from their first 132 bytes.
 */
export async function readDicomHeader(path: string, size: number): Promise<ParsedDicom> {
  const probeLen = Math.min(size, HEADER_PROBE_BYTES);
  const probe = await readBytes(path, probeLen);
  if (!looksLikeDicomStart(probe)) {
    throw new OpalError('E_NOT_DICOM', size < 132 ? `Not a DICOM file (only ${size} bytes).` : 'Not a DICOM file: no "DICM" marker at byte 128 and no recognisable data set at the start.', path);
  }
  if (probeLen < size) {
    try {
      const parsed = parseDicomBytes(probe, { headerOnly: true, source: path });
      // Reached Pixel Data inside the probe: the header is complete. Otherwise read the whole file.
      if (parsed.dataSet.elements[Tag.PixelData] && parsed.transferSyntaxUid !== TransferSyntax.DeflatedExplicitVRLittleEndian) return parsed;
    } catch (e) {
      if (!isOpalError(e)) throw e;
    }
  }
  const all = probeLen < size ? await readBytes(path, size) : probe;
  return parseDicomBytes(all, { headerOnly: true, source: path });
}

export async function readWholeFile(path: string, size: number): Promise<Uint8Array> {
  return readBytes(path, size);
}
