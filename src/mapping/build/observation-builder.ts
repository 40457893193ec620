import type { Identifier, Observation } from '@medplum/fhirtypes';
import { BridgeError } from '../../shared/errors';
import type { IntervalValue, MappedObservation, MappingFile, MappingInput, ObservationMapping } from '../types';
import type { MappingWarning, MissingTime } from '../types';
import { findTimelineKey } from '../pulsara-catalogue';
import { codeableConcept } from './codes';
import { notApplicableReason } from './conditions';
import { isInstantLike } from './fhir-datetime';
import { readChannelTime } from './fhirpath';
import { expectedRange, intervalLength, intervalQuantity, intervalUnit } from './interval';
import { mappingMeta } from './mapping-tag';
import { missingTimeText, programmeHint, whyNoTime } from './missing-time';
import type { OutOfOrder } from './time-order';
import { outOfOrderText } from './time-order';
import { onlyKeyRead, timelineKeysRead } from './timeline-keys';

/** Suffix of the identifier system of timeline Observations. */
export const TIMELINE_SUFFIX = '/timeline';

/** How an entry is named in error messages: `observations[key=lkw]`. */
export function entryName(entry: ObservationMapping): string {
  return `observations[key=${entry.key}]`;
}

/** What one channel gives every entry: the mapping, the input, the times out of order. */
export interface EntryContext {
  mapping: MappingFile;
  input: MappingInput;
  outOfOrder: readonly OutOfOrder[];
}

/** One entry built: what the writer needs, and the warnings it raised. */
export interface BuiltObservation {
  mapped: MappedObservation;
  warnings: MappingWarning[];
}

type PendingWarning = Omit<MappingWarning, 'entry' | 'action'> & { action?: MappingWarning['action'] };

const SANITY_KINDS: ReadonlySet<MappingWarning['kind']> = new Set([
  'negative-interval',
  'implausible-interval',
  'out-of-order',
]);

function requireInstant(value: string, where: string): void {
  if (!isInstantLike(value)) {
    throw new BridgeError(
      'mapping-invalid-resource',
      `Mapping entry ${where}: an interval needs a date with a time of day and zone, but the expression gave a partial date`,
    );
  }
}

/**
 * A Pulsara key of the channel's own programme (or of every channel) that is absent is a
 * time not set, nothing to warn about; an unknown key, or one of another programme, is.
 */
function expectedToBeMissing(key: string | undefined, channel: MappingInput['channel']): boolean {
  const known = key === undefined ? undefined : findTimelineKey(key);
  const type = typeof channel.patient_type === 'string' ? channel.patient_type.trim().toLowerCase() : '';
  return known !== undefined && (known.programme === 'all' || known.programme === type);
}

/** Reads one of the entry's times, noting zone and missing-entry warnings on the way. */
function readTime(
  field: MissingTime['field'],
  expression: string,
  context: EntryContext,
  entry: ObservationMapping,
  warnings: PendingWarning[],
): { time: string } | { missing: MissingTime } {
  const { channel } = context.input;
  const zone = context.mapping.timeZone;
  const read = readChannelTime(expression, channel, `${entryName(entry)}.${field}`, zone);
  const key = onlyKeyRead(expression);
  const what = `the ${field === 'time' ? 'time' : 'value.from time'}${key === undefined ? '' : ` (${key})`}`;
  if (read.kind === 'none') {
    const missing = whyNoTime(field, expression, channel);
    if (missing.reason === 'no-timeline-entry' && !expectedToBeMissing(missing.timelineKey, channel)) {
      warnings.push({
        kind: 'missing-timeline-entry',
        message: `${missingTimeText(missing)}${programmeHint(missing.timelineKey, channel)}`,
        action: 'not-written',
      });
    }
    return { missing };
  }
  if (read.kind === 'no-offset') {
    warnings.push({
      kind: 'time-without-offset',
      message: `${what} was sent without a time zone offset and the mapping has no "timeZone" to read it in, so the entry is not written; set "timeZone" at the top of the mapping (e.g. "America/Chicago")`,
      action: 'not-written',
    });
    return { missing: { field, reason: 'no-time-zone', ...(key !== undefined && { timelineKey: key }) } };
  }
  if (read.readAsLocal) {
    warnings.push({
      kind: 'time-without-offset',
      message: `${what} was sent without a time zone offset; it was read as ${zone} local time`,
      times: [{ key: key ?? field, time: read.value }],
    });
  }
  return { time: read.value };
}

