import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { createFhirClient } from '../../src/ehr/fhir-client';
import { createSmartBackendAuth } from '../../src/ehr/auth/smart-backend-auth';
import { generateSigningKey } from '../../src/ehr/auth/signing-keys';
import type { SigningKey } from '../../src/ehr/auth/signing-keys';
import { JWT_BEARER, seedSandbox, startSandbox } from '../../src/tools/sandbox';
import type { RunningSandbox } from '../../src/tools/sandbox';
import { epicNote } from '../support/vendor-emulator';

const CLIENT_ID = 'pulsara-bridge-test';
const NARROW_CLIENT_ID = 'read-only-client';

let key: SigningKey;
let stranger: SigningKey;
let sandbox: RunningSandbox;

beforeAll(async () => {
  key = await generateSigningKey('RS384');
  stranger = await generateSigningKey('RS384');
  sandbox = await startSandbox({
    port: 0,
    profile: 'epic',
    smart: {
      clients: [
        { clientId: CLIENT_ID, jwks: key.jwks },
        { clientId: NARROW_CLIENT_ID, jwks: key.jwks, scopes: 'system/Patient.rs' },
      ],
      tokenLifetimeSeconds: 600,
    },
  });
});

afterAll(async () => {
  await sandbox.close();
});

interface AssertionOptions {
  claims?: JWTPayload;
  alg?: string;
  kid?: string;
  signer?: SigningKey;
  expiresIn?: number;
}

/** A client assertion as a SMART client signs it; each option spoils one part. */
async function assertion(options: AssertionOptions = {}): Promise<string> {
  const signer = options.signer ?? key;
  const alg = options.alg ?? 'RS384';
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: CLIENT_ID,
    sub: CLIENT_ID,
    aud: sandbox.tokenUrl,
    jti: randomUUID(),
    exp: now + (options.expiresIn ?? 240),
    ...options.claims,
  };
  return new SignJWT(Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)))
    .setProtectedHeader({ alg, kid: options.kid ?? key.keyId, typ: 'JWT' })
    .sign(await importPKCS8(signer.privateKeyPem, alg));
}

async function requestToken(
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(sandbox.tokenUrl ?? '', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

async function grant(clientAssertion: string, scope = 'system/Patient.rs system/DocumentReference.cu') {
  return requestToken({
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: clientAssertion,
    scope,
  });
}

describe('sandbox SMART token endpoint', () => {
  it('is discovered at <base>/.well-known/smart-configuration and named in /metadata, both without a token', async () => {
    const config = (await (await fetch(`${sandbox.baseUrl}/.well-known/smart-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      token_endpoint: sandbox.tokenUrl,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    });
    const metadata = await fetch(`${sandbox.baseUrl}/metadata`);
    expect(metadata.status).toBe(200);
    expect(JSON.stringify(await metadata.json())).toContain(sandbox.tokenUrl);
  });

  it('grants an expiring opaque token with the scopes asked', async () => {
    const answer = await grant(await assertion());
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      token_type: 'bearer',
      expires_in: 600,
      scope: 'system/Patient.rs system/DocumentReference.cu',
    });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['a signature by another key under our kid', () => assertion({ signer: stranger }), /signature does not verify/],
    [
      'a key the JWKS does not hold',
      () => assertion({ signer: stranger, kid: stranger.keyId }),
      /no key of the registered JWKS/,
    ],
    [
      'the FHIR base as aud',
      () => assertion({ claims: { aud: sandbox.baseUrl } }),
      /aud must be the token endpoint URL/,
    ],
    ['exp 10 minutes ahead', () => assertion({ expiresIn: 600 }), /exp is more than 300 seconds ahead/],
    ['an expired assertion', () => assertion({ expiresIn: -10 }), /has expired/],
    [
      'an unknown client',
      () => assertion({ claims: { iss: 'someone-else', sub: 'someone-else' } }),
      /iss is not a registered client id/,
    ],
    ['sub other than iss', () => assertion({ claims: { sub: 'another' } }), /sub must equal iss/],
    ['no jti', () => assertion({ claims: { jti: undefined } }), /claim jti is missing/],
    ['RS256', () => assertion({ alg: 'RS256' }), /alg must be RS384 or ES384/],
  ])('refuses %s with 401 invalid_client', async (_name, make, reason) => {
    const before = { ...sandbox.smart!.counters };
    const answer = await grant(await make());
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_client');
    expect(answer.body.error_description).toMatch(reason);
    expect(answer.body.access_token).toBeUndefined();
    expect(sandbox.smart!.counters.tokenRequests).toBe(before.tokenRequests + 1);
    expect(sandbox.smart!.counters.tokenRefusals).toBe(before.tokenRefusals + 1);
    expect(sandbox.smart!.counters.tokensIssued).toBe(before.tokensIssued);
  });

  it('refuses a replayed assertion (same jti)', async () => {
    const once = await assertion();
    expect((await grant(once)).status).toBe(200);
    const again = await grant(once);
    expect(again.status).toBe(401);
    expect(again.body.error_description).toMatch(/jti has already been used/);
  });

  it('refuses other grant types, a missing assertion, and scopes the client may not have', async () => {
    const wrongGrant = await requestToken({ grant_type: 'password', client_assertion_type: JWT_BEARER });
    expect(wrongGrant).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const noAssertion = await requestToken({ grant_type: 'client_credentials', scope: 'system/Patient.rs' });
    expect(noAssertion).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const narrow = await assertion({ claims: { iss: NARROW_CLIENT_ID, sub: NARROW_CLIENT_ID } });
    expect(await grant(narrow, 'system/DocumentReference.cu')).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
  });

  it('guards FHIR calls: 401 without or with a bad token, 403 without the scope, 200 with it', async () => {
    const subject = await seedSandbox(sandbox.repo);
    const search = `${sandbox.baseUrl}/Patient?_id=${subject.patientId}`;
    const none = await fetch(search);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=".*", error="invalid_token"/);
    expect(((await none.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect((await fetch(search, { headers: { Authorization: 'Bearer made-up' } })).status).toBe(401);

    const narrow = await assertion({ claims: { iss: NARROW_CLIENT_ID, sub: NARROW_CLIENT_ID } });
    const token = (await grant(narrow, 'system/Patient.rs')).body.access_token as string;
    const auth = { Authorization: `Bearer ${token}` };
    expect((await fetch(search, { headers: auth })).status).toBe(200);
    const write = await fetch(`${sandbox.baseUrl}/DocumentReference`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(epicNote(subject)),
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it("grants the bridge's own smart-backend auth, found by discovery, and the bridge writes with it", async () => {
    const subject = await seedSandbox(sandbox.repo);
    const before = sandbox.smart!.counters.tokensIssued;
    const auth = createSmartBackendAuth({
      mode: 'smart-backend',
      fhirBaseUrl: sandbox.baseUrl,
      clientId: CLIENT_ID,
      keyId: key.keyId,
      privateKeyPem: key.privateKeyPem,
      algorithm: 'RS384',
      scopes: 'system/Patient.rs system/Encounter.rs system/DocumentReference.cu system/Observation.cu',
    });
    const client = createFhirClient({ baseUrl: sandbox.baseUrl, auth });
    const created = await client.post('DocumentReference', epicNote(subject));
    expect(created.status).toBe(201);
    expect(created.headers.location).toMatch(/^DocumentReference\//);
    expect(sandbox.smart!.counters.tokensIssued).toBe(before + 1);
  });
});
