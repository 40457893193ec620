import type { Response } from 'express';
import { createNoAuth } from '../../../../src/ehr/auth/static-auth';
import { createFhirClient } from '../../../../src/ehr/fhir-client';
import { createDeliveryWriter } from '../../../../src/ehr/writer';
import { idFromLocation, statusCode } from '../../../../src/ehr/writer/step-response';
import { BridgeError } from '../../../../src/shared/errors';
import { deliveryRequest } from '../support/delivery-fixture';
import { startHttpStub } from '../support/http-stub';
import type { HttpStub } from '../support/http-stub';

const subject = { patient: { reference: 'Patient/p1' }, patientId: 'p1' };
const request = deliveryRequest({
  channelId: 'pc_stub',
  subject,
  pdf: 'v1',
  times: { ed_arrival: '2026-11-25T19:02:40Z' },
});
const emptySearch = { resourceType: 'Bundle', type: 'searchset', entry: [] };

describe('delivery writer against a struggling EHR', () => {
  const stubs: HttpStub[] = [];
  afterEach(async () => {
    await Promise.all(stubs.splice(0).map((s) => s.close()));
  });

  async function ehr(onTransaction: (res: Response) => void, searchStatus = 200): Promise<HttpStub> {
    const stub = await startHttpStub((app) => {
      app.get('/fhir/:type', (_req, res) => {
        if (searchStatus === 429) {
          res.status(429).set('Retry-After', '11').json({});
          return;
        }
        res.json(emptySearch);
      });
      app.post('/fhir', (_req, res) => onTransaction(res));
    });
    stubs.push(stub);
    return stub;
  }

  async function writeAgainst(stub: HttpStub): Promise<BridgeError> {
    const client = createFhirClient({ baseUrl: `${stub.url}/fhir`, auth: createNoAuth() });
    const err = await createDeliveryWriter({ client, dialect: 'transaction' })(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    return err as BridgeError;
  }

  it('a 503 on the transaction is ehr-unavailable with the server-asked delay', async () => {
    const stub = await ehr((res) =>
      res
        .status(503)
        .set('Retry-After', '30')
        .json({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'transient', diagnostics: 'maintenance' }],
        }),
    );
    expect(await writeAgainst(stub)).toMatchObject({
      code: 'ehr-unavailable',
      schedule: 'backoff',
      retryAfterMs: 30_000,
    });
  });

  it('a 429 on the planning searches is ehr-rate-limited', async () => {
    const stub = await ehr(() => undefined, 429);
    expect(await writeAgainst(stub)).toMatchObject({
      code: 'ehr-rate-limited',
      schedule: 'backoff',
      retryAfterMs: 11_000,
    });
  });

  it('a 412 on the transaction (stale If-Match, ambiguous match) is a permanent ehr-conflict', async () => {
    const stub = await ehr((res) =>
      res.status(412).json({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'conflict', diagnostics: 'Precondition Failed' }],
      }),
    );
    expect(await writeAgainst(stub)).toMatchObject({
      code: 'ehr-conflict',
      schedule: 'none',
      message: expect.stringContaining('Precondition Failed'),
    });
  });

  it('a transaction-response that does not match the request is retried (re-planned), not trusted', async () => {
    const stub = await ehr((res) =>
      res.status(200).json({
        resourceType: 'Bundle',
        type: 'transaction-response',
        entry: [{ response: { status: '201 Created', location: 'DocumentReference/d1/_history/1' } }],
      }),
    );
    expect(await writeAgainst(stub)).toMatchObject({ code: 'ehr-unavailable', schedule: 'backoff' });
  });

  it('reads created/unchanged per entry from a transaction-response', async () => {
    const stub = await ehr((res) =>
      res.status(200).json({
        resourceType: 'Bundle',
        type: 'transaction-response',
        entry: [
          { response: { status: '201 Created', location: 'http://ehr/fhir/DocumentReference/d1/_history/1' } },
          { response: { status: '200 OK', location: 'Observation/o9/_history/3' } },
        ],
      }),
    );
    const client = createFhirClient({ baseUrl: `${stub.url}/fhir`, auth: createNoAuth() });
    const outcome = await createDeliveryWriter({ client, dialect: 'transaction' })(request);
    expect(outcome).toMatchObject({
      documentReferenceId: 'd1',
      observationIds: { ed_arrival: 'o9' },
      created: 1,
      unchanged: 1,
      updated: 0,
    });
  });
});

describe('transaction-response parsing', () => {
  it.each([
    ['201 Created', 201],
    ['200', 200],
    [' 412 Precondition Failed', 412],
    [undefined, undefined],
  ])('status %p is %p', (status, code) => {
    expect(statusCode(status)).toBe(code);
  });

  it.each([
    ['Observation/abc/_history/2', 'abc'],
    ['https://ehr.example.org/fhir/Observation/e.Xy-1', 'e.Xy-1'],
    ['https://ehr.example.org/fhir/Patient/1/_history/2', undefined],
    [undefined, undefined],
  ])('location %p names Observation %p', (location, id) => {
    expect(idFromLocation(location, 'Observation')).toBe(id);
  });
});
