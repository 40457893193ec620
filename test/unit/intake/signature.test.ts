import { createHmac } from 'node:crypto';
import { verifySignature } from '../../../src/intake/signature';
import type { SignatureSettings } from '../../../src/intake/signature';

// The contract's test vector (docs/pulsara-api.md).
const SECRET = 'whsec_bridge_test_vector';
const T = 1764097391;
const BODY = JSON.stringify({
  id: 'evt_01JD8X4Q2M7V3K9T',
  type: 'patient_channel.identifier.updated',
  created_at: '2026-11-25T19:03:11Z',
  data: { patient_channel_id: 'pc_7f3a9c21', identifier: { id: 'cid_501', name: 'MRN', category: 'hospital' } },
});
const V1 = '971a2fac5f9b7b0fc39834dfdf1b2bb56a913ca7e77eee107323c2c397b57ace';
const PLAIN_HEX = '7f7d98d9c5f7add5922fc8be51770d53190f1db5f6974f3b9c6263e7b0b6e59d';
const PLAIN_B64 = 'f32Y2cX3rdWSL8i+UXcNUxkPHbX2l087nGJj57C25Z0=';

const timestamped: SignatureSettings = { scheme: 'timestamped', secrets: [SECRET], toleranceSeconds: 300 };
const plain: SignatureSettings = { scheme: 'hmac-sha256', secrets: [SECRET], toleranceSeconds: 300 };
const raw = Buffer.from(BODY);

describe('timestamped scheme', () => {
  it('accepts the contract test vector', () => {
    expect(verifySignature(raw, `t=${T},v1=${V1}`, timestamped, T)).toEqual({ ok: true });
  });

  it('rejects the same body with one space added', () => {
    const spaced = Buffer.from(BODY.replace('"type":', '"type": '));
    expect(verifySignature(spaced, `t=${T},v1=${V1}`, timestamped, T)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts when any v1 entry matches (secret rotation) and any configured secret matches', () => {
    const other = 'a'.repeat(64);
    expect(verifySignature(raw, `t=${T},v1=${other},v1=${V1}`, timestamped, T)).toEqual({ ok: true });
    const rotated = { ...timestamped, secrets: ['whsec_old', SECRET] };
    expect(verifySignature(raw, `t=${T},v1=${V1}`, rotated, T)).toEqual({ ok: true });
  });

  it('rejects a wrong secret', () => {
    expect(verifySignature(raw, `t=${T},v1=${V1}`, { ...timestamped, secrets: ['whsec_other'] }, T)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects timestamps outside the tolerance, in the past and in the future', () => {
    expect(verifySignature(raw, `t=${T},v1=${V1}`, timestamped, T + 301)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(raw, `t=${T},v1=${V1}`, timestamped, T - 301)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(raw, `t=${T},v1=${V1}`, timestamped, T + 300)).toEqual({ ok: true });
  });

  it.each([
    ['', 'missing'],
    ['garbage', 'malformed'],
    [`v1=${V1}`, 'malformed'],
    [`t=${T}`, 'malformed'],
    [`t=abc,v1=${V1}`, 'malformed'],
    [`t=${T},v1=${V1.slice(0, 63)}`, 'malformed'],
    [`t=${T},v1=${V1}00`, 'malformed'],
    [`t=${T},t=${T},v1=${V1}`, 'malformed'],
  ])('header %j is %s, never an exception', (header, reason) => {
    expect(verifySignature(raw, header, timestamped, T)).toEqual({ ok: false, reason });
  });

  it('treats an absent header as missing', () => {
    expect(verifySignature(raw, undefined, timestamped, T)).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('hmac-sha256 (plain) scheme', () => {
  it('matches the contract hex and base64 values', () => {
    const computed = createHmac('sha256', SECRET).update(raw).digest();
    expect(computed.toString('hex')).toBe(PLAIN_HEX);
    expect(computed.toString('base64')).toBe(PLAIN_B64);
    expect(verifySignature(raw, PLAIN_HEX, plain)).toEqual({ ok: true });
    expect(verifySignature(raw, PLAIN_B64, plain)).toEqual({ ok: true });
  });

  it('rejects a tampered body and malformed values', () => {
    expect(verifySignature(Buffer.from(`${BODY} `), PLAIN_HEX, plain)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(raw, PLAIN_HEX.slice(2), plain)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(raw, `t=${T},v1=${V1}`, plain)).toEqual({ ok: false, reason: 'malformed' });
  });
});
