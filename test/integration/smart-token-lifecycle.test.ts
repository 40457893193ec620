import { createFhirClient } from '../../src/ehr/fhir-client';
import { createSmartBackendAuth } from '../../src/ehr/auth/smart-backend-auth';
import { generateSigningKey } from '../../src/ehr/auth/signing-keys';
import type { SigningKey } from '../../src/ehr/auth/signing-keys';
import type { SmartBackendAuthConfig } from '../../src/config/settings';
import type { FhirClient } from '../../src/ehr/types';
import { BridgeError } from '../../src/shared/errors';
import { seedSandbox, startSandbox } from '../../src/tools/sandbox';
import type { RunningSandbox, SeededSubject } from '../../src/tools/sandbox';
import { epicNote } from '../support/vendor-emulator';

/**
 * The bridge's token caching and refresh, end to end against the Epic emulator's token
 * endpoint, counted at the emulator. Both sides get a clock of their own, moved by the
 * test: the bridge renews early by its clock, the EHR expires tokens by its own.
 */
const CLIENT_ID = 'pulsara-bridge-lifecycle';
const LIFETIME_SECONDS = 120;

let key: SigningKey;
let ehr: RunningSandbox;
let subject: SeededSubject;
let ehrNow: number;
let bridgeNow: number;
let client: FhirClient;

function authConfig(overrides: Partial<SmartBackendAuthConfig> = {}): SmartBackendAuthConfig {
  return {
    mode: 'smart-backend',
    fhirBaseUrl: ehr.baseUrl,
    clientId: CLIENT_ID,
    keyId: key.keyId,
    privateKeyPem: key.privateKeyPem,
    algorithm: 'RS384',
    scopes: 'system/Patient.rs system/Encounter.rs system/DocumentReference.cu system/Observation.cu',
    ...overrides,
  };
}

beforeAll(async () => {
  key = await generateSigningKey('RS384');
  ehrNow = Date.now();
  bridgeNow = ehrNow;
  ehr = await startSandbox({
    port: 0,
    profile: 'epic',
    smart: {
      clients: [{ clientId: CLIENT_ID, jwks: key.jwks }],
      tokenLifetimeSeconds: LIFETIME_SECONDS,
      now: () => ehrNow,
    },
  });
  subject = await seedSandbox(ehr.repo);
  const auth = createSmartBackendAuth(authConfig(), { now: () => bridgeNow });
  client = createFhirClient({ baseUrl: ehr.baseUrl, auth });
});

afterAll(async () => {
  await ehr.close();
});

async function writeNotes(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    expect((await client.post('DocumentReference', epicNote(subject, `note ${i}`))).status).toBe(201);
  }
}

describe('SMART token caching and refresh against the emulator', () => {
  it('uses one token for many writes', async () => {
    await writeNotes(5);
    await client.search('Patient', { _id: subject.patientId });
    expect(ehr.smart!.counters).toMatchObject({ tokenRequests: 1, tokensIssued: 1, unauthorizedRequests: 0 });
  });

  it('gets a new token when the EHR expired it (a 401, then one retry that succeeds)', async () => {
    ehrNow += (LIFETIME_SECONDS + 1) * 1000;
    await writeNotes(2);
    expect(ehr.smart!.counters).toMatchObject({ tokenRequests: 2, tokensIssued: 2, unauthorizedRequests: 1 });
  });

  it('renews before expiry by its own clock, without a 401', async () => {
    ehrNow += 61_000;
    bridgeNow += 61_000;
    await writeNotes(2);
    expect(ehr.smart!.counters).toMatchObject({ tokenRequests: 3, tokensIssued: 3, unauthorizedRequests: 1 });
  });

  it('gets a new token after the EHR revoked it (401)', async () => {
    ehr.smart!.revokeTokens();
    await writeNotes(3);
    expect(ehr.smart!.counters).toMatchObject({ tokenRequests: 4, tokensIssued: 4, unauthorizedRequests: 2 });
  });

  it('fails clearly when a fresh token is refused too, naming the client and scopes, never the token', async () => {
    // Tokens from another EHR's token endpoint (a wrong FHIR_TOKEN_URL): each one is refused here.
    const elsewhere = await startSandbox({ port: 0, smart: { clients: [{ clientId: CLIENT_ID, jwks: key.jwks }] } });
    try {
      const auth = createSmartBackendAuth(authConfig({ tokenUrl: elsewhere.tokenUrl }));
      const misdirected = createFhirClient({ baseUrl: ehr.baseUrl, auth });
      const err = await misdirected.post('DocumentReference', epicNote(subject)).then(
        () => undefined,
        (e: unknown) => e as BridgeError,
      );
      expect(err).toBeInstanceOf(BridgeError);
      expect(err?.code).toBe('ehr-auth');
      expect(err?.retryable).toBe(false);
      expect(err?.message).toContain('POST DocumentReference (401), again with a freshly obtained token');
      expect(err?.message).toContain(`FHIR_CLIENT_ID "${CLIENT_ID}"`);
      expect(err?.message).toContain('FHIR_SCOPES "system/Patient.rs');
      const issued = (await auth.headers()).Authorization.replace('Bearer ', '');
      expect(err?.message).not.toContain(issued);
      expect(JSON.stringify(err?.detail)).not.toContain(issued);
      // One token, one refresh: the bridge does not hammer the token endpoint.
      expect(elsewhere.smart!.counters.tokenRequests).toBe(2);
    } finally {
      await elsewhere.close();
    }
  });
});
