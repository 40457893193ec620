import type { Bundle, DocumentReference, Observation } from '@medplum/fhirtypes';
import { startHarness } from '../support/bridge-harness';
import type { Harness } from '../support/bridge-harness';
import { seedSandbox } from '../../src/tools/sandbox';
import { STROKE_CHANNEL_ID } from '../../src/tools/simulator';
import type { Delivery } from '../../src/store/types';
import { waitUntil } from '../support/wait-until';

const TIMELINE_SYSTEM = 'https://pulsara-fhir-bridge.example.org/fhir/timeline';
const PSR_SYSTEM = 'https://pulsara-fhir-bridge.example.org/fhir/psr';

/** A new event for a channel already delivered re-reads it and writes only what changed. */
describe('updates to a delivered channel', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function sim(method: string, path: string, body?: unknown): Promise<void> {
    const res = await fetch(`${h.simulator.baseUrl}/_sim${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
  }

  async function deliver(): Promise<NonNullable<Awaited<ReturnType<Harness['waitFor']>>['outcome']>> {
    const event = h.mrnEvent();
    expect((await h.send(event)).status).toBe(202);
    const delivery = await h.waitFor(event.id);
    expect(delivery.status).toBe('delivered');
    return delivery.outcome!;
  }

  async function observation(key: string): Promise<Observation[]> {
    const bundle = await h.fhirGet<Bundle<Observation>>(
      `Observation?identifier=${encodeURIComponent(`${TIMELINE_SYSTEM}|${STROKE_CHANNEL_ID}.${key}`)}`,
    );
    return (bundle.entry ?? []).map((e) => e.resource as Observation);
  }

  it('supersedes the PSR, updates a changed time, adds a newly set time, retracts a removed one', async () => {
    const first = await deliver();
    const [lkwBefore] = await observation('last_known_well');
    expect(lkwBefore.valueDateTime).toBe('2026-11-25T18:05:00-06:00');
    expect(await observation('ct_complete')).toHaveLength(0);

    // The case goes on: CT is done, LKW corrected, first-contact time removed.
    await sim('PATCH', `/channels/${STROKE_CHANNEL_ID}/timeline/ct_complete`, {
      time: '2026-11-25T19:20:00Z',
      set_by: 'Radiology',
    });
    await sim('PATCH', `/channels/${STROKE_CHANNEL_ID}/timeline/last_known_well`, {
      time: '2026-11-25T18:15:00-06:00',
    });
    await sim('PATCH', `/channels/${STROKE_CHANNEL_ID}/timeline/first_medical_contact`, { time: null });

    const second = await deliver();
    expect(second.documentReferenceId).not.toBe(first.documentReferenceId);
    expect(second.supersededIds).toEqual([first.documentReferenceId]);

    const newDoc = await h.fhirGet<DocumentReference>(`DocumentReference/${second.documentReferenceId}`);
    expect(newDoc.status).toBe('current');
    expect(newDoc.relatesTo).toEqual([
      { code: 'replaces', target: { reference: `DocumentReference/${first.documentReferenceId}` } },
    ]);
    const oldDoc = await h.fhirGet<DocumentReference>(`DocumentReference/${first.documentReferenceId}`);
    expect(oldDoc.status).toBe('superseded');
    const current = await h.fhirGet<Bundle>(
      `DocumentReference?identifier=${encodeURIComponent(`${PSR_SYSTEM}|${STROKE_CHANNEL_ID}`)}&status=current`,
    );
    expect(current.entry).toHaveLength(1);

    const [lkwAfter, ...extraLkw] = await observation('last_known_well');
    expect(extraLkw).toHaveLength(0);
    expect(lkwAfter.id).toBe(lkwBefore.id);
    expect(lkwAfter.valueDateTime).toBe('2026-11-25T18:15:00-06:00');

    const [ct] = await observation('ct_complete');
    expect(ct.valueDateTime).toBe('2026-11-25T19:20:00Z');
    const [doorToCt] = await observation('door_to_ct');
    expect(doorToCt.valueQuantity).toMatchObject({ unit: 'min', code: 'min' });

    const [fmc] = await observation('first_medical_contact');
    expect(fmc.status).toBe('entered-in-error');
    expect(second.retractedIds).toEqual([fmc.id]);

    // And once more with nothing changed: nothing is written.
    const third = await deliver();
    expect(third).toMatchObject({ created: 0, updated: 0, documentReferenceId: second.documentReferenceId });
  });
});

describe('patient lookup outcomes', () => {
  let h: Harness;

  afterEach(async () => {
    // Failure paths log too: still no MRN values or names.
    const logs = h.logs();
    expect(logs).toContain('patient-');
    for (const phi of ['LATE-001', 'NEVER-001', 'TWIN-001', 'Park', '1960-01-02']) {
      expect(logs).not.toContain(phi);
    }
    await h?.close();
  });

  async function putChannel(id: string, mrn: string): Promise<void> {
    const res = await fetch(`${h.simulator.baseUrl}/_sim/channels/${id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id,
        status: 'active',
        patient_type: 'stroke',
        created_at: '2026-11-25T18:41:05Z',
        updated_at: '2026-11-25T19:03:11Z',
        patient: { first_name: 'Lee', last_name: 'Park', dob: '1960-01-02' },
        identifiers: [{ id: 'cid_501', name: 'MRN', category: 'hospital', value: mrn }],
        timeline: [{ key: 'ed_arrival', label: 'ER Door', time: '2026-11-25T19:02:40Z', set_by: 'ED' }],
      }),
    });
    expect(res.ok).toBe(true);
  }

  it('waits for a patient registered later, then delivers', async () => {
    h = await startHarness({ PATIENT_RETRY_MINUTES: '0' });
    await putChannel('pc_late', 'LATE-001');
    const event = h.mrnEvent({ channelId: 'pc_late' });
    await h.send(event);
    // Retried at once (PATIENT_RETRY_MINUTES=0): wait until it has missed at least twice.
    const waiting = await waitUntil(
      `event ${event.id} to miss the patient twice`,
      () => h.delivery(event.id),
      (d): d is Delivery => d !== undefined && d.attempts >= 2 && d.lastError !== null,
    );
    expect(['retrying', 'processing', 'pending']).toContain(waiting.status);
    expect(waiting.lastError?.code).toBe('patient-not-found');
    expect(waiting.lastError?.message).not.toContain('LATE-001');
    // The wait window starts at the first miss, which came after the event was received.
    expect(waiting.waitingSince).toBeInstanceOf(Date);
    expect(waiting.waitingSince!.getTime()).toBeGreaterThanOrEqual(waiting.receivedAt.getTime());

    const { patientId } = await seedSandbox(h.sandbox.baseUrl, { mrn: 'LATE-001', csn: 'LATE-CSN' });
    const delivered = await h.waitFor(event.id, ['delivered']);
    expect(delivered.outcome?.patientId).toBe(patientId);
  });

  it('dead-letters a patient still missing at the end of the wait window', async () => {
    h = await startHarness({ PATIENT_WAIT_HOURS: '0' });
    await putChannel('pc_never', 'NEVER-001');
    const event = h.mrnEvent({ channelId: 'pc_never' });
    await h.send(event);
    const dead = await h.waitFor(event.id, ['dead']);
    expect(dead.lastError?.code).toBe('patient-not-found');
    expect(dead.lastError?.message).toMatch(/still not found after waiting 0 h/);
    const docs = await h.fhirGet<Bundle>('DocumentReference?_count=100');
    expect(docs.entry ?? []).toHaveLength(0);
  });

  it('dead-letters an ambiguous patient at once and writes nothing', async () => {
    h = await startHarness();
    await putChannel('pc_twins', 'TWIN-001');
    // Two distinct patients carrying the same MRN (a registration error in the EHR).
    for (const family of ['One', 'Two']) {
      const res = await fetch(`${h.sandbox.baseUrl}/Patient`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({
          resourceType: 'Patient',
          name: [{ family }],
          identifier: [{ system: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14', value: 'TWIN-001' }],
        }),
      });
      expect(res.status).toBe(201);
    }
    const event = h.mrnEvent({ channelId: 'pc_twins' });
    await h.send(event);
    const dead = await h.waitFor(event.id, ['dead']);
    expect(dead.attempts).toBe(1);
    expect(dead.lastError?.code).toBe('patient-ambiguous');
    expect(dead.lastError?.message).toMatch(/ambiguous patient/);
    const docs = await h.fhirGet<Bundle>('DocumentReference?_count=100');
    expect(docs.entry ?? []).toHaveLength(0);
  });
});

