import { decodeJson } from './ledger-json';
import type { Delivery, DeliveryStatus, FailureRecord } from './types';
import type { WriteOutcome } from '../shared/write-outcome';

/** The ledger table of a schema; pg-boss keeps its own tables beside it. */
export function ledgerTable(schema: string): string {
  return `${schema}.pfb_deliveries`;
}

/** A `pfb_deliveries` row as pg returns it: timestamptz as Date, jsonb already parsed. */
export interface LedgerRow {
  id: string;
  event_id: string;
  event_type: string;
  channel_id: string | null;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  received_at: Date;
  updated_at: Date;
  waiting_since: Date | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  last_error: unknown;
  outcome: unknown;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  ignored_reason: string | null;
}

/** The port's view of a ledger row. */
export function toDelivery(row: LedgerRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    channelId: row.channel_id,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    receivedAt: row.received_at,
    updatedAt: row.updated_at,
    waitingSince: row.waiting_since,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    lastError: decodeJson<FailureRecord>(row.last_error),
    outcome: decodeJson<WriteOutcome>(row.outcome),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    ignoredReason: row.ignored_reason,
  };
}

/**
 * SQL condition for a due row at `now` (a parameter such as `$2`): a first attempt, a
 * retry whose time has come, or a lease that ran out. `alias` qualifies the columns when
 * the query reads the ledger twice. The same rule as the SQLite store's DUE.
 */
export function dueSql(now: string, alias?: string): string {
  const c = alias ? `${alias}.` : '';
  return `(${c}status = 'pending' OR (${c}status = 'retrying' AND ${c}next_attempt_at <= ${now})
    OR (${c}status = 'processing' AND ${c}lease_expires_at <= ${now}))`;
}
