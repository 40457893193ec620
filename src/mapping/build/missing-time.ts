import type { PatientChannel } from '../../pulsara/types';
import { findTimelineKey } from '../pulsara-catalogue';
import type { MissingTime } from '../types';

/**
 * `timeline.where(key='X')…`, the form nearly every time expression takes: the key it
 * reads. Keys with quotes or escapes in them are left to the general wording.
 */
const TIMELINE_KEY = /^\s*timeline\s*\.\s*where\s*\(\s*key\s*=\s*'([^'\\]+)'\s*\)/;

/**
 * Why a time expression found no time in a channel, told apart where the expression
 * shows which timeline entry it reads: a key the channel does not have at all (often a
 * misspelling) is a mapping problem, a key whose time is still empty is not.
 */
export function whyNoTime(field: MissingTime['field'], expression: string, channel: PatientChannel): MissingTime {
  const key = TIMELINE_KEY.exec(expression)?.[1];
  if (key === undefined) {
    return { field, reason: 'no-result' };
  }
  const entries = (channel.timeline ?? []).filter((entry) => entry.key === key);
  if (entries.length === 0) {
    return { field, reason: 'no-timeline-entry', timelineKey: key };
  }
  // The entry is there and has a time, yet the expression found none: say only that.
  const allUnset = entries.every((entry) => entry.time === null || entry.time === undefined);
  return allUnset ? { field, reason: 'not-set-yet', timelineKey: key } : { field, reason: 'no-result' };
}

/** The reason in plain words, e.g. "the channel has no timeline entry 'ct_compelte' (…)". */
export function missingTimeText(missing: MissingTime): string {
  const what = missing.field === 'time' ? 'time' : 'value.from';
  switch (missing.reason) {
    case 'no-timeline-entry':
      // A key of Pulsara's catalogue cannot be misspelt (validate checks it): not set, then.
      return findTimelineKey(missing.timelineKey ?? '')
        ? `${what}: the channel has no timeline entry '${missing.timelineKey}' (not set yet, or not used by this organisation)`
        : `${what}: the channel has no timeline entry '${missing.timelineKey}' (misspelt key, or not used by this organisation)`;
    case 'not-set-yet':
      return `${what}: the channel's timeline entry '${missing.timelineKey}' is not set yet`;
    case 'no-result':
      return `${what}: the expression found no time in this channel`;
    case 'no-time-zone':
      return `${what}: the ${missing.timelineKey === undefined ? '' : `${missing.timelineKey} `}time was sent without a time zone offset and the mapping has no "timeZone" to read it in`;
  }
}

/**
 * When a missing key belongs to another programme than the channel's (a STEMI key on a
 * stroke channel), the fix is a condition on the entry: say so.
 */
export function programmeHint(timelineKey: string | undefined, channel: PatientChannel): string {
  const known = timelineKey === undefined ? undefined : findTimelineKey(timelineKey);
  const channelType = typeof channel.patient_type === 'string' ? channel.patient_type.trim().toLowerCase() : '';
  if (!known || known.programme === 'all' || known.programme === channelType) {
    return '';
  }
  return `; it is a ${known.programme} key and this channel is ${channelType === '' ? 'of no patient type' : channelType}: add "patientTypes": ["${known.programme}"] to this entry so that it applies to ${known.programme} channels only`;
}
