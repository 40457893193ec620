import type { Observation } from '@medplum/fhirtypes';
import { sameObservationContent } from '../../../../src/ehr/writer/observation-content';

const base: Observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'urn:codes', code: 'door_to_needle' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-11-25T19:02:40Z',
  valueQuantity: { value: 42, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' },
};

describe('sameObservationContent', () => {
  it('ignores what servers add and how they write the same instant or reference', () => {
    const stored: Observation = {
      ...base,
      id: 'o1',
      meta: { versionId: '3', lastUpdated: '2026-11-26T00:00:00Z' },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">42 min</div>' },
      subject: { reference: 'https://ehr.example.org/fhir/Patient/p1', display: 'someone' },
      effectiveDateTime: '2026-11-25T13:02:40.000-06:00',
      valueQuantity: { code: 'min', system: 'http://unitsofmeasure.org', unit: 'min', value: 42 },
    };
    expect(sameObservationContent(stored, base)).toBe(true);
  });

  it.each<[string, Partial<Observation>]>([
    ['value', { valueQuantity: { ...base.valueQuantity, value: 43 } }],
    ['value type', { valueQuantity: undefined, valueDateTime: '2026-11-25T19:02:40Z' }],
    ['effective time', { effectiveDateTime: '2026-11-25T19:02:41Z' }],
    ['status', { status: 'entered-in-error' }],
    ['code', { code: { coding: [{ system: 'urn:codes', code: 'door_to_ct' }] } }],
    ['visit', { encounter: { reference: 'Encounter/e1' } }],
  ])('sees a change of %s', (_what, change) => {
    expect(sameObservationContent({ ...base, ...change }, base)).toBe(false);
  });
});
