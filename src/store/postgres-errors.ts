import { storeUnavailable } from './store-errors';

/** Socket-level failures: the server is down, unreachable or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * SQLSTATE classes that mean "cannot use the database now": 08 connection exception,
 * 53 insufficient resources, 57 operator intervention (shutdown), 58 system error,
 * 28 authorisation, 3D unknown database, 40 transaction rollback (deadlock,
 * serialisation), 25006 read-only transaction (a replica after fail-over).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58|28|3D|40)|^25006$/;

/** pg reports some connection failures with no code, only a message. */
const UNAVAILABLE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i;

export function isUnavailableError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) {
    return false;
  }
  const code = 'code' in err ? String((err as { code: unknown }).code) : '';
  const message = err instanceof Error ? err.message : '';
  return (
    NETWORK_CODES.has(code) ||
    UNAVAILABLE_SQLSTATE.test(code) ||
    UNAVAILABLE_MESSAGE.test(message) ||
    err instanceof AggregateError
  );
}

/** Maps connection-level failures to store-unavailable; anything else is a bug and passes through. */
export function translatePgError(err: unknown, where: string): unknown {
  if (isUnavailableError(err)) {
    const code =
      typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'no code';
    return storeUnavailable(`The PostgreSQL store at ${where} cannot be used (${code}).`, err);
  }
  return err;
}
