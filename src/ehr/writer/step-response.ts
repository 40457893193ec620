import type { WriteStep, StepResult } from './write-plan';

/** The numeric status at the start of an HTTP status line ("201 Created" → 201). */
export function statusCode(status: string | number | undefined): number | undefined {
  const code = typeof status === 'number' ? status : Number.parseInt(String(status ?? '').trim(), 10);
  return Number.isFinite(code) ? code : undefined;
}

/** The id in a Location such as `http://ehr/fhir/Observation/123/_history/2`. */
export function idFromLocation(location: string | undefined, resourceType: string): string | undefined {
  if (!location) {
    return undefined;
  }
  const match = new RegExp(`(?:^|/)${resourceType}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]*)?/?$`).exec(
    location.split('?')[0],
  );
  return match?.[1];
}

/**
 * What a step's answer means: a conditional create answered 200 found the resource
 * already there (a concurrent or earlier run wrote it), so it counts as unchanged.
 */
export function stepResult(step: WriteStep, status: number, id: string): StepResult {
  if (status === 201) {
    return { id, result: 'created' };
  }
  return { id, result: step.method === 'POST' ? 'unchanged' : 'updated' };
}
