import { createHash } from 'node:crypto';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { Delivery } from '../../src/store/types';
import { startHarness } from '../support/bridge-harness';
import type { Harness } from '../support/bridge-harness';
import type { CaseFixture } from '../support/cases';
import { logEntries } from '../support/log-entries';

/**
 * Simulator -> bridge -> sandbox over real HTTP; assertions on what the sandbox holds.
 * The harness is shared for speed, but each test has a case (channel, patient, visit) of
 * its own and delivers it itself, so any test runs alone and in any order.
 */
describe('pipeline end to end', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Sends an MRN event (a new one by default) for the case and waits until it is delivered. */
  async function deliver(
    fixture: CaseFixture,
    event = h.mrnEvent({ channelId: fixture.channelId }),
  ): Promise<Delivery> {
    expect((await h.send(event)).status).toBe(202);
    const delivery = await h.waitFor(event.id);
    expect({ status: delivery.status, lastError: delivery.lastError }).toEqual({
      status: 'delivered',
      lastError: null,
    });
    return delivery;
  }

  it('writes the PSR and the set timestamps for a stroke case', async () => {
    const fixture = await h.addCase();
    const delivery = await deliver(fixture);
    const { documents, observations } = await h.writtenFor(fixture);
    expect(documents.map((d) => d.id)).toEqual([delivery.outcome?.documentReferenceId]);

    const doc = await h.fhirGet<DocumentReference>(`DocumentReference/${delivery.outcome?.documentReferenceId}`);
    expect(doc.subject?.reference).toBe(`Patient/${fixture.patientId}`);
    expect(doc.context?.encounter?.[0]?.reference).toBe(`Encounter/${fixture.encounterId}`);
    const attachment = doc.content[0].attachment;
    expect(attachment.contentType).toBe('application/pdf');
    const pdf = Buffer.from(attachment.data ?? '', 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(attachment.size).toBe(pdf.length);
    expect(attachment.hash).toBe(createHash('sha1').update(pdf).digest('base64'));

    // One Observation per set time, exactly as Pulsara gave it, each in the visit; ct_complete
    // is time: null in the case: no Observation for it.
    expect(observations.map((o) => o.valueDateTime).sort()).toEqual([...fixture.setTimes].sort());
    expect(observations.map((o) => o.encounter?.reference)).toEqual(
      observations.map(() => `Encounter/${fixture.encounterId}`),
    );
    expect(Object.keys(delivery.outcome?.observationIds ?? {}).sort()).toEqual([
      'ed_arrival',
      'first_medical_contact',
      'last_known_well',
    ]);
    expect(delivery.outcome).toMatchObject({ created: 4, updated: 0 });
  });

  it('writes nothing new for a redelivered event or a second event with the same PDF', async () => {
    const fixture = await h.addCase();
    const event = h.mrnEvent({ channelId: fixture.channelId });
    const original = await deliver(fixture, event);
    const before = await h.writtenFor(fixture);

    const second = await deliver(fixture);
    expect(second.outcome).toMatchObject({
      created: 0,
      updated: 0,
      documentReferenceId: original.outcome?.documentReferenceId,
    });

    const redelivery = await h.send(event);
    expect(redelivery.status).toBe(202);
    expect(JSON.parse(redelivery.body)).toMatchObject({ deliveryId: original.id, duplicate: true });
    expect(await h.delivery(event.id)).toMatchObject({ status: 'delivered', attempts: 1 });

    // Not a resource more, and not a version more of any (same ids, versions and contents).
    expect(await h.writtenFor(fixture)).toEqual(before);
  });

  it('never logs PHI: names, MRN, CSN, DOB', async () => {
    const fixture = await h.addCase();
    const delivery = await deliver(fixture);
    const logs = h.logs();
    expect(logEntries(logs).filter((e) => e.message === 'delivered' && e.eventId === delivery.eventId)).toHaveLength(1);
    for (const phi of [fixture.mrn, fixture.csn, 'E4410982', '300018842', 'Ruiz', '"Ana"', '1951-04-09', 'JVBERi0']) {
      expect(logs).not.toContain(phi);
    }
  });
});
