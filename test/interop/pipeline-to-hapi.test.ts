import { createHash } from 'node:crypto';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { DeliveryView } from '../../src/store/delivery-view';
import { runCli } from '../support/run-cli';
import {
  countOf,
  documentsOf,
  hapiGet,
  observationsOf,
  requireHapi,
  searchAll,
  validateOnHapi,
  versionsOf,
} from './support/hapi';
import { newCase, startPipeline, strokeChannel } from './support/pipeline';
import type { DeliveredCase, Pipeline } from './support/pipeline';

/**
 * Simulator -> bridge (`serve`, built CLI) -> HAPI FHIR with request validation on.
 * Each test uses its own channel, MRN and CSN, so the tests neither share nor clean up
 * EHR data and may run against a HAPI server that has seen earlier runs.
 */
describe('the bridge writing to HAPI FHIR', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    await requireHapi();
    // A missing patient goes to the dead letters at its first miss (no 24 h wait in a test).
    pipeline = await startPipeline({ PATIENT_WAIT_HOURS: '0' });
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  /** A new case delivered; fails with the ledger's reason otherwise. */
  async function deliverNewCase(): Promise<DeliveredCase> {
    const delivered = await pipeline.deliverNewCase();
    expect({ status: delivered.delivery.status, error: delivered.delivery.lastError }).toEqual({
      status: 'delivered',
      error: null,
    });
    return delivered;
  }

  it('writes the PSR and the timeline for the right patient and visit, and HAPI validates them', async () => {
    const { channelId, patientId, encounterId } = await deliverNewCase();

    const documents = await documentsOf(patientId);
    expect(documents).toHaveLength(1);
    const [doc] = documents;
    expect(doc.status).toBe('current');
    expect(doc.subject?.reference).toBe(`Patient/${patientId}`);
    expect(doc.context?.encounter?.map((e) => e.reference)).toEqual([`Encounter/${encounterId}`]);
    expect(doc.content).toHaveLength(1);
    const attachment = doc.content[0].attachment;
    expect(attachment.contentType).toBe('application/pdf');
    const bytes = Buffer.from(attachment.data ?? '', 'base64');
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.equals(await pipeline.summaryPdf(channelId))).toBe(true);
    expect(attachment.size).toBe(bytes.length);
    expect(attachment.hash).toBe(createHash('sha1').update(bytes).digest('base64'));

    const observations = await observationsOf(patientId);
    expect(observations.length).toBeGreaterThanOrEqual(3);
    for (const observation of observations) {
      expect(observation.subject?.reference).toBe(`Patient/${patientId}`);
      expect(observation.encounter?.reference).toBe(`Encounter/${encounterId}`);
    }
    // Every time set in the channel is there as a valueDateTime, exactly as Pulsara gave it;
    // CT (time: null) is not.
    const times = observations.map((o) => o.valueDateTime).filter((t): t is string => t !== undefined);
    expect(times).toEqual(
      expect.arrayContaining(['2026-11-25T18:39:00Z', '2026-11-25T18:05:00-06:00', '2026-11-25T19:02:40Z']),
    );
    expect(times).toHaveLength(3);

    // Request validation let them in; $validate on what HAPI stored finds no error either.
    for (const resource of [doc, ...observations]) {
      const { status, errors } = await validateOnHapi(resource);
      expect({ resource: `${resource.resourceType}/${resource.id}`, status, errors }).toEqual({
        resource: `${resource.resourceType}/${resource.id}`,
        status: 200,
        errors: [],
      });
    }
  });

  it('writes nothing new for a replayed event or a second event with the same PDF', async () => {
    const { channelId, patientId, eventId } = await deliverNewCase();
    const before = await versionsOf(patientId);
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(4);

    // Pulsara redelivers the same event: acknowledged, recorded once, not processed again.
    expect((await pipeline.send(pipeline.mrnEvent(channelId, eventId))).status).toBe(202);
    // A new event for the unchanged channel: processed, and nothing to write.
    const second = await pipeline.sendAndSettle(channelId);
    expect(second.status).toBe('delivered');
    expect(second.outcome).toMatchObject({ created: 0, updated: 0 });

    expect((await pipeline.deliveriesOf(channelId)).map((d) => d.eventId).sort()).toEqual(
      [eventId, second.eventId].sort(),
    );
    expect(await versionsOf(patientId)).toEqual(before);
  });

  it('supersedes the DocumentReference when the PSR changes', async () => {
    const { channelId, patientId } = await deliverNewCase();
    const [oldDoc] = await documentsOf(patientId);
    const oldPdf = await pipeline.summaryPdf(channelId);

    // The case goes on in Pulsara: CT is done, so the regenerated PSR differs.
    await pipeline.setTime(channelId, 'ct_complete', '2026-11-25T19:20:00Z');
    expect((await pipeline.summaryPdf(channelId)).equals(oldPdf)).toBe(false);
    const delivery = await pipeline.sendAndSettle(channelId);
    expect(delivery.status).toBe('delivered');

    const documents = await documentsOf(patientId);
    expect(documents).toHaveLength(2);
    const newDoc = documents.find((d) => d.id !== oldDoc.id) as DocumentReference;
    expect(newDoc.status).toBe('current');
    expect(newDoc.relatesTo).toEqual([{ code: 'replaces', target: { reference: `DocumentReference/${oldDoc.id}` } }]);
    expect(
      Buffer.from(newDoc.content[0].attachment.data ?? '', 'base64').equals(await pipeline.summaryPdf(channelId)),
    ).toBe(true);
    const oldNow = await hapiGet<DocumentReference>(`DocumentReference/${oldDoc.id}`);
    expect(oldNow.status).toBe('superseded');
    expect(
      await searchAll<DocumentReference>('DocumentReference', { subject: `Patient/${patientId}`, status: 'current' }),
    ).toHaveLength(1);

    const ct = (await observationsOf(patientId)).filter((o) => o.valueDateTime === '2026-11-25T19:20:00Z');
    expect(ct).toHaveLength(1);
    for (const resource of [newDoc, oldNow, ...ct]) {
      expect((await validateOnHapi(resource)).errors).toEqual([]);
    }
  });

  it('reports a patient the EHR does not know, and writes nothing', async () => {
    const c = newCase();
    await pipeline.putChannel(strokeChannel(c)); // not registered in HAPI
    const documentsBefore = await countOf('DocumentReference');
    const observationsBefore = await countOf('Observation');

    const event = pipeline.mrnEvent(c.channelId);
    expect((await pipeline.send(event)).status).toBe(202);
    const delivery = await pipeline.waitForDelivery(
      event.id,
      (d) => (d.status === 'dead' || d.status === 'retrying') && d.lastError !== null,
      'the patient lookup to fail',
    );
    expect(delivery.lastError?.code).toBe('patient-not-found');
    expect(delivery.lastError?.message).not.toContain(c.mrn);

    // The operator's view of the ledger says the same.
    const listed = await runCli(['events', 'list', '--status', 'retrying,dead', '--channel', c.channelId, '--json'], {
      env: { STORE_URL: pipeline.storeUrl },
    });
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as DeliveryView[];
    expect(rows.map((d) => ({ eventId: d.eventId, code: d.lastError?.code }))).toEqual([
      { eventId: event.id, code: 'patient-not-found' },
    ]);

    expect(await countOf('DocumentReference')).toBe(documentsBefore);
    expect(await countOf('Observation')).toBe(observationsBefore);
  });
});
