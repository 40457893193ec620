import { buildDocumentReference } from './document-builder';
import { buildObservation, entryName } from './observation-builder';
import { assertValidResource } from './resource-validation';
import type { MappedResources, MappingFile, MappingInput } from '../types';

/**
 * Everything the mapping makes for one delivery: the DocumentReference (when the mapping
 * has a document and the PSR was given) and one entry per timestamp. Pure and
 * deterministic: no I/O, no clock (the time comes in as `input.now`). Every resource is
 * checked against FHIR R4 before it is returned; a mapping that builds an invalid one
 * fails with 'mapping-invalid-resource' naming its entry.
 */
export function buildResources(mapping: MappingFile, input: MappingInput): MappedResources {
  const result: MappedResources = { observations: [] };
  if (mapping.document && input.summary) {
    const built = buildDocumentReference(mapping, mapping.document, input, input.summary);
    assertValidResource(built.documentReference, 'document');
    result.documentReference = built.documentReference;
    result.documentVersionIdentifier = built.versionIdentifier;
    result.documentChannelIdentifier = built.channelIdentifier;
  }
  for (const entry of mapping.observations) {
    const mapped = buildObservation(mapping, entry, input);
    if (mapped.resource) {
      assertValidResource(mapped.resource, entryName(entry));
    }
    result.observations.push(mapped);
  }
  return result;
}
