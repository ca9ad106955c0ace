/**
 * Counts the top-level data elements of a data set before dicom-parser reads it (issue 17): a header
 * of hundreds of thousands of elements costs the parser seconds, so a file with more than
 * MAX_TOP_LEVEL_ELEMENTS is refused first. One linear pass over the bytes, no recursion, no
 * allocation: nested sequences are stepped through (only depth-0 elements count), and the pass stops
 * at Pixel Data, at the end of the bytes, or where it cannot follow the encoding (then the parser
 * decides, as before).
 */
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV', 'SV', 'UV']);

export function countTopLevelElements(bytes: Uint8Array, start: number, explicit: boolean, littleEndian: boolean, stopAt: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let depth = 0;
  let count = 0;
  while (pos + 8 <= bytes.length) {
    const group = dv.getUint16(pos, littleEndian);
    const element = dv.getUint16(pos + 2, littleEndian);
    if (group === 0xfffe) {
      // Item (E000), item delimiter (E00D), sequence delimiter (E0DD): always implicit 8-byte headers.
      const len = dv.getUint32(pos + 4, littleEndian);
      if (element === 0xe0dd) depth = Math.max(0, depth - 1);
      if (element === 0xe000 && len !== 0xffffffff) pos += 8 + len;
      else pos += 8;
      continue;
    }
    if (depth === 0 && group === 0x7fe0 && element === 0x0010) break;
    let len: number;
    let head: number;
    let vr = '';
    if (explicit) {
      vr = String.fromCharCode(bytes[pos + 4], bytes[pos + 5]);
      if (!/^[A-Z]{2}$/.test(vr)) return count;
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > bytes.length) return count;
        len = dv.getUint32(pos + 8, littleEndian);
        head = 12;
      } else {
        len = dv.getUint16(pos + 6, littleEndian);
        head = 8;
      }
    } else {
      len = dv.getUint32(pos + 4, littleEndian);
      head = 8;
    }
    if (depth === 0 && ++count > stopAt) return count;
    if (len === 0xffffffff) {
      // A sequence (or an undefined-length UN, whose content an explicit walk cannot follow).
      if (explicit && vr === 'UN') return count;
      depth++;
      pos += head;
    } else pos += head + len;
  }
  return count;
}