describe('a channel whose MRN is still empty', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('ends as ignored with the reason, writes nothing, and delivers once the MRN is filled in', async () => {
    const sim = (method: string, path: string, body?: unknown) =>
      fetch(`${h.simulator.baseUrl}/_sim${path}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    await sim('PATCH', `/channels/${STROKE_CHANNEL_ID}/identifiers/MRN`, { value: '' });

    const typing = h.mrnEvent({ name: 'CSN' });
    expect((await h.send(typing)).status).toBe(202);
    const ignored = await h.waitFor(typing.id);
    expect(ignored.status).toBe('ignored');
    expect(ignored.ignoredReason).toMatch(/^identifier-empty: .*"MRN" identifier yet/);
    expect((await h.fhirGet<Bundle>('DocumentReference?_count=10')).entry ?? []).toHaveLength(0);
    expect((await h.fhirGet<Bundle>('Observation?_count=10')).entry ?? []).toHaveLength(0);

    // The user finishes typing: Pulsara sends the MRN's identifier event.
    await sim('PATCH', `/channels/${STROKE_CHANNEL_ID}/identifiers/MRN`, { value: 'E4410982' });
    const typed = h.mrnEvent();
    await h.send(typed);
    expect((await h.waitFor(typed.id)).status).toBe('delivered');
  });
});
