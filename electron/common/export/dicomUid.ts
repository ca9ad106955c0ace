/**
 * New DICOM UIDs under the 2.25 root (PS3.5 B.2: a UUID written as one unsigned decimal integer),
 * so OPAL needs no registered organisation root. Uses the Web Crypto random source that Node 20,
 * Electron and browsers all provide.
 */
interface RandomSource {
  getRandomValues(array: Uint8Array): Uint8Array;
}

export function newDicomUid(): string {
  const crypto = (globalThis as { crypto?: RandomSource }).crypto;
  if (!crypto) throw new Error('No cryptographic random source to make a DICOM UID');
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // RFC 4122 version 4, variant 1, as PS3.5 B.2 asks.
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return `2.25.${n.toString(10)}`;
}

const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/** PS3.5 9.1: digits and dots, no leading zeros in a component, at most 64 characters. */
export function isValidDicomUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && UID_PATTERN.test(uid);
}
