import { evalFhirPath } from '@medplum/core';
import { BridgeError } from '../../shared/errors';
import type { PatientChannel } from '../../pulsara/types';
import { isFhirDateTime } from './fhir-datetime';
import { hasTimeWithoutOffset, inSiteZone, readAsSiteTime } from './time-zone';

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

/** The one value an expression gives over the channel, or undefined for none (or null). */
function evaluateOne(expression: string, channel: PatientChannel, where: string): unknown {
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
  if (values.length > 1) {
    throw new BridgeError(
      'mapping-invalid-resource',
      `Mapping entry ${where}: the expression gave ${values.length} values, expected one date-time; narrow it (e.g. with .first() or a more specific where())`,
    );
  }
  return values[0];
}

function notADateTime(where: string, value: unknown): BridgeError {
  return new BridgeError(
    'mapping-invalid-resource',
    `Mapping entry ${where}: the expression gave ${describeKind(value)}, expected a FHIR dateTime such as 2026-11-25T18:05:00-06:00`,
  );
}

/**
 * A time read from the channel for writing: `none` when not set (no result, or null);
 * `time` with the text to write (in the site's offset when the mapping has a zone) and
 * whether it had to be read as local time because it came without an offset; `no-offset`
 * when it came without one and there is no zone to read it in. Several results, or anything
 * that is not a date-time, is a mapping error that names the entry (`where`), never the
 * value, which may be PHI.
 */
export type ChannelTime =
  { kind: 'none' } | { kind: 'time'; value: string; readAsLocal: boolean } | { kind: 'no-offset' };

export function readChannelTime(
  expression: string,
  channel: PatientChannel,
  where: string,
  timeZone: string | undefined,
): ChannelTime {
  const value = evaluateOne(expression, channel, where);
  if (value === undefined) {
    return { kind: 'none' };
  }
  if (typeof value === 'string' && hasTimeWithoutOffset(value)) {
    return timeZone === undefined
      ? { kind: 'no-offset' }
      : { kind: 'time', value: readAsSiteTime(value, timeZone), readAsLocal: true };
  }
  if (typeof value !== 'string' || !isFhirDateTime(value)) {
    throw notADateTime(where, value);
  }
  return { kind: 'time', value: timeZone === undefined ? value : inSiteZone(value, timeZone), readAsLocal: false };
}
