import { decodeJson, encodeJson } from './ledger-json';
import type { Delivery, DeliveryStatus, FailureRecord, NewEvent } from './types';
import type { WriteOutcome } from '../shared/write-outcome';

/*
 * The ledger's rules, written once for both adapters: what a row looks like, when a
 * delivery is due, when a channel is free, what a lease end and a requeue write, and
 * what the lease fence checks. The SQLite and PostgreSQL adapters keep only what differs
 * between them (dialect, locking, the pg-boss queue).
 *
 * Each rule comes in the form its users need:
 * - pure functions over a Delivery (isDue, holdsLease...), the statement of the rule and
 *   an oracle for tests;
 * - SQL fragments for the queries, parameterised by the adapter's placeholders (`@now`
 *   for SQLite, `$2` for pg) and an optional table alias; the SQL is plain enough that
 *   both engines run it unchanged;
 * - column values (LedgerColumns) for what a write sets, which each adapter binds in
 *   its own placeholder style and time encoding (see assignmentsSql).
 * Tests hold the three forms to each other (test/unit/store/ledger-rules.test.ts and the
 * store contract).
 */

// ---------------------------------------------------------------------------------------
// Rows

/**
 * A ledger row as a driver returns it. Times are INTEGER milliseconds in SQLite and Date
 * (timestamptz) in PostgreSQL; the JSON columns are text in SQLite and parsed jsonb in
 * pg. PostgreSQL rows carry queue bookkeeping columns too, which the port does not show.
 */
export interface LedgerRow<Time extends number | Date = number | Date> {
  id: string;
  event_id: string;
  event_type: string;
  channel_id: string | null;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  received_at: Time;
  updated_at: Time;
  waiting_since: Time | null;
  next_attempt_at: Time | null;
  delivered_at: Time | null;
  last_error: unknown;
  outcome: unknown;
  lease_owner: string | null;
  lease_expires_at: Time | null;
  ignored_reason: string | null;
}

function toDate(value: number | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

function toOptionalDate(value: number | Date | null): Date | null {
  return value === null ? null : toDate(value);
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
    receivedAt: toDate(row.received_at),
    updatedAt: toDate(row.updated_at),
    waitingSince: toOptionalDate(row.waiting_since),
    nextAttemptAt: toOptionalDate(row.next_attempt_at),
    deliveredAt: toOptionalDate(row.delivered_at),
    lastError: decodeJson<FailureRecord>(row.last_error),
    outcome: decodeJson<WriteOutcome>(row.outcome),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: toOptionalDate(row.lease_expires_at),
    ignoredReason: row.ignored_reason,
  };
}

/** A value a rule writes to a column; adapters encode Dates their own way (ms or timestamptz). */
export type LedgerValue = string | number | Date | null;

/** Column name to value, in the order the SQL lists them. */
export type LedgerColumns = Readonly<Record<string, LedgerValue>>;

/**
 * `column = placeholder, ...` for a write; `placeholder` names the value of a column in
 * the adapter's style, e.g. `@c_status` for SQLite or `$4` for pg (index counts from 0).
 */
export function assignmentsSql(columns: LedgerColumns, placeholder: (column: string, index: number) => string): string {
  return Object.keys(columns)
    .map((column, index) => `${column} = ${placeholder(column, index)}`)
    .join(', ');
}

/** `INSERT INTO table (columns) VALUES (placeholders)`, placeholders as for assignmentsSql. */
export function insertSql(
  table: string,
  columns: LedgerColumns,
  placeholder: (column: string, index: number) => string,
): string {
  const names = Object.keys(columns);
  return `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(placeholder).join(', ')})`;
}

// ---------------------------------------------------------------------------------------
// Recording

/** An event recorded with an ignored reason is ignored from the start; any other waits for a worker. */
export function initialStatus(event: NewEvent): DeliveryStatus {
  return event.ignoredReason !== undefined ? 'ignored' : 'pending';
}

/** The columns of a newly recorded event's row. */
export function newRowColumns(id: string, event: NewEvent, now: Date): LedgerColumns {
  return {
    id,
    event_id: event.eventId,
    event_type: event.eventType,
    channel_id: event.channelId,
    payload: event.payload,
    status: initialStatus(event),
    attempts: 0,
    received_at: event.receivedAt,
    updated_at: now,
    ignored_reason: event.ignoredReason ?? null,
  };
}

// ---------------------------------------------------------------------------------------
// The "due" rule and leases

/** The fields the time rules read. */
type Timed = Pick<Delivery, 'status' | 'nextAttemptAt' | 'leaseExpiresAt'>;

