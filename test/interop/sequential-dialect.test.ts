import type { DocumentReference } from '@medplum/fhirtypes';
import { documentsOf, hapiGet, observationsOf, requireHapi, validateOnHapi, versionsOf } from './support/hapi';
import { startPipeline } from './support/pipeline';
import type { Pipeline } from './support/pipeline';

/**
 * FHIR_DIALECT=sequential (one request at a time, for EHRs without transactions or
 * conditional create) against the same validating HAPI server: the same resources, the
 * same idempotency, the same supersede chain.
 */
describe('the sequential dialect against HAPI FHIR', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    await requireHapi();
    pipeline = await startPipeline({ FHIR_DIALECT: 'sequential' });
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('writes valid resources once, then supersedes the PSR when it changes', async () => {
    const { channelId, patientId, encounterId, delivery } = await pipeline.deliverNewCase();
    expect({ status: delivery.status, error: delivery.lastError }).toEqual({ status: 'delivered', error: null });

    const [doc, ...moreDocs] = await documentsOf(patientId);
    expect(moreDocs).toHaveLength(0);
    expect(doc.context?.encounter?.[0].reference).toBe(`Encounter/${encounterId}`);
    const observations = await observationsOf(patientId);
    expect(observations.map((o) => o.valueDateTime).filter(Boolean)).toHaveLength(3);
    for (const resource of [doc, ...observations]) {
      expect((await validateOnHapi(resource)).errors).toEqual([]);
    }

    // Nothing changed in Pulsara: nothing is written.
    const versions = await versionsOf(patientId);
    expect((await pipeline.sendAndSettle(channelId)).status).toBe('delivered');
    expect(await versionsOf(patientId)).toEqual(versions);

    // The PSR changes: a new current document replaces the old one.
    await pipeline.setTime(channelId, 'ct_complete', '2026-11-25T19:20:00Z');
    expect((await pipeline.sendAndSettle(channelId)).status).toBe('delivered');
    const documents = await documentsOf(patientId);
    expect(documents).toHaveLength(2);
    const newDoc = documents.find((d) => d.id !== doc.id) as DocumentReference;
    expect(newDoc.status).toBe('current');
    expect(newDoc.relatesTo).toEqual([{ code: 'replaces', target: { reference: `DocumentReference/${doc.id}` } }]);
    expect((await hapiGet<DocumentReference>(`DocumentReference/${doc.id}`)).status).toBe('superseded');
  });
});
