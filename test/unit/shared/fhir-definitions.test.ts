import { getSearchParameters } from '@medplum/core';
import { ensureFhirSearchDefinitions } from '../../../src/shared/fhir-definitions';

describe('ensureFhirSearchDefinitions', () => {
  it('gives each type only its own branch of a shared search expression', () => {
    ensureFhirSearchDefinitions();
    expect(getSearchParameters('Observation')?.identifier.expression).toBe('Observation.identifier');
    expect(getSearchParameters('Patient')?.identifier.expression).toBe('Patient.identifier');
    // Shared objects are copied, never edited: the DocumentReference one still covers both fields.
    expect(getSearchParameters('DocumentReference')?.identifier.expression).toMatch(/masterIdentifier/);
  });
});
