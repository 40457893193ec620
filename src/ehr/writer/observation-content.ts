import type { Observation, Reference } from '@medplum/fhirtypes';

/**
 * Whether two Observations say the same thing clinically: status, code, value[x],
 * effective[x], and who and which visit they are about. Server-added fields (meta, text,
 * issued) and formatting of the same instant ("…-06:00" vs "…Z") do not count, so that
 * re-running a delivery never rewrites an Observation that a server merely normalised.
 */
export function sameObservationContent(a: Observation, b: Observation): boolean {
  return canonical(meaningfulContent(a)) === canonical(meaningfulContent(b));
}

function referenceTail(reference: Reference | undefined): string | undefined {
  const match = reference?.reference?.match(/([A-Za-z]+\/[^/]+)$/);
  return match?.[1] ?? reference?.reference;
}

function meaningfulContent(observation: Observation): Record<string, unknown> {
  const content: Record<string, unknown> = {
    status: observation.status,
    code: observation.code,
    subject: referenceTail(observation.subject),
    encounter: referenceTail(observation.encounter),
  };
  for (const [field, value] of Object.entries(observation)) {
    if (field.startsWith('value') || field.startsWith('effective')) {
      content[field] = value;
    }
  }
  return content;
}

/** A FHIR dateTime with a time part: compared as an instant. */
const DATE_TIME_WITH_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** JSON with sorted keys, no undefined fields, and dateTimes as epoch milliseconds. */
function canonical(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (typeof value === 'string' && DATE_TIME_WITH_TIME.test(value)) {
    return `instant:${Date.parse(value)}`;
  }
  if (Array.isArray(value)) {
    return value.map(normalise);
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}
