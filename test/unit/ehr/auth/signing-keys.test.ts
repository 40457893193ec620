import { generateKeyPairSync } from 'node:crypto';
import { generateSigningKey, signingKeyFromPem } from '../../../../src/ehr/auth/signing-keys';

describe('signing keys', () => {
  it('derives a stable kid (the JWK thumbprint) from the key, whatever its PEM form', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const a = await signingKeyFromPem(pkcs1);
    const b = await signingKeyFromPem(pkcs8);
    expect(a.keyId).toBe(b.keyId);
    expect(a.keyId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.privateKeyPem).toBe(pkcs8);
  });

  it('makes RSA 2048 for RS384 and P-384 for ES384', async () => {
    const rsa = await generateSigningKey('RS384');
    expect(rsa.jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS384', use: 'sig' });
    expect(Buffer.from(rsa.jwks.keys[0].n ?? '', 'base64url').length * 8).toBe(2048);
    const ec = await generateSigningKey('ES384');
    expect(ec.jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
  });

  it('refuses keys SMART does not allow', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    await expect(signingKeyFromPem(small.export({ type: 'pkcs8', format: 'pem' }).toString())).rejects.toThrow(
      /1024 bits: use 2048 or more/,
    );
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expect(signingKeyFromPem(p256.export({ type: 'pkcs8', format: 'pem' }).toString())).rejects.toThrow(/P-384/);
    await expect(signingKeyFromPem('not a key')).rejects.toMatchObject({ code: 'config-invalid' });
  });
});
