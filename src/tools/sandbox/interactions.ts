import type { HttpMethod } from '@medplum/fhir-router';
import type { Interaction } from './profiles/types';

/**
 * The REST interaction a request asks for, from its method and path segments after the FHIR
 * base (`['Observation', '12']`). Undefined for the base itself, operations (`$…`),
 * `_search` posts and history: forms that neither vendor profile offers for writes, and
 * that the SMART scopes of the sandbox do not name.
 */
export function interactionOf(method: HttpMethod, segments: string[]): Interaction | undefined {
  const [resourceType, id, third] = segments;
  if (resourceType === undefined || segments.some((segment) => segment.startsWith('$')) || id === '_search') {
    return undefined;
  }
  switch (method) {
    case 'GET':
      return id === undefined ? 'search' : 'read';
    case 'POST':
      return id === undefined ? 'create' : undefined;
    case 'PUT':
      return third === undefined ? 'update' : undefined;
    case 'PATCH':
      return third === undefined ? 'patch' : undefined;
    case 'DELETE':
      return third === undefined ? 'delete' : undefined;
  }
}
