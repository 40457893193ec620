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
  return new BridgeError('ehr-unavailable', `The EHR did not answer ${request} (${reason})`, {
    schedule: 'backoff',
    detail,
    cause: err,
  });
}
