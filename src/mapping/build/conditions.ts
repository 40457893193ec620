import { evalFhirPath } from '@medplum/core';
import type { PatientChannel } from '../../pulsara/types';
import { BridgeError } from '../../shared/errors';

/** The conditions a document or Observation entry may carry. */
export interface EntryConditions {
  patientTypes?: readonly string[];
  when?: string;
}

function normalised(type: string): string {
  return type.trim().toLowerCase();
}

/** Names the kind of a result without showing it: it may be PHI. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'text';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** The result of `when`: true, false, or a mapping error naming the entry. */
function whenHolds(expression: string, channel: PatientChannel, where: string): boolean {
  let results: unknown[];
  try {
    results = evalFhirPath(expression, channel);
  } catch (err) {
    throw new BridgeError(
      'mapping-invalid-resource',
      `Mapping entry ${where}.when: the FHIRPath condition failed (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
  // FHIRPath's rule for conditions: an empty result is false, one boolean is itself.
  if (results.length === 0) {
    return false;
  }
  if (results.length === 1 && typeof results[0] === 'boolean') {
    return results[0];
  }
  throw new BridgeError(
    'mapping-invalid-resource',
    `Mapping entry ${where}.when: the condition gave ${results.length === 1 ? kindOf(results[0]) : `${results.length} values`}, expected true or false; compare something, e.g. method_of_arrival = 'ems'`,
  );
}

/**
 * Whether an entry applies to a channel: its patientTypes (compared without regard to
 * case, as Pulsara's types are) and its when condition must both hold. Returns why not in
 * plain words (naming the channel's patient type, which is not PHI), or undefined when it
 * applies.
 */
export function notApplicableReason(
  conditions: EntryConditions,
  channel: PatientChannel,
  where: string,
): string | undefined {
  if (conditions.patientTypes !== undefined && conditions.patientTypes.length > 0) {
    const wanted = conditions.patientTypes.map(normalised);
    const actual = typeof channel.patient_type === 'string' ? normalised(channel.patient_type) : undefined;
    if (actual === undefined || !wanted.includes(actual)) {
      const is = actual === undefined || actual === '' ? 'has no patient type' : `is ${actual}`;
      return `applies to ${wanted.join(', ')} channels; this channel ${is}`;
    }
  }
  if (conditions.when !== undefined && !whenHolds(conditions.when, channel, where)) {
    return 'its "when" condition is false for this channel';
  }
  return undefined;
}