/** Statuses in which a delivery can be due; the others are final until an operator requeues. */
export const OPEN_STATUSES: readonly DeliveryStatus[] = ['pending', 'retrying', 'processing'];

/** Due at `now`: a first attempt, a retry whose time has come, or a lease that ran out. */
export function isDue(d: Timed, now: Date): boolean {
  return d.status === 'pending' || isRetryDue(d, now) || isLeaseExpired(d, now);
}

function isRetryDue(d: Timed, now: Date): boolean {
  return d.status === 'retrying' && d.nextAttemptAt !== null && d.nextAttemptAt.getTime() <= now.getTime();
}

function isLeaseExpired(d: Timed, now: Date): boolean {
  return d.status === 'processing' && d.leaseExpiresAt !== null && d.leaseExpiresAt.getTime() <= now.getTime();
}

/** A lease is live until the instant it expires; from that instant the delivery is due again. */
export function hasLiveLease(d: Timed, now: Date): boolean {
  return d.status === 'processing' && d.leaseExpiresAt !== null && d.leaseExpiresAt.getTime() > now.getTime();
}

/** The lease fence: mark* and renewLease act only for the worker holding a live lease. */
export function holdsLease(d: Timed & Pick<Delivery, 'leaseOwner'>, workerId: string, now: Date): boolean {
  return hasLiveLease(d, now) && d.leaseOwner === workerId;
}

/** When a lease taken (or renewed) at `now` for `leaseMs` runs out. */
export function leaseExpiry(now: Date, leaseMs: number): Date {
  return new Date(now.getTime() + leaseMs);
}

function column(alias: string | undefined, name: string): string {
  return alias ? `${alias}.${name}` : name;
}

function statusInSql(statuses: readonly DeliveryStatus[], alias?: string): string {
  return `${column(alias, 'status')} IN (${statuses.map((s) => `'${s}'`).join(', ')})`;
}

/** SQL for "status is one of OPEN_STATUSES": implied by dueSql, but lets an index on status serve it. */
export function openSql(alias?: string): string {
  return statusInSql(OPEN_STATUSES, alias);
}

/** SQL for "a lease that ran out at `now`" (a placeholder such as `@now` or `$2`). */
export function expiredLeaseSql(now: string, alias?: string): string {
  const c = (name: string): string => column(alias, name);
  return `(${c('status')} = 'processing' AND ${c('lease_expires_at')} <= ${now})`;
}

/** SQL for "waiting and due at `now`": a first attempt or a retry whose time has come. */
export function awaitingSql(now: string, alias?: string): string {
  const c = (name: string): string => column(alias, name);
  return `(${c('status')} = 'pending' OR (${c('status')} = 'retrying' AND ${c('next_attempt_at')} <= ${now}))`;
}

/** SQL for isDue. `alias` qualifies the columns when a query reads the ledger twice. */
export function dueSql(now: string, alias?: string): string {
  return `(${awaitingSql(now, alias)} OR ${expiredLeaseSql(now, alias)})`;
}

/** SQL for hasLiveLease. */
export function liveLeaseSql(now: string, alias?: string): string {
  const c = (name: string): string => column(alias, name);
  return `(${c('status')} = 'processing' AND ${c('lease_expires_at')} > ${now})`;
}

/** SQL for holdsLease: the fence of every mark* and renewLease. */
export function heldSql(worker: string, now: string, alias?: string): string {
  return `(${liveLeaseSql(now, alias)} AND ${column(alias, 'lease_owner')} = ${worker})`;
}

/** SET terms that lease a row to `worker` until `expires`, counting one more attempt. */
export function takeLeaseSql(p: { worker: string; expires: string; now: string }): string {
  return `status = 'processing', attempts = attempts + 1, lease_owner = ${p.worker}, lease_expires_at = ${p.expires}, updated_at = ${p.now}`;
}

/** SET terms that extend a held lease (the WHERE must be heldSql). */
export function renewLeaseSql(p: { expires: string; now: string }): string {
  return `lease_expires_at = ${p.expires}, updated_at = ${p.now}`;
}

// ---------------------------------------------------------------------------------------
// Claim order and per-channel exclusivity

/** Claim order: oldest received first, the id breaking ties. */
export function claimsBefore(a: Pick<Delivery, 'receivedAt' | 'id'>, b: Pick<Delivery, 'receivedAt' | 'id'>): boolean {
  const byTime = a.receivedAt.getTime() - b.receivedAt.getTime();
  return byTime !== 0 ? byTime < 0 : a.id < b.id;
}

