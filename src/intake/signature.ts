import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureScheme } from '../config/settings';

/**
 * Verifies the `Pulsara-Signature` header over the raw request bytes, before any parsing.
 * Two schemes (docs/pulsara-api.md):
 * - `timestamped`: `t=<unix seconds>,v1=<hex hmac of "<t>.<body>">[,v1=…]`, with a tolerance;
 * - `hmac-sha256`: the hex or base64 HMAC of the body alone.
 * Comparison is constant-time; any secret of the configured list may match.
 */
export interface SignatureSettings {
  scheme: SignatureScheme;
  secrets: readonly string[];
  /** Timestamped scheme only: how far `t` may be from now, in seconds. */
  toleranceSeconds: number;
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

const SHA256_BYTES = 32;
const HEX_64 = /^[0-9a-f]{64}$/;
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;

function hmac(secret: string, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac('sha256', secret);
  for (const part of parts) {
    mac.update(part);
  }
  return mac.digest();
}

/** Decodes a presented signature; undefined when it is not 32 bytes in hex or base64. */
function decodeSignature(value: string, allowBase64: boolean): Buffer | undefined {
  if (HEX_64.test(value)) {
    return Buffer.from(value, 'hex');
  }
  if (allowBase64 && BASE64_32_BYTES.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    return bytes.length === SHA256_BYTES ? bytes : undefined;
  }
  return undefined;
}

function anyMatches(presented: readonly Buffer[], expected: readonly Buffer[]): boolean {
  let matched = false;
  // Compare every pair (no early exit) so timing does not reveal which one matched.
  for (const p of presented) {
    for (const e of expected) {
      if (timingSafeEqual(p, e)) {
        matched = true;
      }
    }
  }
  return matched;
}

function verifyTimestamped(
  raw: Buffer,
  header: string,
  settings: SignatureSettings,
  nowSeconds: number,
): SignatureVerdict {
  let timestamp: string | undefined;
  const presented: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      return { ok: false, reason: 'malformed' };
    }
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) {
        return { ok: false, reason: 'malformed' };
      }
      timestamp = value;
    } else if (key === 'v1') {
      const decoded = decodeSignature(value, false);
      if (!decoded) {
        return { ok: false, reason: 'malformed' };
      }
      presented.push(decoded);
    }
    // Other keys (future schemes such as v2) are ignored, as Stripe-style headers allow.
  }
  if (timestamp === undefined || presented.length === 0) {
    return { ok: false, reason: 'malformed' };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > settings.toleranceSeconds) {
    return { ok: false, reason: 'stale' };
  }
  const expected = settings.secrets.map((secret) => hmac(secret, `${timestamp}.`, raw));
  return anyMatches(presented, expected) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

function verifyPlain(raw: Buffer, header: string, settings: SignatureSettings): SignatureVerdict {
  const value = header.trim().replace(/^sha256=/, '');
  const decoded = decodeSignature(value, true);
  if (!decoded) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = settings.secrets.map((secret) => hmac(secret, raw));
  return anyMatches([decoded], expected) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** Checks one request. `nowSeconds` is injectable for tests. Never throws. */
export function verifySignature(
  raw: Buffer,
  header: string | undefined,
  settings: SignatureSettings,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): SignatureVerdict {
  if (!header || header.trim() === '') {
    return { ok: false, reason: 'missing' };
  }
  if (header.length > 4096) {
    return { ok: false, reason: 'malformed' };
  }
  return settings.scheme === 'timestamped'
    ? verifyTimestamped(raw, header, settings, nowSeconds)
    : verifyPlain(raw, header, settings);
}
