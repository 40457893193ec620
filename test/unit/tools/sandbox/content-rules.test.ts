import type { Encounter, Observation, Resource } from '@medplum/fhirtypes';
import { checkContent, duplicateKey } from '../../../../src/tools/sandbox/vendor/content-rules';
import type { ContentRule } from '../../../../src/tools/sandbox/profiles/types';
import { vendorOutcome, EPIC_ERROR_SYSTEM } from '../../../../src/tools/sandbox/vendor/refusals';

const encounters: Record<string, Encounter> = {
  mine: {
    resourceType: 'Encounter',
    id: 'mine',
    status: 'in-progress',
    class: { code: 'EMER' },
    subject: { reference: 'Patient/p1' },
  },
  theirs: {
    resourceType: 'Encounter',
    id: 'theirs',
    status: 'in-progress',
    class: { code: 'EMER' },
    subject: { reference: 'Patient/p2' },
  },
};
const read = async (type: string, id: string): Promise<Resource | undefined> =>
  type === 'Encounter' ? encounters[id] : undefined;

function reading(change: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'urn:row', code: '1' }] },
    subject: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/mine' },
    effectiveDateTime: '2026-11-25T19:02:40Z',
    valueQuantity: { value: 1 },
    ...change,
  };
}

async function broken(resource: Resource, rule: ContentRule): Promise<string[]> {
  return (await checkContent(resource, [rule], read)).map((r) => `${r.kind} ${r.expression}`);
}

describe('vendor content rules', () => {
  it('required, count and one-of point at the element, required when nothing is there', async () => {
    expect(await broken(reading(), { check: 'required', path: 'performer', message: 'm' })).toEqual([
      'required Observation.performer',
    ]);
    expect(await broken(reading(), { check: 'count', path: 'code.coding', min: 1, max: 1, message: 'm' })).toEqual([]);
    const two = reading({ code: { coding: [{ code: 'a' }, { code: 'b' }] } });
    expect(await broken(two, { check: 'count', path: 'code.coding', max: 1, message: 'm' })).toEqual([
      'invalid Observation.code.coding',
    ]);
    expect(await broken(reading(), { check: 'one-of', path: 'status', values: ['amended'], message: 'm' })).toEqual([
      'invalid Observation.status',
    ]);
  });

  it('pattern checks every string; a filter path reports the element it names', async () => {
    const rule: ContentRule = { check: 'pattern', path: 'effective', pattern: /T\d{2}:\d{2}:\d{2}Z$/, message: 'm' };
    expect(await broken(reading(), rule)).toEqual([]);
    expect(await broken(reading({ effectiveDateTime: '2026-11-25T19:02Z' }), rule)).toEqual([
      'invalid Observation.effective',
    ]);
    const filtered: ContentRule = {
      check: 'required',
      path: "category.where(text = 'x')",
      element: 'category',
      message: 'm',
    };
    expect(await broken(reading(), filtered)).toEqual(['required Observation.category']);
  });

  it('choice accepts exactly one allowed value[x]', async () => {
    const rule: ContentRule = {
      check: 'choice',
      element: 'value',
      allowed: ['Quantity'],
      required: true,
      message: 'm',
    };
    expect(await broken(reading(), rule)).toEqual([]);
    expect(await broken(reading({ valueQuantity: undefined, valueString: 'x' }), rule)).toEqual([
      'invalid Observation.valueString',
    ]);
    expect(await broken(reading({ valueQuantity: undefined }), rule)).toEqual(['required Observation.value[x]']);
    expect(await broken(reading({ valueQuantity: undefined }), { ...rule, required: false })).toEqual([]);
  });

  it("reference-type and encounter-of-subject read the references, and the encounter's patient", async () => {
    expect(
      await broken(reading(), { check: 'reference-type', path: 'subject', types: ['Group'], message: 'm' }),
    ).toEqual(['invalid Observation.subject']);
    const rule: ContentRule = { check: 'encounter-of-subject', path: 'encounter', message: 'm' };
    expect(await broken(reading(), rule)).toEqual([]);
    expect(await broken(reading({ encounter: { reference: 'Encounter/theirs' } }), rule)).toEqual([
      'invalid Observation.encounter',
    ]);
    expect(await broken(reading({ encounter: { reference: 'Encounter/gone' } }), rule)).toEqual([
      'invalid Observation.encounter',
    ]);
    expect(await broken(reading({ encounter: undefined }), rule)).toEqual([]);
    encounters.done = { ...encounters.mine, id: 'done', status: 'finished' };
    const closed = reading({ encounter: { reference: 'Encounter/done' } });
    expect(await broken(closed, rule)).toEqual([]);
    expect(await broken(closed, { ...rule, open: true })).toEqual(['invalid Observation.encounter']);
  });

  it('when applies its rules only if the condition holds', async () => {
    const rule: ContentRule = {
      check: 'when',
      condition: "status = 'final'",
      rules: [{ check: 'required', path: 'performer', message: 'm' }],
    };
    expect(await broken(reading(), rule)).toEqual(['required Observation.performer']);
    expect(await broken(reading({ status: 'amended' }), rule)).toEqual([]);
  });

  it('duplicate keys compare date-times as instants', () => {
    const key = ['subject.reference', 'code.coding.code', 'effective'];
    expect(duplicateKey(reading(), key)).toBe(
      duplicateKey(reading({ effectiveDateTime: '2026-11-25T13:02:40-06:00' }), key),
    );
    expect(duplicateKey(reading(), key)).not.toBe(
      duplicateKey(reading({ effectiveDateTime: '2026-11-25T19:02:41Z' }), key),
    );
  });
});

describe('vendor refusal shapes', () => {
  it('Epic codes the issue in its own system, fatal, with the specifics in diagnostics', () => {
    expect(
      vendorOutcome('epic', [{ kind: 'duplicate', vendorCode: '59189', message: 'already filed', expression: 'X' }]),
    ).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'fatal',
          code: 'duplicate',
          details: {
            coding: [expect.objectContaining({ system: EPIC_ERROR_SYSTEM, code: '59189' })],
            text: expect.any(String),
          },
          diagnostics: 'already filed',
          expression: ['X'],
        },
      ],
    });
  });

  it('Millennium sends a plain FHIR issue', () => {
    expect(
      vendorOutcome('oracle', [{ kind: 'required', message: 'docStatus is required.', expression: 'D.docStatus' }]),
    ).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'required',
          details: { text: 'docStatus is required.' },
          expression: ['D.docStatus'],
        },
      ],
    });
  });
});
