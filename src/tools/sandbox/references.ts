import type { Resource } from '@medplum/fhirtypes';

/** A literal reference found in a resource, with the element path it sits at. */
export interface FoundReference {
  /** The reference string as written, e.g. `Patient/123`. */
  reference: string;
  /** FHIRPath-like location, e.g. `DocumentReference.subject`. */
  path: string;
}

/** A reference to a resource on this server: `Type/id`, optionally `/_history/vid`. */
const LOCAL_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Lists every `reference` string in a resource, contained resources included. */
export function findReferences(resource: Resource): FoundReference[] {
  const found: FoundReference[] = [];
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item) => visit(item, path));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'reference' && typeof child === 'string') {
          found.push({ reference: child, path });
        } else {
          visit(child, `${path}.${key}`);
        }
      }
    }
  };
  visit(resource, resource.resourceType);
  return found;
}

/**
 * The `Type/id` key of the resource a reference must resolve to, or undefined when it
 * needs no local target (contained `#id`, absolute URLs, URNs).
 */
export function localTargetOf(reference: string): string | undefined {
  const match = LOCAL_REFERENCE.exec(reference);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * A `urn:uuid:` left in a resource being stored is a transaction placeholder that matched
 * no entry of its Bundle (or was sent outside a Bundle): it can never resolve.
 */
export function isPlaceholder(reference: string): boolean {
  return reference.startsWith('urn:uuid:');
}
