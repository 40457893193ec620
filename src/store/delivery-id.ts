import { randomBytes } from 'node:crypto';

/** Crockford base32: sortable, no ambiguous letters. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let value = ms;
  let out = '';
  for (let i = 0; i < 10; i += 1) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function encodeRandom(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) {
    out += ALPHABET[byte % 32];
  }
  return out;
}

/**
 * A new delivery id, `dlv_` plus a ULID-like body: 10 characters of millisecond time then
 * 16 random ones, so ids sort by creation time and never collide across replicas.
 */
export function newDeliveryId(now: Date = new Date()): string {
  return `dlv_${encodeTime(now.getTime())}${encodeRandom(16)}`;
}
