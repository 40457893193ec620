import { OperationOutcomeError, operationOutcomeToString, validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { BridgeError } from '../../shared/errors';
import { ensureFhirDefinitions } from '../../shared/fhir-definitions';

/** A short valid base64 value standing in for inline attachment data during validation. */
const PLACEHOLDER_BASE64 = 'JVBERi0=';

/**
 * validateResource refuses any string over 1 MiB, which would reject every real PSR
 * inline. The builder makes attachment data with Buffer#toString('base64'), valid by
 * construction, so the validator sees a short stand-in instead; everything else is checked.
 */
function withPlaceholderData(resource: Resource): Resource {
  if (resource.resourceType !== 'DocumentReference') {
    return resource;
  }
  return {
    ...resource,
    content: resource.content.map((content) =>
      content.attachment.data === undefined
        ? content
        : { ...content, attachment: { ...content.attachment, data: PLACEHOLDER_BASE64 } },
    ),
  };
}

/**
 * Checks a built resource against the FHIR R4 definitions (structure, cardinality, types,
 * dateTime and base64 formats). A failure is the mapping's fault, not the EHR's, so it is
 * a permanent 'mapping-invalid-resource' that names the mapping entry. The validator's
 * messages name elements, not values, so they carry no PHI.
 */
export function assertValidResource(resource: Resource, where: string): void {
  ensureFhirDefinitions();
  try {
    validateResource(withPlaceholderData(resource));
  } catch (err) {
    const reason =
      err instanceof OperationOutcomeError
        ? operationOutcomeToString(err.outcome)
        : err instanceof Error
          ? err.message
          : String(err);
    throw new BridgeError(
      'mapping-invalid-resource',
      `Mapping entry ${where} built an invalid ${resource.resourceType}: ${reason}`,
      {
        cause: err,
        detail: err instanceof OperationOutcomeError ? err.outcome : undefined,
      },
    );
  }
}
