/**
 * Typed errors of the bridge. Every failure that reaches the delivery ledger is a
 * BridgeError: its `code` is stable (operators filter on it), its `retryable` flag
 * drives the retry policy, and its message is written for the person who must act.
 * Messages never carry PHI (names, MRNs, DOB, PDF content): only ids and outcomes.
 */

/** Stable machine-readable failure codes, as stored in the ledger. */
export type BridgeErrorCode =
  | 'config-invalid'
  | 'mapping-invalid'
  | 'mapping-invalid-resource'
  | 'event-invalid'
  | 'identifier-empty'
  | 'pulsara-auth'
  | 'pulsara-not-found'
  | 'pulsara-rate-limited'
  | 'pulsara-unavailable'
  | 'pulsara-bad-response'
  | 'summary-not-pdf'
  | 'summary-too-large'
  | 'patient-not-found'
  | 'patient-ambiguous'
  | 'encounter-not-found'
  | 'encounter-ambiguous'
  | 'ehr-auth'
  | 'ehr-rate-limited'
  | 'ehr-unavailable'
  | 'ehr-rejected'
  | 'ehr-conflict'
  | 'store-unavailable'
  /** Something an operator named (a delivery, a channel) does not exist. */
  | 'not-found'
  | 'internal';

/** How the retry policy should treat a failure. */
export type RetrySchedule =
  /** Never retry: dead letter at once. */
  | 'none'
  /** Ordinary exponential backoff (timeouts, 5xx, 429). */
  | 'backoff'
  /** Slow schedule over a long window: the patient or visit is not registered yet. */
  | 'patient-wait'
  /** Nothing to deliver now, and a later event will bring it: end as ignored, not dead. */
  | 'skip';

export interface BridgeErrorOptions {
  schedule?: RetrySchedule;
  /** Server-requested delay (429/503 Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** Extra machine-readable detail kept in the ledger (e.g. an OperationOutcome). No PHI. */
  detail?: unknown;
  cause?: unknown;
}

export class BridgeError extends Error {
  readonly code: BridgeErrorCode;
  readonly schedule: RetrySchedule;
  readonly retryAfterMs?: number;
  readonly detail?: unknown;

  constructor(code: BridgeErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BridgeError';
    this.code = code;
    this.schedule = options.schedule ?? 'none';
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail;
  }

  get retryable(): boolean {
    return this.schedule === 'backoff' || this.schedule === 'patient-wait';
  }
}

export function isBridgeError(err: unknown): err is BridgeError {
  return err instanceof BridgeError;
}

/** Wraps anything thrown into a BridgeError; unknown errors are permanent 'internal' failures. */
export function toBridgeError(err: unknown): BridgeError {
  if (isBridgeError(err)) {
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new BridgeError('internal', `Unexpected error: ${message}`, { cause: err });
}

/** Parses an HTTP Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) {
    return undefined;
  }
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return Math.round(seconds * 1000);
  }
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
