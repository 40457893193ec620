import { badRequest, evalFhirPath, OperationOutcomeError, validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/**
 * Codes of the required bindings the bridge writes to. `validateResource` checks
 * structure, cardinality and formats but not bindings, so a DocumentReference with
 * `status: "bogus"` would otherwise be stored; real servers reject it.
 */
const REQUIRED_CODES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  DocumentReference: {
    status: ['current', 'superseded', 'entered-in-error'],
    docStatus: ['preliminary', 'final', 'amended', 'entered-in-error'],
    'relatesTo.code': ['replaces', 'transforms', 'signs', 'appends'],
  },
  Observation: {
    status: ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'],
  },
  Encounter: {
    status: [
      'planned',
      'arrived',
      'triaged',
      'in-progress',
      'onleave',
      'finished',
      'cancelled',
      'entered-in-error',
      'unknown',
    ],
  },
  Patient: {
    gender: ['male', 'female', 'other', 'unknown'],
  },
};

/** Where Attachments sit in the resources we store (for invariant att-1). */
const ATTACHMENT_PATHS: Readonly<Record<string, readonly string[]>> = {
  DocumentReference: ['content.attachment'],
  Observation: ['value.ofType(Attachment)', 'component.value.ofType(Attachment)'],
  DiagnosticReport: ['presentedForm'],
  Media: ['content'],
};

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

/** validateResource refuses any string over 1 MiB, which rules out inline PDFs. */
const VALIDATOR_STRING_LIMIT = 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Rejects a resource that a strict FHIR R4 server would refuse to store, by throwing an
 * OperationOutcomeError (HTTP 400) whose issues name the offending element.
 */
export function assertValidResource(resource: Resource): void {
  if (resource.id !== undefined && !ID_PATTERN.test(resource.id)) {
    throw new OperationOutcomeError(badRequest('Invalid resource id', `${resource.resourceType}.id`));
  }
  // Throws an OperationOutcomeError on the first structural error.
  validateResource(withLargeBinariesStubbed(resource, resource.resourceType) as Resource);
  assertNoEmptyStrings(resource, resource.resourceType);
  assertRequiredCodes(resource);
  assertAttachmentsHaveContentType(resource);
}

/**
 * A copy of `value` in which base64 `data` strings too long for Medplum's validator are
 * format-checked here and replaced by a short stand-in. Real servers accept inline PDFs
 * (US Core asks for at least 5 MiB; the bridge sends up to 50 MB). Strings are shared,
 * not copied, so this stays cheap.
 */
function withLargeBinariesStubbed(value: unknown, path: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item, index) => withLargeBinariesStubbed(item, `${path}[${index}]`));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'data' && typeof child === 'string' && child.length > VALIDATOR_STRING_LIMIT) {
      if (child.length % 4 !== 0 || !BASE64.test(child)) {
        throw new OperationOutcomeError(badRequest('Invalid base64Binary format', `${path}.data`));
      }
      copy[key] = 'AAAA';
    } else {
      copy[key] = withLargeBinariesStubbed(child, `${path}.${key}`);
    }
  }
  return copy;
}

function assertRequiredCodes(resource: Resource): void {
  const bindings = REQUIRED_CODES[resource.resourceType] ?? {};
  for (const [path, allowed] of Object.entries(bindings)) {
    for (const value of evalFhirPath(path, resource)) {
      if (typeof value !== 'string' || !allowed.includes(value)) {
        throw new OperationOutcomeError(
          badRequest(`Value not in required value set (${allowed.join(' | ')})`, `${resource.resourceType}.${path}`),
        );
      }
    }
  }
}

/** FHIR invariant att-1: "If the Attachment has data, it SHALL have a contentType". */
function assertAttachmentsHaveContentType(resource: Resource): void {
  for (const path of ATTACHMENT_PATHS[resource.resourceType] ?? []) {
    for (const attachment of evalFhirPath(path, resource)) {
      const { data, contentType } = attachment as { data?: string; contentType?: string };
      if (data !== undefined && !contentType) {
        throw new OperationOutcomeError(
          badRequest('Attachment with data must have a contentType (att-1)', `${resource.resourceType}.${path}`),
        );
      }
    }
  }
}

/** FHIR JSON forbids empty strings; validateResource lets them through. */
function assertNoEmptyStrings(value: unknown, path: string): void {
  if (value === '') {
    throw new OperationOutcomeError(badRequest('Empty string values are not allowed', path));
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertNoEmptyStrings(item, `${path}[${index}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      assertNoEmptyStrings(child, `${path}.${key}`);
    }
  }
}
