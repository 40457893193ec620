import { createHash } from 'node:crypto';
import type { Bundle, DocumentReference, Observation } from '@medplum/fhirtypes';
import { startHarness } from '../support/bridge-harness';
import type { Harness } from '../support/bridge-harness';

/** Simulator -> bridge -> sandbox over real HTTP; assertions on what the sandbox holds. */
describe('pipeline end to end', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function countOf(type: string, query = ''): Promise<number> {
    const bundle = await h.fhirGet<Bundle>(`${type}?_count=1000${query}`);
    return bundle.entry?.length ?? 0;
  }

  it('writes the PSR and the set timestamps for a stroke case', async () => {
    const event = h.mrnEvent();
    const sent = await h.send(event);
    expect(sent.status).toBe(202);
    const delivery = await h.waitFor(event.id);
    expect(delivery.status).toBe('delivered');
    expect(delivery.outcome?.documentReferenceId).toBeDefined();

    const doc = await h.fhirGet<DocumentReference>(`DocumentReference/${delivery.outcome?.documentReferenceId}`);
    expect(doc.subject?.reference).toBe(`Patient/${h.patientId}`);
    expect(doc.context?.encounter?.[0]?.reference).toBe(`Encounter/${h.encounterId}`);
    const attachment = doc.content[0].attachment;
    expect(attachment.contentType).toBe('application/pdf');
    const pdf = Buffer.from(attachment.data ?? '', 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(attachment.size).toBe(pdf.length);
    expect(attachment.hash).toBe(createHash('sha1').update(pdf).digest('base64'));

    const observations = await h.fhirGet<Bundle<Observation>>(`Observation?subject=Patient/${h.patientId}&_count=100`);
    const resources = (observations.entry ?? []).map((e) => e.resource as Observation);
    const lkw = resources.find((o) => o.valueDateTime === '2026-11-25T18:05:00-06:00');
    expect(lkw?.encounter?.reference).toBe(`Encounter/${h.encounterId}`);
    // ct_complete is time: null in the sample channel: no Observation with its code.
    expect(resources.every((o) => o.valueDateTime !== null)).toBe(true);
    expect(Object.keys(delivery.outcome?.observationIds ?? {})).not.toContain('ct_complete');
  });

  it('writes nothing new for a redelivered event or a second event with the same PDF', async () => {
    const before = { docs: await countOf('DocumentReference'), obs: await countOf('Observation') };
    const event = h.mrnEvent();
    await h.send(event);
    const first = await h.waitFor(event.id);
    expect(first.outcome?.created).toBe(0);

    const redelivery = await h.send(event);
    expect(redelivery.status).toBe(202);
    expect(JSON.parse(redelivery.body)).toMatchObject({ duplicate: true });

    expect(await countOf('DocumentReference')).toBe(before.docs);
    expect(await countOf('Observation')).toBe(before.obs);
  });

  it('never logs PHI: names, MRN, CSN, DOB', () => {
    const logs = h.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain('delivered');
    for (const phi of ['E4410982', '300018842', 'Ruiz', '"Ana"', '1951-04-09', 'JVBERi0']) {
      expect(logs).not.toContain(phi);
    }
  });
});
