import { OpalError } from '../../errors/index.ts';

/**
 * DICOM UIDs under the `2.25` root: the decimal form of a 128-bit UUID (PS3.5 B.2, ITU-T X.667),
 * at most 44 characters, so no organisation root is needed.
 */
function uuidBytesToUid(bytes: Uint8Array, version: number): string {
  const b = Uint8Array.from(bytes.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | (version << 4); // RFC 9562 version
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return `2.25.${n.toString(10)}`;
}

interface CryptoLike {
  getRandomValues(a: Uint8Array): Uint8Array;
}

/** A new random UID (a version-4 UUID): for every object OPAL creates outside the phantom. */
export function createRandomUid(): string {
  const c = (globalThis as unknown as { crypto?: CryptoLike }).crypto;
  if (!c) throw new OpalError('E_INTERNAL', 'No secure random source (globalThis.crypto) to create a UID');
  return uuidBytesToUid(c.getRandomValues(new Uint8Array(16)), 4);
}

/**
 * A deterministic UID from a text key (a version-8 UUID of a 128-bit hash of the key): the same key
 * gives the same UID on every machine, different keys give different UIDs with the odds of random
 * 122-bit numbers colliding. Used by the phantom, whose files must be identical for a seed.
 */
export function uidFromSeed(key: string): string {
  // Four 32-bit lanes, each a multiply-xorshift hash of the UTF-16 code units, cross-mixed at the end.
  let h1 = 0x6a09e667 ^ key.length;
  let h2 = 0xbb67ae85;
  let h3 = 0x3c6ef372;
  let h4 = 0xa54ff53a;
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  for (let round = 0; round < 4; round++) {
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    h1 ^= h2 ^ h3 ^ h4;
    h2 ^= h1;
    h3 ^= h1;
    h4 ^= h1;
  }
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, h1 >>> 0);
  view.setUint32(4, h2 >>> 0);
  view.setUint32(8, h3 >>> 0);
  view.setUint32(12, h4 >>> 0);
  return uuidBytesToUid(bytes, 8);
}

/** True for a syntactically valid UID (PS3.5 9.1: digits and dots, no leading zeros, ≤ 64 chars). */
export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(uid);
}
