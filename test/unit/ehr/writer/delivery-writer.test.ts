import type { DocumentReference, Observation } from '@medplum/fhirtypes';
import { createNoAuth } from '../../../../src/ehr/auth/static-auth';
import { createFhirClient } from '../../../../src/ehr/fhir-client';
import type { EhrDialect } from '../../../../src/config/settings';
import type { FhirClient } from '../../../../src/ehr/types';
import { createDeliveryWriter } from '../../../../src/ehr/writer';
import { startSandbox } from '../../../../src/tools/sandbox';
import type { RunningSandbox } from '../../../../src/tools/sandbox';
import { BridgeError } from '../../../../src/shared/errors';
import { deliveryRequest, recordingClient, registerSubject, sha1Hex } from '../support/delivery-fixture';

const DIALECTS: EhrDialect[] = ['transaction', 'sequential'];

describe.each(DIALECTS)('delivery writer, %s dialect, against the sandbox', (dialect) => {
  let sandbox: RunningSandbox;
  let client: FhirClient;
  let channelCounter = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    client = createFhirClient({ baseUrl: sandbox.baseUrl, auth: createNoAuth() });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  function setup(): {
    channelId: string;
    recorder: ReturnType<typeof recordingClient>;
    write: ReturnType<typeof createDeliveryWriter>;
  } {
    channelCounter += 1;
    const recorder = recordingClient(client);
    return {
      channelId: `pc_${dialect}_${channelCounter}`,
      recorder,
      write: createDeliveryWriter({ client: recorder, dialect }),
    };
  }

  it('first write creates the DocumentReference and the Observations; the same request again writes nothing', async () => {
    const { channelId, recorder, write } = setup();
    const subject = await registerSubject(client, channelId, true);
    const request = deliveryRequest({
      channelId,
      subject,
      pdf: 'v1',
      times: { ed_arrival: '2026-11-25T19:02:40Z', last_known_well: '2026-11-25T18:05:00-06:00', ct_complete: null },
    });

    const first = await write(request);
    expect(first).toMatchObject({
      patientId: subject.patientId,
      encounterId: subject.encounterId,
      created: 3,
      updated: 0,
      unchanged: 0,
      summarySha1: sha1Hex('v1'),
      mappingVersion: 'test-1',
    });
    expect(Object.keys(first.observationIds ?? {}).sort()).toEqual(['ed_arrival', 'last_known_well']);
    expect(first.supersededIds).toBeUndefined();
    expect(recorder.writes).toEqual(
      dialect === 'transaction' ? ['POST (base)'] : ['POST DocumentReference', 'POST Observation', 'POST Observation'],
    );

    const doc = await client.get<DocumentReference>(`DocumentReference/${first.documentReferenceId}`);
    expect(doc).toMatchObject({
      status: 'current',
      subject: subject.patient,
      masterIdentifier: request.resources.documentVersionIdentifier,
    });
    const arrival = await client.get<Observation>(`Observation/${first.observationIds?.ed_arrival}`);
    expect(arrival).toMatchObject({
      status: 'final',
      valueDateTime: '2026-11-25T19:02:40Z',
      encounter: subject.encounter,
    });

    recorder.writes.length = 0;
    const second = await write(request);
    expect(recorder.writes).toEqual([]);
    expect(second).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 3,
      documentReferenceId: first.documentReferenceId,
      observationIds: first.observationIds,
    });
    const docAfter = await client.get<DocumentReference>(`DocumentReference/${first.documentReferenceId}`);
    expect(docAfter.meta?.versionId).toBe(doc.meta?.versionId);
  });

  it('a changed PDF writes a new version that replaces the old one, which becomes superseded', async () => {
    const { channelId, write } = setup();
    const subject = await registerSubject(client, channelId);
    const times = { ed_arrival: '2026-11-25T19:02:40Z' };
    const v1 = await write(deliveryRequest({ channelId, subject, pdf: 'v1', times }));
    const v2 = await write(deliveryRequest({ channelId, subject, pdf: 'v2', times }));

    expect(v2.documentReferenceId).not.toBe(v1.documentReferenceId);
    expect(v2).toMatchObject({
      created: 1,
      updated: 1,
      unchanged: 1,
      supersededIds: [v1.documentReferenceId],
      summarySha1: sha1Hex('v2'),
    });
    const newDoc = await client.get<DocumentReference>(`DocumentReference/${v2.documentReferenceId}`);
    expect(newDoc.status).toBe('current');
    expect(newDoc.relatesTo).toEqual([
      { code: 'replaces', target: { reference: `DocumentReference/${v1.documentReferenceId}` } },
    ]);
    expect((await client.get<DocumentReference>(`DocumentReference/${v1.documentReferenceId}`)).status).toBe(
      'superseded',
    );

    const current = await client.search('DocumentReference', {
      identifier: `https://bridge.example.org/fhir/identifiers/psr|${channelId}`,
      status: 'current',
    });
    expect(current.entry?.map((e) => e.resource?.id)).toEqual([v2.documentReferenceId]);

    // The report regenerated with the first content again: that version becomes current once more.
    const back = await write(deliveryRequest({ channelId, subject, pdf: 'v1', times }));
    expect(back).toMatchObject({
      documentReferenceId: v1.documentReferenceId,
      supersededIds: [v2.documentReferenceId],
      created: 0,
      updated: 2,
    });
    expect((await client.get<DocumentReference>(`DocumentReference/${v1.documentReferenceId}`)).status).toBe('current');
  });

  it('a changed time updates the same Observation; an instant written with another offset is left alone', async () => {
    const { channelId, recorder, write } = setup();
    const subject = await registerSubject(client, channelId);
    const first = await write(deliveryRequest({ channelId, subject, times: { ed_arrival: '2026-11-25T19:02:40Z' } }));
    const id = first.observationIds?.ed_arrival;

    recorder.writes.length = 0;
    const sameInstant = await write(
      deliveryRequest({ channelId, subject, times: { ed_arrival: '2026-11-25T13:02:40-06:00' } }),
    );
    expect(recorder.writes).toEqual([]);
    expect(sameInstant).toMatchObject({ unchanged: 1, updated: 0 });

    const moved = await write(deliveryRequest({ channelId, subject, times: { ed_arrival: '2026-11-25T19:05:00Z' } }));
    expect(moved).toMatchObject({ created: 0, updated: 1, unchanged: 0, observationIds: { ed_arrival: id } });
    const observation = await client.get<Observation>(`Observation/${id}`);
    expect(observation).toMatchObject({
      valueDateTime: '2026-11-25T19:05:00Z',
      effectiveDateTime: '2026-11-25T19:05:00Z',
    });
  });

  it('a removed time marks the Observation entered-in-error, once; with onRemoved keep it stays', async () => {
    const { channelId, write } = setup();
    const subject = await registerSubject(client, channelId);
    const first = await write(
      deliveryRequest({
        channelId,
        subject,
        times: { ct_complete: '2026-11-25T19:20:00Z', ecg: '2026-11-25T19:21:00Z' },
      }),
    );

    const removed = await write(
      deliveryRequest({ channelId, subject, times: { ct_complete: null, ecg: '2026-11-25T19:21:00Z' } }),
    );
    expect(removed).toMatchObject({
      updated: 1,
      unchanged: 1,
      retractedIds: [first.observationIds?.ct_complete],
      observationIds: { ecg: first.observationIds?.ecg },
    });
    expect((await client.get<Observation>(`Observation/${first.observationIds?.ct_complete}`)).status).toBe(
      'entered-in-error',
    );

    const again = await write(
      deliveryRequest({ channelId, subject, times: { ct_complete: null, ecg: '2026-11-25T19:21:00Z' } }),
    );
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect(again.retractedIds).toBeUndefined();

    const kept = await write(
      deliveryRequest({ channelId, subject, times: { ct_complete: null, ecg: null }, onRemoved: 'keep' }),
    );
    expect(kept).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 2,
      observationIds: { ecg: first.observationIds?.ecg },
    });
    expect((await client.get<Observation>(`Observation/${first.observationIds?.ecg}`)).status).toBe('final');

    // The time set again: the retracted Observation comes back with the same id.
    const restored = await write(
      deliveryRequest({ channelId, subject, times: { ct_complete: '2026-11-25T19:25:00Z' } }),
    );
    expect(restored).toMatchObject({ updated: 1, observationIds: { ct_complete: first.observationIds?.ct_complete } });
    expect((await client.get<Observation>(`Observation/${first.observationIds?.ct_complete}`)).status).toBe('final');
  });

  it('two Observations with the same identifier are an ehr-conflict, and nothing is written', async () => {
    const { channelId, recorder, write } = setup();
    const subject = await registerSubject(client, channelId);
    const request = deliveryRequest({ channelId, subject, pdf: 'v1', times: { ed_arrival: '2026-11-25T19:02:40Z' } });
    const duplicate = request.resources.observations[0].resource as Observation;
    await client.post('Observation', duplicate);
    await client.post('Observation', duplicate);
    recorder.writes.length = 0;

    const err = await write(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err).toMatchObject({ code: 'ehr-conflict', schedule: 'none' });
    expect(recorder.writes).toEqual([]);
  });
});

