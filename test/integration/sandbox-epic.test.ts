import type { Bundle, DocumentReference, OperationOutcome, Resource } from '@medplum/fhirtypes';
import {
  DEFAULT_CSN_SYSTEM,
  DEFAULT_MRN_SYSTEM,
  EPIC_ERROR_SYSTEM,
  SAMPLE_CSN,
  SAMPLE_MRN,
} from '../../src/tools/sandbox';
import { call, epicNote, epicVital, issueTexts, startEmulator } from '../support/vendor-emulator';
import type { Answer, Emulator } from '../support/vendor-emulator';

let epic: Emulator;
const http = <T = Resource>(method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  call<T>(epic.sandbox.baseUrl, method, path, body, headers);

beforeAll(async () => {
  epic = await startEmulator('epic');
});

afterAll(async () => {
  await epic.sandbox.close();
});

function epicCodes(answer: Answer<unknown>): string[] {
  const outcome = answer.body as OperationOutcome;
  return outcome.issue.flatMap((issue) =>
    (issue.details?.coding ?? []).filter((c) => c.system === EPIC_ERROR_SYSTEM).map((c) => c.code ?? ''),
  );
}

async function notesOfPatient(): Promise<DocumentReference[]> {
  const found = await http<Bundle>('GET', `/DocumentReference?patient=${epic.subject.patientId}`);
  return (found.body?.entry ?? [])
    .map((entry) => entry.resource)
    .filter((r): r is DocumentReference => r?.resourceType === 'DocumentReference');
}

describe('sandbox --profile epic: notes', () => {
  it('files a text/plain note: 201, empty body, relative Location, only the first attachment kept', async () => {
    const note = epicNote(epic.subject);
    note.content.push({ attachment: { contentType: 'text/plain', data: Buffer.from('second').toString('base64') } });
    const answer = await http('POST', '/DocumentReference', note);
    expect(answer.status).toBe(201);
    expect(answer.text).toBe('');
    const location = answer.headers.get('location') ?? '';
    expect(location).toMatch(/^DocumentReference\/[A-Za-z0-9-]+$/);
    expect(answer.headers.get('etag')).toMatch(/^W\/"/);
    const stored = await http<DocumentReference>('GET', `/${location}`);
    expect(stored.body?.content).toHaveLength(1);
  });

  it('answers with the resource only when asked by Prefer: return=representation', async () => {
    const answer = await http<DocumentReference>('POST', '/DocumentReference', epicNote(epic.subject), {
      Prefer: 'return=representation',
    });
    expect(answer.status).toBe(201);
    expect(answer.body?.resourceType).toBe('DocumentReference');
    expect(answer.headers.get('location')).toBe(`DocumentReference/${answer.body?.id}`);
  });

  it('refuses a PDF note with a 400 OperationOutcome in Epic style, and files nothing', async () => {
    const before = (await notesOfPatient()).length;
    const pdf = epicNote(epic.subject);
    pdf.content[0].attachment = { contentType: 'application/pdf', data: Buffer.from('%PDF-1.4').toString('base64') };
    const answer = await http<OperationOutcome>('POST', '/DocumentReference', pdf);
    expect(answer.status).toBe(400);
    expect(answer.body?.resourceType).toBe('OperationOutcome');
    expect(answer.body?.issue[0].severity).toBe('fatal');
    expect(epicCodes(answer)).toEqual(['59100']);
    expect(answer.body?.issue[0].expression).toEqual(['DocumentReference.content.attachment.contentType']);
    expect(issueTexts(answer).join()).toContain('text/plain');
    expect((await notesOfPatient()).length).toBe(before);
  });

  it.each([
    [
      'status superseded',
      (n: DocumentReference) => ({ ...n, status: 'superseded' as const }),
      'DocumentReference.status',
    ],
    [
      'docStatus amended',
      (n: DocumentReference) => ({ ...n, docStatus: 'amended' as const }),
      'DocumentReference.docStatus',
    ],
    ['no docStatus', (n: DocumentReference) => ({ ...n, docStatus: undefined }), 'DocumentReference.docStatus'],
    ['no encounter', (n: DocumentReference) => ({ ...n, context: undefined }), 'DocumentReference.context.encounter'],
  ])('refuses a note with %s', async (_name, spoil, expression) => {
    const answer = await http<OperationOutcome>('POST', '/DocumentReference', spoil(epicNote(epic.subject)));
    expect(answer.status).toBe(400);
    expect(answer.body?.issue.flatMap((i) => i.expression ?? [])).toContain(expression);
  });

  it("refuses a note on another patient's encounter", async () => {
    const note = epicNote(epic.subject);
    note.context = { encounter: [{ reference: `Encounter/${epic.other.encounterId}` }] };
    const answer = await http('POST', '/DocumentReference', note);
    expect(answer.status).toBe(400);
    expect(issueTexts(answer).join()).toContain('does not belong to this patient');
  });

  it('ignores If-None-Exist: the same note twice files two notes', async () => {
    const before = (await notesOfPatient()).length;
    const note = { ...epicNote(epic.subject), identifier: [{ system: 'urn:pulsara:case', value: 'twice' }] };
    const header = { 'If-None-Exist': 'identifier=urn:pulsara:case|twice' };
    expect((await http('POST', '/DocumentReference', note, header)).status).toBe(201);
    expect((await http('POST', '/DocumentReference', note, header)).status).toBe(201);
    expect((await notesOfPatient()).length).toBe(before + 2);
  });

  it('offers no transactions, no update or delete of notes and vitals, no Binary/Media/Provenance create', async () => {
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [] };
    const refused = [
      await http('POST', '', bundle),
      await http('POST', '', { ...bundle, type: 'batch' }),
      await http('PUT', '/DocumentReference/1', { ...epicNote(epic.subject), id: '1' }),
      await http('DELETE', '/Observation/1'),
      await http('PATCH', '/DocumentReference/1', []),
      await http('POST', '/Binary', { resourceType: 'Binary', contentType: 'application/pdf', data: 'AAAA' }),
      await http('POST', '/Media', {
        resourceType: 'Media',
        status: 'completed',
        content: { contentType: 'image/png' },
      }),
      await http('POST', '/Provenance', { resourceType: 'Provenance' }),
      await http('POST', '/Patient', { resourceType: 'Patient' }),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(405);
      expect((answer.body as OperationOutcome).issue[0].code).toBe('not-supported');
    }
  });
});

describe('sandbox --profile epic: flowsheet vitals', () => {
  it('files a reading once; the same row at the same instant is refused with Epic error 59189', async () => {
    const first = await http('POST', '/Observation', epicVital(epic.subject, '3040100001', '2026-11-25T19:02:40Z'));
    expect(first.status).toBe(201);
    expect(first.text).toBe('');

    // The same instant written in another zone is the same reading.
    const again = await http(
      'POST',
      '/Observation',
      epicVital(epic.subject, '3040100001', '2026-11-25T14:02:40-05:00'),
    );
    expect(again.status).toBe(400);
    expect(epicCodes(again)).toEqual(['59189']);

    const later = await http('POST', '/Observation', epicVital(epic.subject, '3040100001', '2026-11-25T19:30:00Z'));
    expect(later.status).toBe(201);
    const otherRow = await http('POST', '/Observation', epicVital(epic.subject, '3040100002', '2026-11-25T19:02:40Z'));
    expect(otherRow.status).toBe(201);
  });

  it.each([
    ['a laboratory category', { category: [{ coding: [{ code: 'laboratory' }] }] }, 'category'],
    [
      'two codings in code',
      {
        code: {
          coding: [
            { system: 'a', code: '1' },
            { system: 'b', code: '2' },
          ],
        },
      },
      'code.coding',
    ],
    ['status preliminary', { status: 'preliminary' }, 'status'],
    ['a valueBoolean', { valueString: undefined, valueBoolean: true }, 'valueBoolean'],
    ['no value', { valueString: undefined }, 'value[x]'],
    ['no encounter', { encounter: undefined }, 'encounter'],
  ])('refuses a reading with %s', async (_name, change, element) => {
    const reading = { ...epicVital(epic.subject, '3040100009', '2026-11-25T19:40:00Z'), ...change };
    const answer = await http<OperationOutcome>('POST', '/Observation', reading);
    expect(answer.status).toBe(400);
    expect(answer.body?.issue.flatMap((i) => i.expression ?? [])).toContain(`Observation.${element}`);
  });
});

describe('sandbox --profile epic: searches', () => {
  it('finds the patient by MRN and the visit by CSN and patient', async () => {
    const patients = await http<Bundle>(
      'GET',
      `/Patient?identifier=${encodeURIComponent(`${DEFAULT_MRN_SYSTEM}|${SAMPLE_MRN}`)}`,
    );
    expect(patients.body?.entry?.map((e) => e.resource?.id)).toEqual([epic.subject.patientId]);
    const visits = await http<Bundle>(
      'GET',
      `/Encounter?identifier=${encodeURIComponent(`${DEFAULT_CSN_SYSTEM}|${SAMPLE_CSN}`)}&patient=${epic.subject.patientId}`,
    );
    expect(visits.body?.entry?.map((e) => e.resource?.id)).toEqual([epic.subject.encounterId]);
  });

  it('drops DocumentReference?identifier with a 4122 warning: every note of the patient comes back', async () => {
    await http('POST', '/DocumentReference', epicNote(epic.subject));
    const all = await notesOfPatient();
    expect(all.length).toBeGreaterThan(1);
    const answer = await http<Bundle>(
      'GET',
      `/DocumentReference?patient=${epic.subject.patientId}&identifier=urn:pulsara:case|nothing-has-this`,
    );
    expect(answer.status).toBe(200);
    const notes = answer.body?.entry?.filter((e) => e.resource?.resourceType === 'DocumentReference') ?? [];
    expect(notes).toHaveLength(all.length);
    const warnings = answer.body?.entry?.filter((e) => e.search?.mode === 'outcome') ?? [];
    expect(warnings).toHaveLength(1);
    expect((warnings[0].resource as OperationOutcome).issue[0]).toMatchObject({
      severity: 'warning',
      details: { coding: [{ system: EPIC_ERROR_SYSTEM, code: '4122' }] },
    });
  });

  it('searches notes by encounter and type, warns 4101 on no results, and needs a patient', async () => {
    const byEncounter = await http<Bundle>(
      'GET',
      `/DocumentReference?patient=${epic.subject.patientId}&encounter=Encounter/${epic.subject.encounterId}&type=http://loinc.org|34133-9`,
    );
    expect(byEncounter.body?.entry?.some((e) => e.resource?.resourceType === 'DocumentReference')).toBe(true);

    const none = await http<Bundle>('GET', `/DocumentReference?patient=${epic.other.patientId}`);
    expect(none.status).toBe(200);
    expect(none.body?.entry).toHaveLength(1);
    expect(none.body?.entry?.[0].search?.mode).toBe('outcome');
    expect(epicCodes({ ...none, body: none.body?.entry?.[0].resource })).toEqual(['4101']);

    const noPatient = await http('GET', '/DocumentReference?type=http://loinc.org|34133-9');
    expect(noPatient.status).toBe(400);
    expect(epicCodes(noPatient)).toEqual(['4111']);
  });

  it('describes itself in /metadata: no transaction, no conditional create', async () => {
    const answer = await http<{
      rest: {
        interaction?: unknown[];
        resource: { type: string; conditionalCreate: boolean; interaction: { code: string }[] }[];
      }[];
    }>('GET', '/metadata');
    expect(answer.body?.rest[0].interaction).toBeUndefined();
    const docRef = answer.body?.rest[0].resource.find((r) => r.type === 'DocumentReference');
    expect(docRef?.conditionalCreate).toBe(false);
    expect(docRef?.interaction.map((i) => i.code)).toEqual(['read', 'search-type', 'create']);
  });
});
