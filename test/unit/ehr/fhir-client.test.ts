import type { Patient } from '@medplum/fhirtypes';
import { createFhirClient } from '../../../src/ehr/fhir-client';
import { createBearerAuth, createNoAuth } from '../../../src/ehr/auth/static-auth';
import type { EhrAuth } from '../../../src/ehr/auth/types';
import { BridgeError } from '../../../src/shared/errors';
import { startFhirTestServer } from './support/fhir-test-server';
import type { FhirTestServer } from './support/fhir-test-server';
import { startHttpStub } from './support/http-stub';
import type { HttpStub } from './support/http-stub';

async function failure(promise: Promise<unknown>): Promise<BridgeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof BridgeError)) {
    throw new Error(`expected a BridgeError, got ${String(err)}`);
  }
  return err;
}

describe('createFhirClient', () => {
  let fhir: FhirTestServer;
  const stubs: HttpStub[] = [];
  beforeAll(async () => {
    fhir = await startFhirTestServer();
  });
  afterAll(async () => {
    await fhir.close();
  });
  afterEach(async () => {
    await Promise.all(stubs.splice(0).map((s) => s.close()));
  });

  it('creates, reads and searches with FHIR JSON headers', async () => {
    const client = createFhirClient({ baseUrl: `${fhir.baseUrl}/`, auth: createNoAuth() });
    const created = await client.post<Patient>('Patient', {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:mrn', value: 'A&1 2+3' }],
    });
    expect(created.status).toBe(201);
    expect(created.body?.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(created.headers.location).toContain(`Patient/${created.body?.id}`);

    const read = await client.get<Patient>(`Patient/${created.body?.id}`);
    expect(read.identifier?.[0].value).toBe('A&1 2+3');

    const bundle = await client.search('Patient', { identifier: 'urn:mrn|A&1 2+3' });
    expect(bundle.entry?.map((e) => e.resource?.id)).toEqual([created.body?.id]);

    const post = fhir.requests.find((r) => r.method === 'POST');
    expect(post?.headers.accept).toBe('application/fhir+json');
    expect(post?.headers['content-type']).toContain('application/fhir+json');
    expect((await client.capabilities()).resourceType).toBe('CapabilityStatement');
  });

  it('keeps the OperationOutcome of a rejected write in the error detail', async () => {
    const client = createFhirClient({ baseUrl: fhir.baseUrl, auth: createNoAuth() });
    const err = await failure(
      client.post('Observation', {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        valueDateTime: 'yesterday',
      } as never),
    );
    expect(err.code).toBe('ehr-rejected');
    expect(err.retryable).toBe(false);
    const detail = err.detail as {
      status: number;
      request: string;
      issues: { severity: string; code: string; diagnostics?: string; expression?: string[] }[];
    };
    expect(detail.status).toBe(400);
    expect(detail.request).toBe('POST Observation');
    expect(detail.issues[0]).toMatchObject({ severity: 'error', expression: ['Observation.value[x]'] });
    expect(err.message).toContain(detail.issues[0].diagnostics);
  });

  describe('against a misbehaving server', () => {
    async function stub(
      status: number,
      headers: Record<string, string> = {},
      body: unknown = {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'processing', diagnostics: 'nope' }],
      },
    ): Promise<HttpStub> {
      const s = await startHttpStub((app) => {
        app.use((_req, res) => {
          res.status(status).set(headers).json(body);
        });
      });
      stubs.push(s);
      return s;
    }

    it.each([
      [429, 'ehr-rate-limited', 'backoff', { 'Retry-After': '7' }, 7000],
      [503, 'ehr-unavailable', 'backoff', { 'Retry-After': '2' }, 2000],
      [500, 'ehr-unavailable', 'backoff', {}, undefined],
      [403, 'ehr-auth', 'none', {}, undefined],
      [412, 'ehr-conflict', 'none', {}, undefined],
      [422, 'ehr-rejected', 'none', {}, undefined],
    ])('an answer %i becomes %s (%s)', async (status, code, schedule, headers, retryAfterMs) => {
      const s = await stub(status, headers);
      const client = createFhirClient({ baseUrl: `${s.url}/fhir`, auth: createNoAuth() });
      const err = await failure(client.search('Patient', { identifier: 'urn:mrn|SECRET-MRN' }));
      expect({ code: err.code, schedule: err.schedule, retryAfterMs: err.retryAfterMs }).toEqual({
        code,
        schedule,
        retryAfterMs,
      });
      expect(err.message).not.toContain('SECRET-MRN');
    });

    it('refreshes the token once on a 401, then gives up with ehr-auth', async () => {
      const seen: (string | undefined)[] = [];
      const s = await startHttpStub((app) => {
        app.use((req, res) => {
          seen.push(req.headers.authorization);
          if (req.headers.authorization === 'Bearer fresh') {
            res.status(200).json({ resourceType: 'Bundle', type: 'searchset' });
          } else {
            res.status(401).json({});
          }
        });
      });
      stubs.push(s);
      let issued = 0;
      const tokens = ['stale', 'fresh'];
      const rotating: EhrAuth = {
        headers: async () => ({ Authorization: `Bearer ${tokens[Math.min(issued, 1)]}` }),
        invalidate: () => void issued++,
      };
      const client = createFhirClient({ baseUrl: s.url, auth: rotating });
      await expect(client.search('Patient', {})).resolves.toMatchObject({ resourceType: 'Bundle' });
      expect(seen).toEqual(['Bearer stale', 'Bearer fresh']);

      const stuck = createFhirClient({ baseUrl: s.url, auth: createBearerAuth('revoked') });
      const err = await failure(stuck.search('Patient', {}));
      expect(err.code).toBe('ehr-auth');
      expect(seen.slice(2)).toEqual(['Bearer revoked', 'Bearer revoked']);
    });

    it('a timeout or a refused connection is ehr-unavailable with backoff', async () => {
      const s = await startHttpStub((app) => {
        app.use(() => {
          // Never answers: the client's own timeout is the only way out (the stub's close() ends the request).
        });
      });
      stubs.push(s);
      // A real wait of timeoutMs: the timeout itself is what is under test.
      const slow = createFhirClient({ baseUrl: s.url, auth: createNoAuth(), timeoutMs: 50 });
      expect(await failure(slow.get('Patient/1'))).toMatchObject({ code: 'ehr-unavailable', schedule: 'backoff' });

      const closed = await startHttpStub(() => undefined);
      const url = closed.url;
      await closed.close();
      const refused = createFhirClient({ baseUrl: url, auth: createNoAuth() });
      const err = await failure(refused.get('Patient/1'));
      expect(err).toMatchObject({ code: 'ehr-unavailable', schedule: 'backoff' });
      expect(err.message).toContain('ECONNREFUSED');
    });

    it('an HTML error page from a proxy still classifies by status', async () => {
      const s = await startHttpStub((app) => {
        app.use((_req, res) => {
          res.status(502).type('text/html').send('<html>bad gateway</html>');
        });
      });
      stubs.push(s);
      const client = createFhirClient({ baseUrl: s.url, auth: createNoAuth() });
      expect(await failure(client.get('metadata'))).toMatchObject({
        code: 'ehr-unavailable',
        detail: { status: 502, request: 'GET metadata', issues: undefined },
      });
    });
  });
});
