import type { Bundle, Resource } from '@medplum/fhirtypes';

/** Resources of the asked type in a searchset (leaves out `_include`d and outcome entries). */
export function matchesOf<T extends Resource>(bundle: Bundle, resourceType: T['resourceType']): T[] {
  return (bundle.entry ?? [])
    .filter((entry) => entry.search?.mode !== 'include' && entry.search?.mode !== 'outcome')
    .map((entry) => entry.resource)
    .filter((resource): resource is T => resource?.resourceType === resourceType);
}