/** The interval's Quantity, with its sanity warnings. */
function intervalValue(
  entry: ObservationMapping,
  interval: IntervalValue,
  from: string,
  time: string,
  warnings: PendingWarning[],
): Pick<Observation, 'valueQuantity'> {
  const where = entryName(entry);
  requireInstant(from, `${where}.value.from`);
  requireInstant(time, `${where}.time`);
  const unit = intervalUnit(interval.type);
  const length = intervalLength(from, time, unit, interval.rounding ?? 'exact');
  const range = expectedRange(interval);
  const fromKey = onlyKeyRead(interval.from) ?? 'value.from';
  const toKey = onlyKeyRead(entry.time) ?? 'time';
  const times = [
    { key: fromKey, time: from },
    { key: toKey, time },
  ];
  // Negative is the usual slip (a time entered on the wrong side); an entry whose range
  // allows negatives (antibiotics before sepsis time zero) says so with expectedRange.min.
  if (length < range.min && length < 0) {
    warnings.push({
      kind: 'negative-interval',
      message: `the interval is negative (${length} ${unit}): the ${toKey} time is before the ${fromKey} time; check both times in Pulsara`,
      times,
    });
  } else if (length < range.min || length > range.max) {
    const bound =
      length < range.min ? `below the expected minimum of ${range.min}` : `above the expected maximum of ${range.max}`;
    warnings.push({
      kind: 'implausible-interval',
      message: `the interval is ${length} ${unit}, ${bound} ${unit}; check both times in Pulsara, or change "expectedRange" if such values are real`,
      times,
    });
  }
  return { valueQuantity: intervalQuantity(length, unit) };
}

/** Out-of-order warnings for a dateTime entry: the pairs that involve a key its time reads. */
function orderWarnings(entry: ObservationMapping, context: EntryContext, warnings: PendingWarning[]): void {
  const keys = timelineKeysRead(entry.time);
  for (const problem of context.outOfOrder) {
    if (keys.includes(problem.earlier) || keys.includes(problem.later)) {
      warnings.push({
        kind: 'out-of-order',
        message: outOfOrderText(problem),
        times: [
          { key: problem.earlier, time: problem.earlierTime },
          { key: problem.later, time: problem.laterTime },
        ],
      });
    }
  }
}

function finish(
  entry: ObservationMapping,
  mapped: MappedObservation,
  pending: PendingWarning[],
  outcome: MappingWarning['action'],
): BuiltObservation {
  const warnings = pending.map((w) => ({ ...w, entry: entry.key, action: w.action ?? outcome }));
  return { mapped, warnings };
}

/**
 * One timestamp entry as an Observation. The identifier is always returned, so the writer
 * can find (and retract, as `onRemoved` then says) an Observation written before;
 * `resource` is present only when the entry applies to the channel, every time it needs is
 * set, and no sanity warning made the mapping skip it. Times are written as Pulsara sent
 * them, or in the site's offset when the mapping has a timeZone (the instant is kept).
 */
export function buildObservation(context: EntryContext, entry: ObservationMapping): BuiltObservation {
  const { mapping, input } = context;
  const where = entryName(entry);
  const identifier: Identifier = {
    system: `${mapping.identifierSystem}${TIMELINE_SUFFIX}`,
    value: `${input.channel.id}.${entry.key}`,
  };
  const mapped: MappedObservation = { key: entry.key, identifier, onRemoved: entry.onRemoved ?? 'entered-in-error' };

  const notApplicable = notApplicableReason(entry, input.channel, where);
  if (notApplicable !== undefined) {
    // "No longer applies" is not "the time was removed": keep what was filed unless told.
    return { mapped: { ...mapped, notApplicable, onRemoved: entry.onNotApplicable ?? 'keep' }, warnings: [] };
  }

  const pending: PendingWarning[] = [];
  const notWritten = (missing: MissingTime): BuiltObservation =>
    finish(
      entry,
      // A time that could not be read is not a time removed: leave what was filed.
      { ...mapped, missingTime: missing, ...(missing.reason === 'no-time-zone' && { onRemoved: 'keep' as const }) },
      pending,
      'not-written',
    );

  const time = readTime('time', entry.time, context, entry, pending);
  if ('missing' in time) {
    return notWritten(time.missing);
  }
  let value: Pick<Observation, 'valueDateTime' | 'valueQuantity'>;
  if (entry.value !== undefined && entry.value.type !== 'dateTime') {
    const from = readTime('value.from', entry.value.from, context, entry, pending);
    if ('missing' in from) {
      return notWritten(from.missing);
    }
    value = intervalValue(entry, entry.value, from.time, time.time, pending);
  } else {
    value = { valueDateTime: time.time };
    orderWarnings(entry, context, pending);
  }
  let effective: string | undefined = time.time;
  if (entry.effective !== undefined) {
    const read = readChannelTime(entry.effective, input.channel, `${where}.effective`, mapping.timeZone);
    effective = read.kind === 'time' ? read.value : undefined;
  }

  if (entry.onImplausible === 'skip' && pending.some((w) => SANITY_KINDS.has(w.kind))) {
    return finish(entry, { ...mapped, skippedForWarnings: true }, pending, 'skipped');
  }
  mapped.resource = {
    resourceType: 'Observation',
    meta: mappingMeta(mapping),
    identifier: [{ ...identifier }],
    status: entry.status ?? 'final',
    category: entry.category.map((name, i) => codeableConcept(mapping, name, `${where}.category[${i}]`)),
    code: codeableConcept(mapping, entry.code, `${where}.code`),
    subject: { ...input.patient },
    ...(input.encounter && { encounter: { ...input.encounter } }),
    ...(effective !== undefined && { effectiveDateTime: effective }),
    ...value,
  };
  return finish(entry, mapped, pending, 'written');
}
