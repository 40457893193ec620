/**
 * FHIR R4 `dateTime`, as the specification's regular expression defines it: a year, a
 * month or a day, or a full time that then must carry `Z` or an offset.
 */
const FHIR_DATE_TIME =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;

/** True for a valid FHIR R4 dateTime string (partial dates included). */
export function isFhirDateTime(value: string): boolean {
  return FHIR_DATE_TIME.test(value);
}

/** True for a FHIR dateTime down to the second, with its zone: a point in time. */
export function isInstantLike(value: string): boolean {
  return isFhirDateTime(value) && value.includes('T') && !Number.isNaN(Date.parse(value));
}

/** Milliseconds since the epoch of a FHIR dateTime with a time; offsets are honoured. */
export function toEpochMs(value: string): number {
  return Date.parse(value);
}
