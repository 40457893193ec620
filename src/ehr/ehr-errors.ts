import type { OperationOutcome } from '@medplum/fhirtypes';
import { isAxiosError } from 'axios';
import { BridgeError, parseRetryAfter } from '../shared/errors';

/**
 * Turns failed EHR HTTP exchanges (FHIR API and token endpoints) into BridgeErrors, so
 * that the retry policy sees one vocabulary: ehr-auth, ehr-rate-limited, ehr-unavailable,
 * ehr-conflict, ehr-rejected.
 */

/** The parts of an OperationOutcome issue kept in the ledger. */
export interface OutcomeIssueDetail {
  severity?: string;
  code?: string;
  diagnostics?: string;
  expression?: string[];
}

/** Detail stored with an ehr-* failure. */
export interface EhrFailureDetail {
  status?: number;
  /** What was attempted, e.g. "POST DocumentReference" (never a query string). */
  request: string;
  issues?: OutcomeIssueDetail[];
}

function isOperationOutcome(body: unknown): body is OperationOutcome {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { resourceType?: unknown }).resourceType === 'OperationOutcome'
  );
}

/** The issues of an OperationOutcome body, or undefined when the body is something else. */
export function outcomeIssues(body: unknown): OutcomeIssueDetail[] | undefined {
  if (!isOperationOutcome(body)) {
    return undefined;
  }
  return (body.issue ?? []).map((issue) => ({
    severity: issue.severity,
    code: issue.code,
    diagnostics: issue.diagnostics ?? issue.details?.text,
    expression: issue.expression ?? issue.location,
  }));
}

function describeIssues(issues: OutcomeIssueDetail[] | undefined): string | undefined {
  const texts = (issues ?? [])
    .map((i) =>
      [i.diagnostics, i.expression?.length ? `(at ${i.expression.join(', ')})` : undefined].filter(Boolean).join(' '),
    )
    .filter((t) => t.length > 0);
  return texts.length > 0 ? texts.join('; ') : undefined;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  return headers[name.toLowerCase()];
}

/** Classifies a non-2xx answer of the EHR. `request` names the call without its query string. */
export function httpFailure(
  status: number,
  headers: Record<string, string>,
  body: unknown,
  request: string,
): BridgeError {
  const issues = outcomeIssues(body);
  const detail: EhrFailureDetail = { status, request, issues };
  const said = describeIssues(issues);
  const suffix = said ? `: ${said}` : '';
  if (status === 401 || status === 403) {
    return new BridgeError('ehr-auth', `The EHR refused our credentials (${status}) on ${request}${suffix}`, {
      detail,
    });
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'));
    return new BridgeError('ehr-rate-limited', `The EHR rate-limited ${request} (429)`, {
      schedule: 'backoff',
      retryAfterMs,
      detail,
    });
  }
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'));
    return new BridgeError('ehr-unavailable', `The EHR failed on ${request} (${status})${suffix}`, {
      schedule: 'backoff',
      retryAfterMs,
      detail,
    });
  }
  if (status === 412) {
    return new BridgeError(
      'ehr-conflict',
      `The EHR answered 412 on ${request}: the match is ambiguous or the resource changed meanwhile${suffix}`,
      { detail },
    );
  }
  return new BridgeError(
    'ehr-rejected',
    `The EHR rejected ${request} (${status})${said ? `: ${said}` : ' without an OperationOutcome'}`,
    { detail },
  );
}

/**
 * The EHR refused our credentials on a FHIR call: a 401 that a fresh token did not cure
 * (the client refreshes once before this), or a 403. `hint` names the settings to check
 * (client id, scopes), never the token.
 */
export function credentialsRefused(status: number, body: unknown, request: string, hint?: string): BridgeError {
  const issues = outcomeIssues(body);
  const said = describeIssues(issues);
  const reason =
    status === 401
      ? `The EHR refused our credentials on ${request} (401), again with a freshly obtained token`
      : `The EHR refused ${request} (403): these credentials are not allowed to do it`;
  return new BridgeError('ehr-auth', `${reason}${said ? ` (${said})` : ''}${hint ? `; check ${hint}` : ''}`, {
    detail: { status, request, issues } satisfies EhrFailureDetail,
  });
}

/** TLS failures, by what the operator must do about them. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** What to do about a TLS failure (by its code), or undefined when the code is not one. */
function tlsAdvice(code: string, message: string): string | undefined {
  if (UNTRUSTED_CERTIFICATE.has(code)) {
    return "the EHR's TLS certificate is not trusted: if the hospital uses its own certificate authority, set FHIR_CA_FILE to its PEM bundle";
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return "the EHR's TLS certificate is not valid now; ask the EHR team to renew it";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return "the EHR's TLS certificate does not name the host of FHIR_BASE_URL; use the host name the certificate is issued for";
  }
  if (
    /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/i.test(`${code} ${message}`)
  ) {
    return 'the EHR refused the TLS handshake: if it asks for a client certificate, set FHIR_CLIENT_CERT_FILE and FHIR_CLIENT_KEY_FILE to one it trusts';
  }
  return undefined;
}

/** Axios codes that mean our request could not even be formed: retrying will not help. */
const CLIENT_SIDE_CODES = new Set(['ERR_INVALID_URL', 'ERR_BAD_OPTION', 'ERR_BAD_OPTION_VALUE', 'ERR_NOT_SUPPORT']);

/** Classifies an exchange that produced no HTTP answer (timeout, refused connection…). */
export function networkFailure(err: unknown, request: string): BridgeError {
  const code = isAxiosError(err) ? err.code : undefined;
  const reason = code ?? (err instanceof Error ? err.message : 'no answer');
  if (code && CLIENT_SIDE_CODES.has(code)) {
    return new BridgeError('internal', `Could not send ${request} to the EHR (${reason})`, { cause: err });
  }
  const detail: EhrFailureDetail = { request };
  const advice = code ? tlsAdvice(code, err instanceof Error ? err.message : '') : undefined;
  const message = advice
    ? `TLS to the EHR failed on ${request} (${reason}): ${advice}`
    : `The EHR did not answer ${request} (${reason})`;
  return new BridgeError('ehr-unavailable', message, {
    schedule: 'backoff',
    detail,
    cause: err,
  });
}
