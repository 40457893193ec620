import { createNoAuth } from '../../../../src/ehr/auth/static-auth';
import { createFhirClient } from '../../../../src/ehr/fhir-client';
import type { FhirClient } from '../../../../src/ehr/types';
import { createDeliveryWriter } from '../../../../src/ehr/writer';
import { startFhirTestServer } from '../support/fhir-test-server';
import type { FhirTestServer } from '../support/fhir-test-server';
import { deliveryRequest, registerSubject } from '../support/delivery-fixture';

/**
 * The sequential dialect against a server that behaves like Epic: no conditional create
 * (If-None-Exist ignored), and writes answered with an empty body plus a Location.
 */
describe.each(['unless-prefer', 'always'] as const)(
  'sequential writer on an Epic-like server (empty write bodies %s)',
  (emptyWriteBody) => {
    let server: FhirTestServer;
    let client: FhirClient;
    beforeAll(async () => {
      server = await startFhirTestServer({ ignoreIfNoneExist: true, emptyWriteBody });
      client = createFhirClient({ baseUrl: server.baseUrl, auth: createNoAuth() });
    });
    afterAll(async () => {
      await server.close();
    });

    it('reads ids from the body or the Location header, and never files a second copy', async () => {
      const subject = await registerSubject(client, 'epic', true);
      const write = createDeliveryWriter({ client, dialect: 'sequential', conditionalCreate: false });
      const request = deliveryRequest({
        channelId: 'pc_epic',
        subject,
        pdf: 'v1',
        times: { ed_arrival: '2026-11-25T19:02:40Z' },
      });
      const before = server.writes().length;

      const first = await write(request);
      expect(first).toMatchObject({ created: 2, updated: 0 });
      expect(first.documentReferenceId).toMatch(/^[0-9a-f-]{36}$/);
      const creates = server.writes().slice(before);
      expect(creates.map((r) => `${r.method} ${r.path}`)).toEqual(['POST DocumentReference', 'POST Observation']);
      for (const create of creates) {
        expect(create.headers.prefer).toBe('return=representation');
        expect(create.headers['if-none-exist']).toBeUndefined();
      }
      expect((await client.get(`DocumentReference/${first.documentReferenceId}`)).id).toBe(first.documentReferenceId);

      const again = await write(request);
      expect(again).toMatchObject({
        created: 0,
        updated: 0,
        unchanged: 2,
        documentReferenceId: first.documentReferenceId,
      });
      expect(server.writes()).toHaveLength(before + 2);

      const v2 = await write(
        deliveryRequest({ channelId: 'pc_epic', subject, pdf: 'v2', times: { ed_arrival: '2026-11-25T19:03:00Z' } }),
      );
      expect(v2).toMatchObject({
        created: 1,
        updated: 2,
        supersededIds: [first.documentReferenceId],
        observationIds: first.observationIds,
      });
      const puts = server.writes().slice(before + 3);
      expect(puts.map((r) => `${r.method} ${r.path.split('/')[0]}`)).toEqual([
        'PUT DocumentReference',
        'PUT Observation',
      ]);
      expect(
        puts.every(
          (r) => typeof r.headers['if-match'] === 'string' && /^W\/".+"$/.test(r.headers['if-match'] as string),
        ),
      ).toBe(true);
    });
  },
);

describe('sequential writer with conditional create', () => {
  it('sends If-None-Exist with the version identifier', async () => {
    const server = await startFhirTestServer();
    try {
      const client = createFhirClient({ baseUrl: server.baseUrl, auth: createNoAuth() });
      const subject = await registerSubject(client, 'cond');
      const request = deliveryRequest({ channelId: 'pc_cond', subject, pdf: 'v1', times: {} });
      await createDeliveryWriter({ client, dialect: 'sequential' })(request);
      const post = server.writes().find((r) => r.path === 'DocumentReference');
      const version = request.resources.documentVersionIdentifier;
      expect(new URLSearchParams(post?.headers['if-none-exist'] as string).get('identifier')).toBe(
        `${version?.system}|${version?.value}`,
      );
    } finally {
      await server.close();
    }
  });
});
