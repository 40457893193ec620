import type { Encounter, Patient } from '@medplum/fhirtypes';
import { createNoAuth } from '../../../src/ehr/auth/static-auth';
import { createFhirClient } from '../../../src/ehr/fhir-client';
import { resolveSubject } from '../../../src/ehr/resolve-subject';
import type { FhirClient } from '../../../src/ehr/types';
import { startSandbox } from '../../../src/tools/sandbox';
import type { RunningSandbox } from '../../../src/tools/sandbox';
import { BridgeError } from '../../../src/shared/errors';

const MRN_SYSTEM = 'urn:oid:1.2.3.mrn';
const CSN_SYSTEM = 'urn:oid:1.2.3.csn';

describe('resolveSubject', () => {
  let sandbox: RunningSandbox;
  let client: FhirClient;
  let counter = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    client = createFhirClient({ baseUrl: sandbox.baseUrl, auth: createNoAuth() });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  /** A fresh MRN per test, so that tests share one sandbox without seeing each other. */
  function freshMrn(): string {
    counter += 1;
    return `MRN&${counter} x`;
  }

  async function patient(mrn: string): Promise<string> {
    const created = await client.post<Patient>('Patient', {
      resourceType: 'Patient',
      identifier: [{ system: MRN_SYSTEM, value: mrn }],
    });
    return created.body?.id as string;
  }

  async function encounter(patientId: string, csn: string): Promise<string> {
    const created = await client.post<Encounter>('Encounter', {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
      identifier: [{ system: CSN_SYSTEM, value: csn }],
      subject: { reference: `Patient/${patientId}` },
    });
    return created.body?.id as string;
  }

  async function failure(promise: Promise<unknown>): Promise<BridgeError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BridgeError);
    return err as BridgeError;
  }

  it('finds the one patient by MRN', async () => {
    const mrn = freshMrn();
    const id = await patient(mrn);
    await patient(`${mrn}-other`);
    expect(await resolveSubject(client, { patientSystem: MRN_SYSTEM, mrn })).toEqual({
      patient: { reference: `Patient/${id}` },
      patientId: id,
    });
  });

  it('no patient yet: patient-not-found on the patient-wait schedule, without the MRN in the message', async () => {
    const mrn = freshMrn();
    const err = await failure(resolveSubject(client, { patientSystem: MRN_SYSTEM, mrn }));
    expect(err.code).toBe('patient-not-found');
    expect(err.schedule).toBe('patient-wait');
    expect(err.message).toBe(
      `No Patient with identifier system ${MRN_SYSTEM} and the channel's MRN yet; waiting for registration`,
    );
  });

  it('several patients: patient-ambiguous, permanent', async () => {
    const mrn = freshMrn();
    await patient(mrn);
    await patient(mrn);
    const err = await failure(resolveSubject(client, { patientSystem: MRN_SYSTEM, mrn }));
    expect(err.code).toBe('patient-ambiguous');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^ambiguous patient: 2 matches/);
    expect(err.message).not.toContain(mrn);
  });

  it('links the encounter of this patient only', async () => {
    const mrn = freshMrn();
    const csn = `CSN-${counter}`;
    const patientId = await patient(mrn);
    const otherPatientId = await patient(`${mrn}-other`);
    await encounter(otherPatientId, csn);
    const encounterId = await encounter(patientId, csn);
    const subject = await resolveSubject(client, { patientSystem: MRN_SYSTEM, mrn, encounterSystem: CSN_SYSTEM, csn });
    expect(subject).toEqual({
      patient: { reference: `Patient/${patientId}` },
      patientId,
      encounter: { reference: `Encounter/${encounterId}` },
      encounterId,
    });
  });

  it('a missing encounter is skipped when optional and waited for when required', async () => {
    const mrn = freshMrn();
    const patientId = await patient(mrn);
    const query = { patientSystem: MRN_SYSTEM, mrn, encounterSystem: CSN_SYSTEM, csn: 'CSN-none' };
    expect(await resolveSubject(client, query)).toEqual({ patient: { reference: `Patient/${patientId}` }, patientId });
    const err = await failure(resolveSubject(client, { ...query, encounterRequired: true }));
    expect(err).toMatchObject({ code: 'encounter-not-found', schedule: 'patient-wait' });
    expect(err.message).not.toContain('CSN-none');
  });

  it('several encounters with the CSN: encounter-ambiguous, permanent', async () => {
    const mrn = freshMrn();
    const patientId = await patient(mrn);
    await encounter(patientId, 'CSN-twice');
    await encounter(patientId, 'CSN-twice');
    const err = await failure(
      resolveSubject(client, { patientSystem: MRN_SYSTEM, mrn, encounterSystem: CSN_SYSTEM, csn: 'CSN-twice' }),
    );
    expect(err).toMatchObject({ code: 'encounter-ambiguous', schedule: 'none' });
  });
});
