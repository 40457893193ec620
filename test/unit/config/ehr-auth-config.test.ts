import { generateKeyPairSync } from 'node:crypto';
import { describeEhrAuthEnv, parseEhrAuthConfig } from '../../../src/config/ehr-auth-config';
import { resolveFileVariables } from '../../../src/config/env';
import type { Env, ReadFile } from '../../../src/config/env';

/** What serve does: `_FILE` secrets resolved by the one rule of config/env.ts, then the auth settings read. */
function parseWithFiles(env: Env, readFile: ReadFile): { config?: unknown; problems: string[] } {
  const resolved = resolveFileVariables(env, readFile);
  const auth = parseEhrAuthConfig(resolved.env);
  return { config: auth.config, problems: [...resolved.problems, ...auth.problems] };
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const rsaPkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const ecP384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const ecP256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

describe('parseEhrAuthConfig', () => {
  it('defaults to none', () => {
    expect(parseEhrAuthConfig({})).toEqual({ config: { mode: 'none' }, problems: [] });
  });

  it('rejects an unknown mode', () => {
    expect(parseEhrAuthConfig({ FHIR_AUTH: 'basic' }).problems).toEqual([
      'FHIR_AUTH: must be one of none, bearer, client-credentials, smart-backend',
    ]);
  });

  it('bearer reads the token, or its _FILE', () => {
    expect(parseEhrAuthConfig({ FHIR_AUTH: 'bearer', FHIR_BEARER_TOKEN: 'abc' }).config).toEqual({
      mode: 'bearer',
      token: 'abc',
    });
    const fromFile = parseWithFiles({ FHIR_AUTH: 'bearer', FHIR_BEARER_TOKEN_FILE: '/run/secrets/t' }, (p) =>
      p === '/run/secrets/t' ? 'from-file\n' : '',
    );
    expect(fromFile.config).toEqual({ mode: 'bearer', token: 'from-file' });
    const unreadable = parseWithFiles({ FHIR_AUTH: 'bearer', FHIR_BEARER_TOKEN_FILE: '/nope' }, () => {
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    });
    expect(unreadable.problems).toEqual([
      'FHIR_BEARER_TOKEN_FILE: cannot read the file /nope (ENOENT)',
      'FHIR_BEARER_TOKEN: required when FHIR_AUTH=bearer',
    ]);
  });

  it('auth secrets follow the same _FILE rule as every other secret: both forms at once is a problem', () => {
    const both = parseWithFiles(
      { FHIR_AUTH: 'client-credentials', FHIR_CLIENT_SECRET: 'direct', FHIR_CLIENT_SECRET_FILE: '/run/secrets/s' },
      () => 'from-file',
    );
    expect(both.problems[0]).toBe(
      'FHIR_CLIENT_SECRET_FILE: both FHIR_CLIENT_SECRET and FHIR_CLIENT_SECRET_FILE are set; keep only one',
    );
    expect(both.problems.join(' ')).not.toContain('direct');
    expect(both.problems.join(' ')).not.toContain('from-file');
  });

  it('client-credentials names every missing or bad variable at once, without values', () => {
    const result = parseEhrAuthConfig({ FHIR_AUTH: 'client-credentials', FHIR_TOKEN_URL: 'ftp://secret-host/token' });
    expect(result.config).toBeUndefined();
    expect(result.problems).toEqual([
      'FHIR_TOKEN_URL: must be an http(s) URL',
      'FHIR_CLIENT_ID: required when FHIR_AUTH=client-credentials',
      'FHIR_CLIENT_SECRET: required when FHIR_AUTH=client-credentials',
    ]);
    expect(result.problems.join(' ')).not.toContain('secret-host');
  });

  it('client-credentials with everything set', () => {
    const env = {
      FHIR_AUTH: 'client-credentials',
      FHIR_TOKEN_URL: 'https://ehr/token',
      FHIR_CLIENT_ID: 'id',
      FHIR_CLIENT_SECRET: 'sec',
      FHIR_SCOPES: 'system/*.rs',
    };
    expect(parseEhrAuthConfig(env)).toEqual({
      config: {
        mode: 'client-credentials',
        tokenUrl: 'https://ehr/token',
        clientId: 'id',
        clientSecret: 'sec',
        scopes: 'system/*.rs',
      },
      problems: [],
    });
  });

  it('smart-backend picks the algorithm from the key and defaults the scopes', () => {
    const base = {
      FHIR_AUTH: 'smart-backend',
      FHIR_BASE_URL: 'https://ehr/fhir',
      FHIR_CLIENT_ID: 'c',
      FHIR_KEY_ID: 'k',
    };
    const rsaConfig = parseEhrAuthConfig({ ...base, FHIR_PRIVATE_KEY: rsaPkcs8 }).config;
    expect(rsaConfig).toMatchObject({
      mode: 'smart-backend',
      algorithm: 'RS384',
      fhirBaseUrl: 'https://ehr/fhir',
      tokenUrl: undefined,
      scopes: 'system/Patient.rs system/Encounter.rs system/DocumentReference.cu system/Observation.cu',
    });
    expect(parseEhrAuthConfig({ ...base, FHIR_PRIVATE_KEY: ecP384 }).config).toMatchObject({ algorithm: 'ES384' });
    // PKCS#1 pasted into a .env file with \n escapes still works, re-exported as PKCS#8.
    const escaped = parseEhrAuthConfig({ ...base, FHIR_PRIVATE_KEY: rsaPkcs1.replace(/\n/g, '\\n') }).config;
    expect(escaped).toMatchObject({
      algorithm: 'RS384',
      privateKeyPem: expect.stringContaining('-----BEGIN PRIVATE KEY-----'),
    });
  });

  it('smart-backend rejects unusable keys and a missing token endpoint', () => {
    const result = parseEhrAuthConfig({ FHIR_AUTH: 'smart-backend', FHIR_CLIENT_ID: 'c', FHIR_PRIVATE_KEY: ecP256 });
    expect(result.problems).toEqual([
      'FHIR_TOKEN_URL: required when FHIR_BASE_URL is not set (token endpoint discovery)',
      'FHIR_KEY_ID: required when FHIR_AUTH=smart-backend',
      'FHIR_PRIVATE_KEY: must be an RSA key (RS384) or a P-384 EC key (ES384)',
    ]);
    expect(
      parseEhrAuthConfig({
        FHIR_AUTH: 'smart-backend',
        FHIR_TOKEN_URL: 'https://t',
        FHIR_CLIENT_ID: 'c',
        FHIR_KEY_ID: 'k',
        FHIR_PRIVATE_KEY: 'garbage',
      }).problems,
    ).toEqual(['FHIR_PRIVATE_KEY: not a readable unencrypted PEM private key']);
    expect(
      parseEhrAuthConfig({
        FHIR_AUTH: 'smart-backend',
        FHIR_TOKEN_URL: 'https://t',
        FHIR_CLIENT_ID: 'c',
        FHIR_KEY_ID: 'k',
        FHIR_PRIVATE_KEY: rsaPkcs8,
        FHIR_JWT_ALG: 'ES384',
      }).problems,
    ).toEqual(['FHIR_JWT_ALG: does not match the key type (RS384)']);
  });

  it('describeEhrAuthEnv lists the variables of each mode', () => {
    const byMode = Object.fromEntries(describeEhrAuthEnv().map((d) => [d.mode, d.required]));
    expect(byMode).toEqual({
      none: [],
      bearer: ['FHIR_BEARER_TOKEN'],
      'client-credentials': ['FHIR_TOKEN_URL', 'FHIR_CLIENT_ID', 'FHIR_CLIENT_SECRET'],
      'smart-backend': ['FHIR_CLIENT_ID', 'FHIR_PRIVATE_KEY', 'FHIR_KEY_ID'],
    });
  });
});
