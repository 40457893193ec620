import { DateTime, IANAZone } from 'luxon';

/** A date and time of day with no `Z` and no offset: `2026-11-25T13:02:40` (seconds optional). */
const WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** A FHIR dateTime down to the time of day, with its zone. */
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * True for a zone a site can name: an IANA place name (`America/Chicago`) or `UTC`.
 * Abbreviations such as `EST` or `CST` are refused although the runtime knows some of
 * them: they are fixed offsets, so daylight saving time would be lost.
 */
export function isSiteTimeZone(zone: string): boolean {
  return (zone === 'UTC' || /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(zone)) && IANAZone.isValidZone(zone);
}

export function hasTimeWithoutOffset(value: string): boolean {
  return WITHOUT_OFFSET.test(value);
}

/** ISO text of a luxon time, seconds always, milliseconds only when there are some. */
function iso(time: DateTime): string {
  return time.toISO({ suppressMilliseconds: true }) as string;
}

/**
 * The same instant written in the site's offset at that moment (`…T19:02:40Z` becomes
 * `…T13:02:40-06:00` in America/Chicago in November). Partial dates are returned as they
 * are: they have no instant to move.
 */
export function inSiteZone(value: string, zone: string): string {
  if (!WITH_OFFSET.test(value)) {
    return value;
  }
  return iso(DateTime.fromISO(value, { setZone: true }).setZone(zone));
}

/**
 * A local date and time read as the site's wall-clock time, with its offset. In the hour
 * skipped when clocks go forward the time is moved on by that hour, as clocks are.
 */
export function readAsSiteTime(value: string, zone: string): string {
  return iso(DateTime.fromISO(value, { zone }));
}

/**
 * A time for people to read, in the site's zone when it has one, else in its own offset:
 * `2026-11-25 13:02:40 CST`. Anything that is not a date with a time is returned as is.
 */
export function localTimeText(value: string, zone?: string): string {
  if (!WITH_OFFSET.test(value)) {
    return value;
  }
  const time = DateTime.fromISO(value, { setZone: true });
  return zone ? time.setZone(zone).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ') : time.toFormat('yyyy-MM-dd HH:mm:ss ZZ');
}
