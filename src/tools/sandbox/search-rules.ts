import { badRequest, getSearchParameters } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

/** Result parameters the in-memory search honours (or may ignore harmlessly). */
const RESULT_PARAMETERS = new Set([
  '_count',
  '_offset',
  '_sort',
  '_total',
  '_summary',
  '_elements',
  '_format',
  '_pretty',
]);

/**
 * Checks a search's query parameters the way a strict server does. Medplum's in-memory
 * search treats an unknown parameter as "matches nothing" and ignores `_include`, so a
 * misspelt parameter would look like "patient not registered yet"; here it is a 400.
 * Returns the OperationOutcome to answer with, or undefined when the search may run.
 */
export function checkSearchParameters(
  resourceType: string,
  parameterNames: Iterable<string>,
): OperationOutcome | undefined {
  const known = getSearchParameters(resourceType) ?? {};
  for (const name of parameterNames) {
    if (RESULT_PARAMETERS.has(name)) {
      continue;
    }
    if (
      name === '_include' ||
      name === '_revinclude' ||
      name.startsWith('_include:') ||
      name.startsWith('_revinclude:')
    ) {
      return badRequest(`Search parameter ${name} is not supported by the sandbox`, name);
    }
    const [code, modifier] = name.split(':', 2);
    if (!known[code]) {
      return badRequest(`Unknown search parameter ${code} for ${resourceType}`, name);
    }
    if (modifier?.includes('.') || code.includes('.')) {
      return badRequest(`Chained search ${name} is not supported by the sandbox`, name);
    }
  }
  return undefined;
}
