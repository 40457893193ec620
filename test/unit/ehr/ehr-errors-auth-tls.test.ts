import { AxiosError } from 'axios';
import { createFhirClient } from '../../../src/ehr/fhir-client';
import { credentialsRefused, networkFailure } from '../../../src/ehr/ehr-errors';
import type { EhrAuth } from '../../../src/ehr/auth/types';
import type { BridgeError } from '../../../src/shared/errors';
import { startHttpStub } from './support/http-stub';

describe('credentials refused by the EHR', () => {
  it('a 401 after the refresh names what to check and keeps the OperationOutcome text', () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'login', diagnostics: 'client disabled' }],
    };
    const err = credentialsRefused(401, outcome, 'POST Observation', 'FHIR_CLIENT_ID "bridge"');
    expect(err).toMatchObject({
      code: 'ehr-auth',
      schedule: 'none',
      detail: { status: 401, request: 'POST Observation' },
    });
    expect(err.message).toBe(
      'The EHR refused our credentials on POST Observation (401), again with a freshly obtained token (client disabled); check FHIR_CLIENT_ID "bridge"',
    );
  });

  it('a search refused twice names neither the query (an MRN) nor the token', async () => {
    const stub = await startHttpStub((app) => {
      app.use((_req, res) => {
        res.status(401).json({});
      });
    });
    try {
      const auth: EhrAuth = {
        headers: async () => ({ Authorization: 'Bearer secret-token-value' }),
        invalidate: () => undefined,
        hint: 'FHIR_CLIENT_ID "bridge"',
      };
      const err = (await createFhirClient({ baseUrl: stub.url, auth })
        .search('Patient', { identifier: 'urn:mrn|E4410982' })
        .catch((e: unknown) => e)) as BridgeError;
      expect(err.code).toBe('ehr-auth');
      expect(err.message).toContain('GET Patient (401)');
      expect(`${err.message} ${JSON.stringify(err.detail)}`).not.toMatch(/E4410982|secret-token-value/);
    } finally {
      await stub.close();
    }
  });

  it('a 403 says the credentials may not do it, without a refresh', async () => {
    let calls = 0;
    const stub = await startHttpStub((app) => {
      app.use((_req, res) => {
        calls++;
        res.status(403).json({});
      });
    });
    try {
      let invalidated = 0;
      const auth: EhrAuth = {
        headers: async () => ({ Authorization: 'Bearer secret-token-value' }),
        invalidate: () => void invalidated++,
        hint: 'the scopes',
      };
      const err = (await createFhirClient({ baseUrl: stub.url, auth })
        .post('Provenance', { resourceType: 'Provenance' } as never)
        .catch((e: unknown) => e)) as BridgeError;
      expect(err.message).toBe(
        'The EHR refused POST Provenance (403): these credentials are not allowed to do it; check the scopes',
      );
      expect(err.message).not.toContain('secret-token-value');
      expect({ calls, invalidated }).toEqual({ calls: 1, invalidated: 0 });
    } finally {
      await stub.close();
    }
  });
});

describe('TLS failures', () => {
  const tlsError = (code: string, message = code): AxiosError => new AxiosError(message, code);

  it.each([
    ['SELF_SIGNED_CERT_IN_CHAIN', 'set FHIR_CA_FILE'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'set FHIR_CA_FILE'],
    ['CERT_HAS_EXPIRED', 'renew it'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'host of FHIR_BASE_URL'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'FHIR_CLIENT_CERT_FILE and FHIR_CLIENT_KEY_FILE'],
  ])('%s says what to set', (code, advice) => {
    const err = networkFailure(tlsError(code), 'GET metadata');
    expect(err).toMatchObject({ code: 'ehr-unavailable', schedule: 'backoff' });
    expect(err.message).toContain(`TLS to the EHR failed on GET metadata (${code})`);
    expect(err.message).toContain(advice);
  });

  it('other network failures keep their plain message', () => {
    expect(networkFailure(tlsError('ECONNREFUSED'), 'GET metadata').message).toBe(
      'The EHR did not answer GET metadata (ECONNREFUSED)',
    );
  });
});
