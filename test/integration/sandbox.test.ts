import type { Bundle, DocumentReference, Observation, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { DEFAULT_MRN_SYSTEM, seedSandbox, startSandbox } from '../../src/tools/sandbox';
import type { RunningSandbox } from '../../src/tools/sandbox';

const FHIR_JSON = 'application/fhir+json';
const OBS_SYSTEM = 'urn:pulsara-bridge:observation';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});

afterAll(async () => {
  await sandbox.close();
});

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T = Resource>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: { Accept: FHIR_JSON, ...(body === undefined ? {} : { 'Content-Type': FHIR_JSON }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

function patient(mrn: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: DEFAULT_MRN_SYSTEM, value: mrn }],
    name: [{ family: 'Test' }],
    gender: 'female',
  };
}

function observation(subjectReference: string, key: string, time: string): Observation {
  return {
    resourceType: 'Observation',
    identifier: [{ system: OBS_SYSTEM, value: key }],
    status: 'final',
    code: { coding: [{ system: 'urn:example:local', code: 'door' }] },
    subject: { reference: subjectReference },
    effectiveDateTime: time,
    valueDateTime: time,
  };
}

async function createPatient(mrn: string): Promise<string> {
  const created = await call<Patient>('POST', '/Patient', patient(mrn));
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function searchCount(path: string): Promise<number> {
  const found = await call<Bundle>('GET', path);
  expect(found.status).toBe(200);
  return found.body.entry?.length ?? 0;
}

describe('sandbox over HTTP', () => {
  it('serves a FHIR 4.0.1 CapabilityStatement at /metadata', async () => {
    const answer = await call<{
      resourceType: string;
      fhirVersion: string;
      rest: {
        resource: { type: string; interaction: { code: string }[]; conditionalCreate: boolean }[];
        interaction: { code: string }[];
      }[];
    }>('GET', '/metadata');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain(FHIR_JSON);
    expect(answer.body.resourceType).toBe('CapabilityStatement');
    expect(answer.body.fhirVersion).toBe('4.0.1');
    const docRef = answer.body.rest[0].resource.find((r) => r.type === 'DocumentReference');
    expect(docRef?.interaction.map((i) => i.code)).toEqual(
      expect.arrayContaining(['create', 'read', 'update', 'search-type']),
    );
    expect(docRef?.conditionalCreate).toBe(true);
    expect(answer.body.rest[0].interaction.map((i) => i.code)).toContain('transaction');
  });

  it('creates a resource and finds it by identifier system|value, honouring _count', async () => {
    const created = await call<Patient>('POST', '/Patient', patient('MRN-SEARCH-1'));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(new RegExp(`/fhir/Patient/${created.body.id}/_history/`));
    expect(created.headers.get('etag')).toBe(`W/"${created.body.meta?.versionId}"`);
    await createPatient('MRN-SEARCH-2');

    const query = new URLSearchParams({ identifier: `${DEFAULT_MRN_SYSTEM}|MRN-SEARCH-1` });
    const found = await call<Bundle<Patient>>('GET', `/Patient?${query}`);
    expect(found.status).toBe(200);
    expect(found.body.type).toBe('searchset');
    expect(found.body.entry?.map((e) => e.resource?.id)).toEqual([created.body.id]);
    expect(found.body.entry?.[0].fullUrl).toBe(`${sandbox.baseUrl}/Patient/${created.body.id}`);

    const page = await call<Bundle>(
      'GET',
      `/Patient?${new URLSearchParams({ identifier: `${DEFAULT_MRN_SYSTEM}|` })}&_count=1`,
    );
    expect(page.status).toBe(200);
    expect(page.body.entry).toHaveLength(1);
  });

  it('reads, updates (new version) and vreads a resource', async () => {
    const id = await createPatient('MRN-VERSIONS');
    const first = await call<Patient>('GET', `/Patient/${id}`);
    const updated = await call<Patient>('PUT', `/Patient/${id}`, { ...first.body, gender: 'other' });
    expect(updated.status).toBe(200);
    expect(updated.body.meta?.versionId).not.toBe(first.body.meta?.versionId);
    const old = await call<Patient>('GET', `/Patient/${id}/_history/${first.body.meta?.versionId}`);
    expect(old.body.gender).toBe('female');
    const history = await call<Bundle<Patient>>('GET', `/Patient/${id}/_history`);
    expect(history.body.entry?.map((e) => e.resource?.gender)).toEqual(['other', 'female']);
  });

  it('conditional create (If-None-Exist) creates once, then answers 200 with the same id', async () => {
    const ifNoneExist = new URLSearchParams({ identifier: `${DEFAULT_MRN_SYSTEM}|MRN-COND-1` }).toString();
    const first = await call<Patient>('POST', '/Patient', patient('MRN-COND-1'), { 'If-None-Exist': ifNoneExist });
    const second = await call<Patient>('POST', '/Patient', patient('MRN-COND-1'), { 'If-None-Exist': ifNoneExist });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(await searchCount(`/Patient?${ifNoneExist}`)).toBe(1);
  });

  it('conditional create matching several resources answers 412 and creates nothing', async () => {
    await createPatient('MRN-DUP');
    await createPatient('MRN-DUP');
    const ifNoneExist = new URLSearchParams({ identifier: `${DEFAULT_MRN_SYSTEM}|MRN-DUP` }).toString();
    const answer = await call<OperationOutcome>('POST', '/Patient', patient('MRN-DUP'), {
      'If-None-Exist': ifNoneExist,
    });
    expect(answer.status).toBe(412);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(await searchCount(`/Patient?${ifNoneExist}`)).toBe(2);
  });

  it('conditional update creates when nothing matches, then updates the match', async () => {
    const subject = `Patient/${await createPatient('MRN-CONDUPD')}`;
    const path = `/Observation?${new URLSearchParams({ identifier: `${OBS_SYSTEM}|condupd-door` })}`;
    const created = await call<Observation>('PUT', path, observation(subject, 'condupd-door', '2026-11-25T19:02:40Z'));
    expect(created.status).toBe(201);
    const updated = await call<Observation>('PUT', path, observation(subject, 'condupd-door', '2026-11-25T19:05:00Z'));
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    const read = await call<Observation>('GET', `/Observation/${created.body.id}`);
    expect(read.body.valueDateTime).toBe('2026-11-25T19:05:00Z');
    expect(await searchCount(path)).toBe(1);
  });

  it('rewrites urn:uuid references in a transaction and reports each entry', async () => {
    const patientUrn = 'urn:uuid:6f1c1a4e-1d0e-4f3b-9a51-2b0c7c1d9e01';
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: patientUrn, resource: patient('MRN-TX-1'), request: { method: 'POST', url: 'Patient' } },
        {
          resource: observation(patientUrn, 'tx-door', '2026-11-25T19:02:40Z'),
          request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${OBS_SYSTEM}|tx-door` },
        },
      ],
    };
    const answer = await call<Bundle>('POST', '', bundle);
    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe('transaction-response');
    expect(answer.body.entry?.map((e) => e.response?.status)).toEqual(['201', '201']);
    const patientId = (answer.body.entry?.[0].resource as Patient).id;
    const obs = answer.body.entry?.[1].resource as Observation;
    expect(obs.subject?.reference).toBe(`Patient/${patientId}`);

    // The same entry again: the conditional create matches and nothing new is written.
    const again = await call<Bundle>('POST', '', {
      ...bundle,
      entry: [
        { ...bundle.entry?.[1], resource: observation(`Patient/${patientId}`, 'tx-door', '2026-11-25T19:02:40Z') },
      ],
    });
    expect(again.status).toBe(200);
    expect(again.body.entry?.[0].response?.status).toBe('200');
    expect((again.body.entry?.[0].resource as Observation).id).toBe(obs.id);
  });

  it('accepts a transaction of more than 8 conditional entries', async () => {
    const subject = `Patient/${await createPatient('MRN-TX-BIG')}`;
    const entry = Array.from({ length: 12 }, (_, i) => ({
      resource: observation(subject, `big-${i}`, '2026-11-25T19:02:40Z'),
      request: { method: 'PUT' as const, url: `Observation?identifier=${OBS_SYSTEM}|big-${i}` },
    }));
    const answer = await call<Bundle>('POST', '', { resourceType: 'Bundle', type: 'transaction', entry });
    expect(answer.status).toBe(200);
    expect(answer.body.entry).toHaveLength(12);
  });

  it('writes nothing when one entry of a transaction is invalid', async () => {
    const patientUrn = 'urn:uuid:0b7a4c8e-5b1f-4c47-8d2e-8e3f6a2b1c02';
    const invalidDocument = {
      resourceType: 'DocumentReference',
      status: 'bogus',
      subject: { reference: patientUrn },
      content: [{ attachment: { contentType: 'application/pdf', data: 'JVBERi0=' } }],
    } as unknown as DocumentReference;
    const answer = await call<OperationOutcome>('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: patientUrn, resource: patient('MRN-TX-ROLLBACK'), request: { method: 'POST', url: 'Patient' } },
        {
          resource: observation(patientUrn, 'rollback-door', '2026-11-25T19:02:40Z'),
          request: { method: 'POST', url: 'Observation' },
        },
        { resource: invalidDocument, request: { method: 'POST', url: 'DocumentReference' } },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(answer.body.issue[0].diagnostics).toContain('Bundle.entry[2]');
    expect(
      await searchCount(`/Patient?${new URLSearchParams({ identifier: `${DEFAULT_MRN_SYSTEM}|MRN-TX-ROLLBACK` })}`),
    ).toBe(0);
    expect(
      await searchCount(`/Observation?${new URLSearchParams({ identifier: `${OBS_SYSTEM}|rollback-door` })}`),
    ).toBe(0);
  });

  it('rejects an invalid resource with a 400 OperationOutcome naming the element', async () => {
    const answer = await call<OperationOutcome>('POST', '/Observation', {
      resourceType: 'Observation',
      status: 'final',
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain(FHIR_JSON);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(answer.body.issue[0].expression).toEqual(['Observation.code']);
  });

  it('rejects a reference to a missing resource', async () => {
    const answer = await call<OperationOutcome>(
      'POST',
      '/Observation',
      observation('Patient/does-not-exist', 'dangling', '2026-11-25T19:02:40Z'),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(answer.body.issue[0].details?.text).toContain('Patient/does-not-exist');
    expect(await searchCount(`/Observation?${new URLSearchParams({ identifier: `${OBS_SYSTEM}|dangling` })}`)).toBe(0);
  });

  it('answers unknown routes, types and search parameters with an OperationOutcome', async () => {
    const outside = await fetch(`${sandbox.baseUrl.replace(/\/fhir$/, '')}/nothing-here`);
    expect(outside.status).toBe(404);
    expect(((await outside.json()) as Resource).resourceType).toBe('OperationOutcome');
    expect((await call('GET', '/NotAType/1')).status).toBe(404);
    expect((await call('GET', '/Patient/missing-id')).status).toBe(404);
    const misspelt = await call<OperationOutcome>('GET', '/Patient?identifer=x');
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.resourceType).toBe('OperationOutcome');
  });

  it('refuses bodies that are not FHIR JSON', async () => {
    const xml = await fetch(`${sandbox.baseUrl}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+xml' },
      body: '<Patient/>',
    });
    expect(xml.status).toBe(415);
    const broken = await fetch(`${sandbox.baseUrl}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"resourceType":',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as Resource).resourceType).toBe('OperationOutcome');
  });

  it('stores an inline PDF larger than 5 MiB (US Core clinical notes) and serves it back', async () => {
    const { patientId } = await seedSandbox(sandbox.baseUrl);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(6 * 1024 * 1024, 0x20)]);
    const document: DocumentReference = {
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: `Patient/${patientId}` },
      content: [{ attachment: { contentType: 'application/pdf', data: pdf.toString('base64'), size: pdf.length } }],
    };
    const created = await call<DocumentReference>('POST', '/DocumentReference', document);
    expect(created.status).toBe(201);
    const read = await call<DocumentReference>('GET', `/DocumentReference/${created.body.id}`);
    expect(Buffer.from(read.body.content[0].attachment.data ?? '', 'base64').equals(pdf)).toBe(true);
  });

  it('seeds the sample patient and encounter idempotently', async () => {
    const first = await seedSandbox(sandbox.baseUrl);
    const second = await seedSandbox(sandbox.baseUrl);
    expect(second).toEqual(first);
    const encounter = await call<{ subject?: { reference?: string } }>('GET', `/Encounter/${first.encounterId}`);
    expect(encounter.body.subject?.reference).toBe(`Patient/${first.patientId}`);
  });
});
