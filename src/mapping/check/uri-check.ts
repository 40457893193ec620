const BARE_OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

/**
 * Why a code or identifier system is not a usable URI, or undefined when it is. Aimed at
 * the usual slips: a bare OID, spaces, a '|' (which splits system from value in FHIR
 * searches), a malformed web address.
 */
export function uriProblem(value: string): string | undefined {
  if (/\s/.test(value)) {
    return 'must not contain spaces';
  }
  if (BARE_OID.test(value)) {
    return `looks like a bare OID; write it as urn:oid:${value}`;
  }
  if (!SCHEME.test(value)) {
    return 'must be a URI such as http://loinc.org or urn:oid:1.2.840.114350…';
  }
  if (value.includes('|')) {
    return "must not contain '|' (FHIR searches use it to separate system and value)";
  }
  if (/^urn:oid:/i.test(value) && !BARE_OID.test(value.slice('urn:oid:'.length))) {
    return 'has an invalid OID after urn:oid: (numbers separated by dots, e.g. urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14)';
  }
  if (/^https?:/i.test(value) && !URL.canParse(value)) {
    return 'is not a valid web address';
  }
  return undefined;
}
