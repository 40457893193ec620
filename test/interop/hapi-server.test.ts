import type { Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { DEFAULT_CSN_SYSTEM, DEFAULT_MRN_SYSTEM } from '../../src/tools/sandbox/seed';
import { countOf, errorIssues, hapiRequest, requireHapi, validateOnHapi } from './support/hapi';
import { newCase } from './support/pipeline';

/**
 * The HAPI test server behaves like the strict EHR the bridge is tested against: it
 * validates writes, keeps references whole, and supports the conditional interactions
 * the bridge relies on. If these fail, the pipeline tests prove nothing.
 */
describe('the HAPI FHIR test server', () => {
  beforeAll(async () => {
    await requireHapi();
  });

  function patient(mrn: string): Patient {
    return {
      resourceType: 'Patient',
      identifier: [{ system: DEFAULT_MRN_SYSTEM, value: mrn }],
      name: [{ family: 'Test' }],
    };
  }

  it('refuses a resource that breaks the R4 definitions, and stores nothing', async () => {
    const before = await countOf('Observation');
    const invalid = await hapiRequest<OperationOutcome>('POST', 'Observation', {
      resourceType: 'Observation',
      status: 'not-a-status',
      code: { text: 'door time' },
      valueDateTime: 'yesterday',
    });
    expect(invalid.status).toBe(422);
    expect(errorIssues(invalid.body).length).toBeGreaterThanOrEqual(2);
    expect(await countOf('Observation')).toBe(before);
  });

  it('reports errors through $validate, as the pipeline tests use it', async () => {
    const { errors } = await validateOnHapi({
      resourceType: 'DocumentReference',
      status: 'current',
      content: [
        { attachment: { contentType: 'application/pdf', data: Buffer.from('%PDF-1.4\n').toString('base64'), size: 3 } },
      ],
    });
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses an attachment whose hash does not match its data', async () => {
    const { mrn } = newCase();
    const created = await hapiRequest('POST', 'Patient', patient(mrn));
    expect(created.status).toBe(201);
    const answer = await hapiRequest<OperationOutcome>('POST', 'DocumentReference', {
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: `Patient/${created.body.id}` },
      content: [
        {
          attachment: {
            contentType: 'application/pdf',
            data: Buffer.from('%PDF-1.4\n').toString('base64'),
            hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
          },
        },
      ],
    });
    expect(answer.status).toBe(422);
  });

  it('accepts local code systems (urn:oid and site URLs) with a warning only', async () => {
    const { mrn } = newCase();
    const created = await hapiRequest('POST', 'Patient', patient(mrn));
    const answer = await hapiRequest<OperationOutcome>('POST', 'Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: {
        coding: [
          { system: 'https://hospital.example.org/fhir/CodeSystem/pulsara-timeline', code: 'ed-arrival' },
          { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679', code: '3040100123' },
        ],
      },
      subject: { reference: `Patient/${created.body.id}` },
      effectiveDateTime: '2026-11-25T19:02:40Z',
      valueDateTime: '2026-11-25T19:02:40Z',
    });
    expect(answer.status).toBe(201);
  });

  it('refuses a reference to a patient it does not hold', async () => {
    const before = await countOf('Observation');
    const answer = await hapiRequest<OperationOutcome>('POST', 'Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'door time' },
      subject: { reference: 'Patient/does-not-exist-anywhere' },
      effectiveDateTime: '2026-11-25T19:02:40Z',
    });
    expect([400, 404, 422]).toContain(answer.status);
    expect(errorIssues(answer.body).length).toBeGreaterThanOrEqual(1);
    expect(await countOf('Observation')).toBe(before);
  });

  it('creates once under If-None-Exist and ifNoneExist, and finds by identifier', async () => {
    const { mrn, csn } = newCase();
    const condition = { 'If-None-Exist': `identifier=${DEFAULT_MRN_SYSTEM}|${mrn}` };
    const first = await hapiRequest<Patient>('POST', 'Patient', patient(mrn), condition);
    const again = await hapiRequest<Patient>('POST', 'Patient', patient(mrn), condition);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);

    const encounterEntry = {
      fullUrl: 'urn:uuid:0b8b2c1e-4a57-4c1f-9d7a-6f0e6d5f9a01',
      resource: {
        resourceType: 'Encounter',
        status: 'in-progress',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
        identifier: [{ system: DEFAULT_CSN_SYSTEM, value: csn }],
        subject: { reference: `Patient/${first.body.id}` },
      },
      request: { method: 'POST', url: 'Encounter', ifNoneExist: `identifier=${DEFAULT_CSN_SYSTEM}|${csn}` },
    };
    const transaction = { resourceType: 'Bundle', type: 'transaction', entry: [encounterEntry] };
    const tx1 = await hapiRequest<Bundle>('POST', '', transaction);
    const tx2 = await hapiRequest<Bundle>('POST', '', transaction);
    expect([tx1.status, tx2.status]).toEqual([200, 200]);
    expect(tx1.body.entry?.[0].response?.status).toMatch(/^201/);
    expect(tx2.body.entry?.[0].response?.status).toMatch(/^200/);
    expect(tx2.body.entry?.[0].response?.location).toBe(tx1.body.entry?.[0].response?.location);

    expect(await countOf('Patient', { identifier: `${DEFAULT_MRN_SYSTEM}|${mrn}` })).toBe(1);
    expect(
      await countOf('Encounter', { identifier: `${DEFAULT_CSN_SYSTEM}|${csn}`, subject: `Patient/${first.body.id}` }),
    ).toBe(1);
  });
});
