import type { Identifier, Observation } from '@medplum/fhirtypes';
import { BridgeError } from '../../shared/errors';
import { codeableConcept } from './codes';
import { isInstantLike, toEpochMs } from './fhir-datetime';
import { evaluateDateTime } from './fhirpath';
import { whyNoTime } from './missing-time';
import type { MappedObservation, MappingFile, MappingInput, MissingTime, ObservationMapping } from '../types';

/** Suffix of the identifier system of timeline Observations. */
export const TIMELINE_SUFFIX = '/timeline';

const UCUM = 'http://unitsofmeasure.org';

/** How an entry is named in error messages: `observations[key=lkw]`. */
export function entryName(entry: ObservationMapping): string {
  return `observations[key=${entry.key}]`;
}

/** Minutes between two instants, whole when whole, else to one decimal. */
export function minutesBetween(from: string, to: string): number {
  return Math.round((toEpochMs(to) - toEpochMs(from)) / 6000) / 10;
}

function requireInstant(value: string, where: string): void {
  if (!isInstantLike(value)) {
    throw new BridgeError(
      'mapping-invalid-resource',
      `Mapping entry ${where}: an interval needs a date with a time of day and zone, but the expression gave a partial date`,
    );
  }
}

type ObservationValue = Pick<Observation, 'valueDateTime' | 'valueQuantity'>;

/** The value of the Observation, or why not when the start of its interval is not set. */
function observationValue(
  entry: ObservationMapping,
  time: string,
  input: MappingInput,
): { value: ObservationValue } | { missing: MissingTime } {
  if (entry.value?.type !== 'minutesSince') {
    return { value: { valueDateTime: time } };
  }
  const where = entryName(entry);
  const from = evaluateDateTime(entry.value.from, input.channel, `${where}.value.from`);
  if (from === undefined) {
    return { missing: whyNoTime('value.from', entry.value.from, input.channel) };
  }
  requireInstant(from, `${where}.value.from`);
  requireInstant(time, `${where}.time`);
  return { value: { valueQuantity: { value: minutesBetween(from, time), unit: 'min', system: UCUM, code: 'min' } } };
}

/**
 * One timestamp entry as an Observation. The identifier is always returned, so the
 * writer can find (and, per onRemoved, retract) an Observation whose time was cleared;
 * `resource` is present only when every time the entry needs is set. Times are kept as
 * Pulsara wrote them, offset included.
 */
export function buildObservation(
  mapping: MappingFile,
  entry: ObservationMapping,
  input: MappingInput,
): MappedObservation {
  const where = entryName(entry);
  const identifier: Identifier = {
    system: `${mapping.identifierSystem}${TIMELINE_SUFFIX}`,
    value: `${input.channel.id}.${entry.key}`,
  };
  const mapped: MappedObservation = { key: entry.key, identifier, onRemoved: entry.onRemoved ?? 'entered-in-error' };

  const time = evaluateDateTime(entry.time, input.channel, `${where}.time`);
  if (time === undefined) {
    return { ...mapped, missingTime: whyNoTime('time', entry.time, input.channel) };
  }
  const value = observationValue(entry, time, input);
  if ('missing' in value) {
    return { ...mapped, missingTime: value.missing };
  }
  const effective =
    entry.effective === undefined ? time : evaluateDateTime(entry.effective, input.channel, `${where}.effective`);

  mapped.resource = {
    resourceType: 'Observation',
    identifier: [{ ...identifier }],
    status: entry.status ?? 'final',
    category: entry.category.map((name, i) => codeableConcept(mapping, name, `${where}.category[${i}]`)),
    code: codeableConcept(mapping, entry.code, `${where}.code`),
    subject: { ...input.patient },
    ...(input.encounter && { encounter: { ...input.encounter } }),
    ...(effective !== undefined && { effectiveDateTime: effective }),
    ...value.value,
  };
  return mapped;
}
