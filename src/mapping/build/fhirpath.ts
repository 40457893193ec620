import { evalFhirPath } from '@medplum/core';
import { BridgeError } from '../../shared/errors';
import type { PatientChannel } from '../../pulsara/types';
import { isFhirDateTime } from './fhir-datetime';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Names the kind of a value without showing it: results may carry PHI. */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return isFhirDateTime(value) ? 'a date' : 'text that is not a FHIR dateTime';
  return `a ${typeof value}`;
}

/**
 * Evaluates a time expression over the channel JSON. No result (or null) is "not set" and
 * gives undefined. Several results, or anything that is not a FHIR dateTime, is a mapping
 * error that names the entry (`where`), never the value, which may be PHI.
 */
export function evaluateDateTime(expression: string, channel: PatientChannel, where: string): string | undefined {
  let results: unknown[];
  try {
    results = evalFhirPath(expression, channel);
  } catch (err) {
    throw new BridgeError(
      'mapping-invalid-resource',
      `Mapping entry ${where}: the FHIRPath expression failed (${errorText(err)})`,
      { cause: err },
    );
  }
  const values = results.filter((value) => value !== null && value !== undefined);
  if (values.length === 0) {
    return undefined;
  }
  if (values.length > 1) {
    throw new BridgeError(
      'mapping-invalid-resource',
      `Mapping entry ${where}: the expression gave ${values.length} values, expected one date-time; narrow it (e.g. with .first() or a more specific where())`,
    );
  }
  const [value] = values;
  if (typeof value !== 'string' || !isFhirDateTime(value)) {
    throw new BridgeError(
      'mapping-invalid-resource',
      `Mapping entry ${where}: the expression gave ${describeKind(value)}, expected a FHIR dateTime such as 2026-11-25T18:05:00-06:00`,
    );
  }
  return value;
}
