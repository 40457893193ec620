import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadServeConfig } from '../../src/config/serve-config';
import { createEhrAuth } from '../../src/ehr/auth';
import { generateSigningKey } from '../../src/ehr/auth/signing-keys';
import type { SigningKey } from '../../src/ehr/auth/signing-keys';
import { createFhirClient } from '../../src/ehr/fhir-client';
import { createEhrTransport } from '../../src/ehr/transport';
import { BridgeError } from '../../src/shared/errors';
import { createSandboxApp, seedSandbox } from '../../src/tools/sandbox';
import type { SandboxApp } from '../../src/tools/sandbox';
import { createTestPki } from '../support/test-pki';
import type { TestPki } from '../support/test-pki';

/**
 * A hospital-network EHR: an HTTPS FHIR endpoint (and SMART token endpoint) with a
 * certificate from the hospital's own CA, that asks every client for a certificate too.
 */
let pki: TestPki;
let key: SigningKey;
let sandbox: SandboxApp;
let server: Server;
let baseUrl: string;

const CLIENT_ID = 'bridge-over-tls';

beforeAll(async () => {
  pki = createTestPki();
  key = await generateSigningKey('ES384');
  sandbox = await createSandboxApp({ profile: 'epic', smart: { clients: [{ clientId: CLIENT_ID, jwks: key.jwks }] } });
  await seedSandbox(sandbox.repo);
  server = createServer(
    {
      key: pki.read(pki.serverKeyFile),
      cert: pki.read(pki.serverCertFile),
      ca: [pki.read(pki.caCertFile)],
      requestCert: true,
      rejectUnauthorized: true,
    },
    sandbox.app,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  pki.remove();
});

/** The bridge's FHIR client, built from `serve`'s own configuration as bridge.ts builds it. */
function clientFromEnv(env: Record<string, string>) {
  const config = loadServeConfig({
    PULSARA_API_BASE_URL: 'http://127.0.0.1:1',
    PULSARA_API_TOKEN: 't',
    PULSARA_WEBHOOK_SECRETS: 's',
    FHIR_BASE_URL: baseUrl,
    FHIR_AUTH: 'smart-backend',
    FHIR_CLIENT_ID: CLIENT_ID,
    FHIR_KEY_ID: key.keyId,
    FHIR_PRIVATE_KEY: key.privateKeyPem,
    ...env,
  });
  const transport = createEhrTransport(config.fhir.tls);
  return createFhirClient({ baseUrl, auth: createEhrAuth(config.fhir.auth, transport), transport });
}

async function failure(promise: Promise<unknown>): Promise<BridgeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BridgeError);
  return err as BridgeError;
}

const mutualTls = (): Record<string, string> => ({
  FHIR_CA_FILE: pki.caCertFile,
  FHIR_CLIENT_CERT_FILE: pki.clientCertFile,
  FHIR_CLIENT_KEY_FILE: pki.clientKeyFile,
});

describe('FHIR and token calls over TLS with a private CA and mutual TLS', () => {
  it('discovers the token endpoint, gets a token and searches, all through the private CA and client certificate', async () => {
    const before = sandbox.smart?.counters.tokensIssued ?? 0;
    const client = clientFromEnv(mutualTls());
    const found = await client.search('Patient', { _id: 'nobody' });
    expect(found.resourceType).toBe('Bundle');
    expect(sandbox.smart?.counters.tokensIssued).toBe(before + 1);
  });

  it('without FHIR_CA_FILE the call fails as ehr-unavailable, naming FHIR_CA_FILE', async () => {
    const { FHIR_CLIENT_CERT_FILE, FHIR_CLIENT_KEY_FILE } = mutualTls();
    const err = await failure(clientFromEnv({ FHIR_CLIENT_CERT_FILE, FHIR_CLIENT_KEY_FILE }).capabilities());
    expect(err.code).toBe('ehr-unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(
      /TLS to the EHR failed on GET \.well-known\/smart-configuration \(SELF_SIGNED_CERT_IN_CHAIN\).*set FHIR_CA_FILE to its PEM bundle/,
    );
  });

  it('a bundle of another CA does not make the EHR trusted', async () => {
    const err = await failure(clientFromEnv({ ...mutualTls(), FHIR_CA_FILE: pki.otherCaCertFile }).capabilities());
    expect(err.message).toContain('FHIR_CA_FILE');
  });

  it('without a client certificate the handshake is refused, and the message names FHIR_CLIENT_CERT_FILE', async () => {
    const err = await failure(clientFromEnv({ FHIR_CA_FILE: pki.caCertFile }).search('Patient', { _id: 'x' }));
    expect(err.code).toBe('ehr-unavailable');
    expect(err.message).toMatch(
      /TLS to the EHR failed on GET \.well-known\/smart-configuration .*FHIR_CLIENT_CERT_FILE/,
    );
  });
});
