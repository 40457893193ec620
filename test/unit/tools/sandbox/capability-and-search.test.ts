import { validateResource } from '@medplum/core';
import { buildCapabilityStatement } from '../../../../src/tools/sandbox/capability-statement';
import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { ensureFhirSearchDefinitions } from '../../../../src/shared/fhir-definitions';
import { checkSearchParameters } from '../../../../src/tools/sandbox/search-rules';

beforeAll(() => {
  ensureFhirSearchDefinitions();
});

describe('buildCapabilityStatement', () => {
  it('is a valid R4 CapabilityStatement listing the types and search parameters the bridge uses', () => {
    const statement = buildCapabilityStatement('http://127.0.0.1:1/fhir');
    expect(() => validateResource(statement)).not.toThrow();
    expect(statement.fhirVersion).toBe('4.0.1');
    expect(statement.implementation?.url).toBe('http://127.0.0.1:1/fhir');
    const byType = new Map<string, CapabilityStatementRestResource>(
      statement.rest?.[0].resource?.map((r) => [r.type, r]),
    );
    for (const type of ['Patient', 'Encounter', 'DocumentReference', 'Observation']) {
      expect(byType.get(type)?.searchParam?.map((p) => p.name)).toContain('identifier');
    }
    expect(byType.has('NotAType')).toBe(false);
  });
});

describe('checkSearchParameters', () => {
  it('lets known parameters, modifiers and result parameters through', () => {
    expect(
      checkSearchParameters('Observation', ['identifier', 'subject', 'code:text', '_count', '_sort', '_id']),
    ).toBeUndefined();
  });

  it.each([['identifer'], ['_include'], ['subject:Patient.identifier']])('refuses %s with a 400 outcome', (name) => {
    const outcome = checkSearchParameters('Observation', [name]);
    expect(outcome?.issue[0].code).toBe('invalid');
    expect(outcome?.issue[0].expression).toEqual([name]);
  });
});
