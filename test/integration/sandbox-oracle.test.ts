import type { Bundle, DocumentReference, Observation, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { DEFAULT_CSN_SYSTEM, SAMPLE_CSN } from '../../src/tools/sandbox';
import { call, issueTexts, oracleNote, oracleProvenance, oracleVital, startEmulator } from '../support/vendor-emulator';
import type { Answer, Emulator } from '../support/vendor-emulator';

let oracle: Emulator;
const http = <T = Resource>(method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  call<T>(oracle.sandbox.baseUrl, method, path, body, headers);

beforeAll(async () => {
  oracle = await startEmulator('oracle');
});

afterAll(async () => {
  await oracle.sandbox.close();
});

/** Millennium's refusal: 422 with one plain FHIR issue per broken rule, pointing at the element. */
function expectBusinessRuleRefusal(answer: Answer<unknown>, expression: string): void {
  expect(answer.status).toBe(422);
  const outcome = answer.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue.every((issue) => issue.severity === 'error' && issue.details?.coding === undefined)).toBe(true);
  expect(outcome.issue.flatMap((issue) => issue.expression ?? [])).toContain(expression);
}

async function createdId(answer: Answer<unknown>): Promise<string> {
  expect(answer.status).toBe(201);
  const location = answer.headers.get('location') ?? '';
  return location.split('/').pop() ?? '';
}

describe('sandbox --profile oracle: documents', () => {
  it('files a PDF note: 201, empty body even with Prefer, absolute Location and ETag', async () => {
    const answer = await http('POST', '/DocumentReference', oracleNote(oracle.subject), {
      Prefer: 'return=representation',
    });
    expect(answer.status).toBe(201);
    expect(answer.text).toBe('');
    expect(answer.headers.get('location')).toMatch(
      new RegExp(`^${oracle.sandbox.baseUrl}/DocumentReference/[A-Za-z0-9-]+$`),
    );
    expect(answer.headers.get('etag')).toMatch(/^W\/"/);
  });

  it('files text with ;charset=utf-8, and refuses text/plain without a charset', async () => {
    const note = oracleNote(oracle.subject);
    note.content[0].attachment = { contentType: 'text/plain;charset=utf-8', data: 'SGVsbG8=' };
    expect((await http('POST', '/DocumentReference', note)).status).toBe(201);
    note.content[0].attachment = { contentType: 'text/plain', data: 'SGVsbG8=' };
    expectBusinessRuleRefusal(
      await http('POST', '/DocumentReference', note),
      'DocumentReference.content.attachment.contentType',
    );
  });

  const spoilers: [string, (note: DocumentReference) => DocumentReference, string][] = [
    ['two contents', (n) => ({ ...n, content: [...n.content, ...n.content] }), 'DocumentReference.content'],
    ['docStatus preliminary', (n) => ({ ...n, docStatus: 'preliminary' }), 'DocumentReference.docStatus'],
    ['no docStatus', (n) => ({ ...n, docStatus: undefined }), 'DocumentReference.docStatus'],
    ['no context', (n) => ({ ...n, context: undefined }), 'DocumentReference.context'],
    [
      'no context.period.end',
      (n) => ({ ...n, context: { ...n.context, period: { start: '2026-11-25T19:02:40Z' } } }),
      'DocumentReference.context.period.end',
    ],
    ['a date without seconds', (n) => ({ ...n, date: '2026-11-25T20:00Z' }), 'DocumentReference.date'],
    [
      'a LOINC and a code set 72 type',
      (n) => ({
        ...n,
        type: {
          coding: [
            { system: 'http://loinc.org', code: '34133-9' },
            { system: 'https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/72', code: '2820507' },
          ],
        },
      }),
      'DocumentReference.type.coding',
    ],
    [
      'two encounters',
      (n) => ({
        ...n,
        context: { ...n.context, encounter: [...(n.context?.encounter ?? []), ...(n.context?.encounter ?? [])] },
      }),
      'DocumentReference.context.encounter',
    ],
  ];
  it.each(spoilers)('refuses a note with %s (422)', async (_name, spoil, expression) => {
    const answer = await http('POST', '/DocumentReference', spoil(oracleNote(oracle.subject)));
    expectBusinessRuleRefusal(answer, expression);
  });

  it('names the date at fault, with the reason', async () => {
    const note = oracleNote(oracle.subject);
    note.content[0].attachment.creation = '2026-11-25';
    const answer = await http('POST', '/DocumentReference', note);
    expectBusinessRuleRefusal(answer, 'DocumentReference.content.attachment.creation');
    expect(issueTexts(answer)).toEqual(['All provided dates must have a time component with seconds and a time zone.']);
  });

  it('accepts a code set 72 type alone', async () => {
    const note = oracleNote(oracle.subject);
    note.type = {
      coding: [{ system: 'https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/72', code: '2820507' }],
    };
    expect((await http('POST', '/DocumentReference', note)).status).toBe(201);
  });

  it('updates a note only with the current version in If-Match', async () => {
    const id = await createdId(await http('POST', '/DocumentReference', oracleNote(oracle.subject)));
    const current = (await http<DocumentReference>('GET', `/DocumentReference/${id}`)).body as DocumentReference;
    const amended = { ...current, docStatus: 'amended' as const };

    expect((await http('PUT', `/DocumentReference/${id}`, amended)).status).toBe(412);
    expect((await http('PUT', `/DocumentReference/${id}`, amended, { 'If-Match': 'W/"stale"' })).status).toBe(409);
    const updated = await http('PUT', `/DocumentReference/${id}`, amended, {
      'If-Match': `W/"${current.meta?.versionId}"`,
    });
    expect(updated.status).toBe(200);
    expect(updated.text).toBe('');
    expect(updated.headers.get('etag')).not.toBe(`W/"${current.meta?.versionId}"`);
    expect((await http<DocumentReference>('GET', `/DocumentReference/${id}`)).body?.docStatus).toBe('amended');
  });

  it('ignores If-None-Exist and refuses transactions', async () => {
    const header = { 'If-None-Exist': `_id=${oracle.subject.patientId}` };
    expect((await http('POST', '/DocumentReference', oracleNote(oracle.subject), header)).status).toBe(201);
    expect((await http('POST', '/DocumentReference', oracleNote(oracle.subject), header)).status).toBe(201);
    const bundle = await http<OperationOutcome>('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [] });
    expect(bundle.status).toBe(405);
    expect(bundle.body?.issue[0]).toMatchObject({ severity: 'error', code: 'not-supported' });
  });
});

describe('sandbox --profile oracle: observations and provenance', () => {
  it('files a vital sign with valueQuantity, performer and identifier', async () => {
    expect((await http('POST', '/Observation', oracleVital(oracle.subject))).status).toBe(201);
  });

  const spoilers: [string, Partial<Observation> & Record<string, unknown>, string][] = [
    [
      'a valueDateTime',
      { valueQuantity: undefined, valueDateTime: '2026-11-25T19:10:00Z' },
      'Observation.valueDateTime',
    ],
    ['no performer', { performer: undefined }, 'Observation.performer'],
    ['no identifier', { identifier: undefined }, 'Observation.identifier'],
    [
      'a social-history category',
      { category: [{ coding: [{ code: 'social-history' }] }] },
      'Observation.category.coding.code',
    ],
    [
      'two categories',
      { category: [{ coding: [{ code: 'vital-signs' }] }, { coding: [{ code: 'laboratory' }] }] },
      'Observation.category',
    ],
  ];
  it.each(spoilers)('refuses a vital sign with %s (422)', async (_name, change, expression) => {
    expectBusinessRuleRefusal(
      await http('POST', '/Observation', { ...oracleVital(oracle.subject), ...change }),
      expression,
    );
  });

  it('files a laboratory result with another value type, and a timestamp with no category is refused', async () => {
    const lab = {
      ...oracleVital(oracle.subject),
      category: [{ coding: [{ code: 'laboratory' }] }],
      valueQuantity: undefined,
      valueString: 'positive',
    };
    expect((await http('POST', '/Observation', lab)).status).toBe(201);
    const timestamp = { ...oracleVital(oracle.subject), category: undefined };
    expect((await http('POST', '/Observation', timestamp)).status).toBe(422);
  });

  it('files a Provenance with one target and a transmitter Organization', async () => {
    const noteId = await createdId(await http('POST', '/DocumentReference', oracleNote(oracle.subject)));
    const target = `DocumentReference/${noteId}`;
    expect((await http('POST', '/Provenance', oracleProvenance(oracle.subject, target))).status).toBe(201);

    const twoTargets = oracleProvenance(oracle.subject, target);
    twoTargets.target.push({ reference: target });
    expectBusinessRuleRefusal(await http('POST', '/Provenance', twoTargets), 'Provenance.target');

    const byPerson = oracleProvenance(oracle.subject, target);
    byPerson.agent[0].who = { reference: `Patient/${oracle.subject.patientId}` };
    expectBusinessRuleRefusal(await http('POST', '/Provenance', byPerson), 'Provenance.agent.who');

    const ofPatient = oracleProvenance(oracle.subject, `Patient/${oracle.subject.patientId}`);
    expectBusinessRuleRefusal(await http('POST', '/Provenance', ofPatient), 'Provenance.target');
  });
});

describe('sandbox --profile oracle: searches', () => {
  it('finds the visit by identifier and patient, and refuses a parameter Millennium does not support', async () => {
    const visits = await http<Bundle>(
      'GET',
      `/Encounter?identifier=${encodeURIComponent(`${DEFAULT_CSN_SYSTEM}|${SAMPLE_CSN}`)}&patient=${oracle.subject.patientId}`,
    );
    expect(visits.body?.entry?.map((e) => e.resource?.id)).toEqual([oracle.subject.encounterId]);

    const unknown = await http<OperationOutcome>(
      'GET',
      `/DocumentReference?patient=${oracle.subject.patientId}&identifier=urn:x|1`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body?.issue[0]).toMatchObject({ severity: 'error', expression: ['identifier'] });

    const notes = await http<Bundle>('GET', `/DocumentReference?patient=${oracle.subject.patientId}`);
    expect(notes.status).toBe(200);
    expect(notes.body?.entry?.every((e) => e.resource?.resourceType === 'DocumentReference')).toBe(true);
  });
});
