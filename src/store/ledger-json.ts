import type { FailureRecord } from './types';
import type { WriteOutcome } from '../shared/write-outcome';

/**
 * JSON columns of the ledger (last_error, outcome). Both adapters store them as text or
 * jsonb; these helpers keep the encoding in one place.
 */
export function encodeJson(value: FailureRecord | WriteOutcome | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

export function decodeJson<T>(value: unknown): T | null {
  if (value === null || value === undefined) {
    return null;
  }
  // pg returns jsonb already parsed; SQLite returns text.
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
