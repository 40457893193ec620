import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { RefusalStyle } from '../profiles/types';

/** Epic's code system for its own error and warning codes. */
export const EPIC_ERROR_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.657369';

/** What went wrong, in the emulator's words; each vendor style turns it into its own answer. */
export type RefusalKind =
  /** The written content breaks a vendor rule or FHIR itself. */
  | 'invalid'
  /** A required element is missing. */
  | 'required'
  /** The interaction or resource type is not offered. */
  | 'not-supported'
  /** A second reading where the vendor takes one (Epic 59189). */
  | 'duplicate'
  /** A search without the parameters the vendor requires. */
  | 'search-missing-parameter'
  /** A search parameter the vendor does not support (a refusal or a warning). */
  | 'search-unknown-parameter'
  /** A search that found nothing (Epic warns). */
  | 'search-no-results'
  /** Version-aware update without, or with a stale, `If-Match`. */
  | 'precondition'
  | 'conflict'
  | 'not-found';

export interface Refusal {
  kind: RefusalKind;
  message: string;
  /** FHIRPath of the element concerned, or the parameter name. */
  expression?: string;
  /** Overrides the vendor's usual code for this kind (Epic's 59189). */
  vendorCode?: string;
}

/** Epic codes (and their displays) by kind: as integrators report Epic's answers. */
const EPIC_CODES: Readonly<Record<RefusalKind, { code: string; display: string } | undefined>> = {
  invalid: { code: '59100', display: 'Content invalid against the specification or a profile.' },
  required: { code: '59100', display: 'Content invalid against the specification or a profile.' },
  'not-supported': undefined,
  duplicate: { code: '59189', display: 'Duplicate value: the flowsheet row already holds a value at this instant.' },
  'search-missing-parameter': { code: '4111', display: 'Required search parameter missing from request.' },
  'search-unknown-parameter': { code: '4122', display: 'An unknown query parameter was supplied by the client.' },
  'search-no-results': { code: '4101', display: 'Resource request returns no results.' },
  precondition: undefined,
  conflict: undefined,
  'not-found': { code: '4102', display: 'The read resource request contained an invalid ID.' },
};

/** FHIR issue type per kind. */
const ISSUE_CODES: Readonly<Record<RefusalKind, OperationOutcomeIssue['code']>> = {
  invalid: 'value',
  required: 'required',
  'not-supported': 'not-supported',
  duplicate: 'duplicate',
  'search-missing-parameter': 'required',
  'search-unknown-parameter': 'not-supported',
  'search-no-results': 'informational',
  precondition: 'conflict',
  conflict: 'conflict',
  'not-found': 'not-found',
};

const WARNINGS = new Set<RefusalKind>(['search-no-results']);

/**
 * The OperationOutcome a vendor answers with. Epic codes every issue in its own system
 * (`details.coding`) with the text beside it and reports errors as `fatal`; Millennium
 * sends a plain FHIR issue (`error`, an issue type, `details.text`, the element path).
 */
export function vendorOutcome(style: RefusalStyle, refusals: readonly Refusal[], warning = false): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: refusals.map((refusal) => issueOf(style, refusal, warning || WARNINGS.has(refusal.kind))),
  };
}

function issueOf(style: RefusalStyle, refusal: Refusal, warning: boolean): OperationOutcomeIssue {
  const expression = refusal.expression ? { expression: [refusal.expression] } : {};
  if (style === 'oracle') {
    return {
      severity: warning ? 'warning' : 'error',
      code: ISSUE_CODES[refusal.kind],
      details: { text: refusal.message },
      ...expression,
    };
  }
  const known = EPIC_CODES[refusal.kind];
  const coding = known && {
    system: EPIC_ERROR_SYSTEM,
    ...known,
    ...(refusal.vendorCode ? { code: refusal.vendorCode } : {}),
  };
  return {
    severity: warning ? 'warning' : 'fatal',
    code: ISSUE_CODES[refusal.kind],
    details: { ...(coding ? { coding: [coding] } : {}), text: coding?.display ?? refusal.message },
    diagnostics: refusal.message,
    ...expression,
  };
}