describe('delivery writer failures and recovery', () => {
  let sandbox: RunningSandbox;
  let client: FhirClient;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    client = createFhirClient({ baseUrl: sandbox.baseUrl, auth: createNoAuth() });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('a rejected transaction keeps the OperationOutcome in the error detail and writes nothing', async () => {
    const subject = await registerSubject(client, 'rejected');
    const request = deliveryRequest({
      channelId: 'pc_rejected',
      subject,
      pdf: 'v1',
      times: { ed_arrival: '2026-11-25T19:02:40Z' },
    });
    (request.resources.observations[0].resource as Observation).valueDateTime = 'around seven';

    const err = (await createDeliveryWriter({ client, dialect: 'transaction' })(request).catch(
      (e: unknown) => e,
    )) as BridgeError;
    expect(err).toBeInstanceOf(BridgeError);
    expect(err.code).toBe('ehr-rejected');
    const detail = err.detail as {
      status: number;
      issues: { severity: string; expression?: string[]; diagnostics?: string }[];
    };
    expect(detail.status).toBe(400);
    expect(detail.issues.length).toBeGreaterThan(0);
    expect(detail.issues[0].severity).toBe('error');
    expect(err.message).toContain(detail.issues[0].diagnostics ?? '');

    const written = await client.search('DocumentReference', {
      identifier: 'https://bridge.example.org/fhir/identifiers/psr|pc_rejected',
    });
    expect(written.entry ?? []).toEqual([]);
  });

  it('a sequential run interrupted after the new version resumes by superseding the old one', async () => {
    const subject = await registerSubject(client, 'resume');
    const times = { ed_arrival: '2026-11-25T19:02:40Z' };
    const write = createDeliveryWriter({ client, dialect: 'sequential' });
    const v1 = await write(deliveryRequest({ channelId: 'pc_resume', subject, pdf: 'v1', times }));

    // A crash right after "create the new version": v2 exists, v1 is still current.
    const v2Request = deliveryRequest({ channelId: 'pc_resume', subject, pdf: 'v2', times });
    const partial = await client.post<DocumentReference>(
      'DocumentReference',
      v2Request.resources.documentReference as DocumentReference,
    );

    const resumed = await write(v2Request);
    expect(resumed).toMatchObject({
      documentReferenceId: partial.body?.id,
      supersededIds: [v1.documentReferenceId],
      created: 0,
      updated: 1,
      unchanged: 2,
    });
    expect((await client.get<DocumentReference>(`DocumentReference/${v1.documentReferenceId}`)).status).toBe(
      'superseded',
    );
  });

  it('a plan larger than the Bundle limit goes in several transactions, in plan order, with the same end state', async () => {
    const subject = await registerSubject(client, 'split');
    const times = { ed_arrival: '2026-11-25T19:02:40Z' };
    const recorder = recordingClient(client);
    const write = createDeliveryWriter({ client: recorder, dialect: 'transaction', maxBundleBytes: 4096 });
    const v1 = await write(deliveryRequest({ channelId: 'pc_split', subject, pdf: 'a'.repeat(3000), times }));
    recorder.writes.length = 0;
    const v2 = await write(
      deliveryRequest({
        channelId: 'pc_split',
        subject,
        pdf: 'b'.repeat(3000),
        times: { ed_arrival: '2026-11-25T19:03:00Z' },
      }),
    );

    expect(recorder.writes).toEqual(['POST (base)', 'POST (base)', 'POST (base)']);
    expect(v2).toMatchObject({
      created: 1,
      updated: 2,
      supersededIds: [v1.documentReferenceId],
      observationIds: v1.observationIds,
    });
    expect((await client.get<DocumentReference>(`DocumentReference/${v1.documentReferenceId}`)).status).toBe(
      'superseded',
    );
  });

  it('a prior version filed on another patient (corrected MRN) is marked entered-in-error, not replaced', async () => {
    const wrong = await registerSubject(client, 'wrong-patient');
    const right = await registerSubject(client, 'right-patient');
    const times = {};
    const write = createDeliveryWriter({ client, dialect: 'transaction' });
    const misfiled = await write(deliveryRequest({ channelId: 'pc_mrn_fix', subject: wrong, pdf: 'v1', times }));
    const fixed = await write(deliveryRequest({ channelId: 'pc_mrn_fix', subject: right, pdf: 'v1b', times }));

    expect(fixed).toMatchObject({ created: 1, updated: 1, misfiledDocumentIds: [misfiled.documentReferenceId] });
    expect(fixed.retractedIds).toBeUndefined();
    expect(fixed.supersededIds).toBeUndefined();
    expect(
      (await client.get<DocumentReference>(`DocumentReference/${fixed.documentReferenceId}`)).relatesTo,
    ).toBeUndefined();
    expect((await client.get<DocumentReference>(`DocumentReference/${misfiled.documentReferenceId}`)).status).toBe(
      'entered-in-error',
    );
  });
});