/** ORDER BY terms for claim order (oldest first). */
export function oldestFirstSql(alias?: string): string {
  return `${column(alias, 'received_at')}, ${column(alias, 'id')}`;
}

/** ORDER BY terms for the newest first (list, replay). */
export const NEWEST_FIRST_SQL = 'received_at DESC, id DESC';

/**
 * Per-channel exclusivity: a delivery's channel is free when no other delivery of it
 * holds a live lease and no older delivery of it is due (events of a channel go one at a
 * time and in order). A delivery without a channel is always free.
 */
export function isChannelFree(
  candidate: Pick<Delivery, 'id' | 'channelId' | 'receivedAt'>,
  ledger: Iterable<Delivery>,
  now: Date,
): boolean {
  if (candidate.channelId === null) {
    return true;
  }
  for (const other of ledger) {
    if (other.channelId !== candidate.channelId || other.id === candidate.id) {
      continue;
    }
    if (hasLiveLease(other, now) || (isDue(other, now) && claimsBefore(other, candidate))) {
      return false;
    }
  }
  return true;
}

/**
 * SQL for isChannelFree of the row `candidate` (an alias of `table`), reading the other
 * rows as `other`.
 */
export function channelFreeSql(p: { table: string; now: string; candidate: string; other: string }): string {
  const { table, now, candidate: d, other: o } = p;
  return `(${d}.channel_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM ${table} ${o}
      WHERE ${o}.channel_id = ${d}.channel_id AND ${o}.id <> ${d}.id
        AND (${liveLeaseSql(now, o)}
          OR (${dueSql(now, o)} AND (${oldestFirstSql(o)}) < (${oldestFirstSql(d)})))))`;
}

/** SQL for "may be leased now": due and its channel free. */
export function claimableSql(p: { table: string; now: string; candidate: string; other: string }): string {
  return `${dueSql(p.now, p.candidate)} AND ${channelFreeSql(p)}`;
}

// ---------------------------------------------------------------------------------------
// Ending a lease

/** How a worker ends its lease: the outcome and what it carries. */
export type LeaseEnd =
  | { status: 'delivered'; outcome: WriteOutcome }
  | { status: 'retrying'; failure: FailureRecord; nextAttemptAt: Date; waitingSince: Date | null }
  | { status: 'dead'; failure: FailureRecord }
  | { status: 'ignored'; reason: string };

/** The lease columns every lease end clears. */
const NO_LEASE = { lease_owner: null, lease_expires_at: null } as const;

/**
 * What a lease end at `now` writes (the WHERE must be heldSql). A delivered row forgets
 * its retry schedule and wait window; a dead or ignored row keeps its wait window for
 * the record; a retry records when and since when.
 */
export function leaseEndColumns(end: LeaseEnd, now: Date): LedgerColumns {
  switch (end.status) {
    case 'delivered':
      return {
        status: 'delivered',
        delivered_at: now,
        outcome: encodeJson(end.outcome),
        next_attempt_at: null,
        waiting_since: null,
        ...NO_LEASE,
        updated_at: now,
      };
    case 'retrying':
      return {
        status: 'retrying',
        last_error: encodeJson(end.failure),
        next_attempt_at: end.nextAttemptAt,
        waiting_since: end.waitingSince,
        ...NO_LEASE,
        updated_at: now,
      };
    case 'dead':
      return {
        status: 'dead',
        last_error: encodeJson(end.failure),
        next_attempt_at: null,
        ...NO_LEASE,
        updated_at: now,
      };
    case 'ignored':
      return { status: 'ignored', ignored_reason: end.reason, next_attempt_at: null, ...NO_LEASE, updated_at: now };
  }
}

// ---------------------------------------------------------------------------------------
// Operator requeue

/**
 * Statuses an operator may requeue: finished (dead, delivered) or waiting (retrying).
 * A pending row is already queued, a processing one keeps its worker (a live lease is
 * never taken away), an ignored one has nothing to deliver.
 */
export const REQUEUABLE_STATUSES: readonly DeliveryStatus[] = ['dead', 'delivered', 'retrying'];

export function canRequeue(status: DeliveryStatus): boolean {
  return REQUEUABLE_STATUSES.includes(status);
}

/** SQL for canRequeue. */
export function requeuableSql(alias?: string): string {
  return statusInSql(REQUEUABLE_STATUSES, alias);
}

/** What a requeue at `now` writes: pending now, with a fresh attempt budget and no schedule. */
export function requeueColumns(now: Date): LedgerColumns {
  return {
    status: 'pending',
    attempts: 0,
    next_attempt_at: null,
    waiting_since: null,
    ...NO_LEASE,
    updated_at: now,
  };
}
