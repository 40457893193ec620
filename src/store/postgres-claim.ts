import type { PoolClient } from 'pg';
import {
  claimableSql,
  hasLiveLease,
  isDue,
  leaseExpiry,
  liveLeaseSql,
  OPEN_STATUSES,
  takeLeaseSql,
  toDelivery,
} from './ledger-rules';
import type { InLedgerTransaction, TransactionHints } from './postgres-boss';
import { ledgerTable } from './postgres-schema';
import type { PgLedgerRow } from './postgres-schema';
import type { Delivery, DeliveryStatus } from './types';

/*
 * Claiming in the PostgreSQL store (see the design note in postgres-store.ts): a claim
 * fetches a hint and leases its row in one transaction. The ledger row decides: a hint
 * whose row is not due, or whose channel is busy, is completed and, if the row still
 * needs one, re-sent for later.
 */

/** Hints tried per claim before it reports nothing to do (the rest wait for the next claim). */
const MAX_FETCHES_PER_CLAIM = 8;
/** Bounds of the wait before a blocked hint comes back. */
const MIN_DEFER_MS = 1000;
const MAX_DEFER_MS = 60_000;

/** Who claims, for how long, and the store clock's time of the claim. */
export interface ClaimRequest {
  workerId: string;
  leaseMs: number;
  now: Date;
}

/** Leases the next due delivery through its hint, or returns null when none could be leased. */
export async function claimDelivery(
  transaction: InLedgerTransaction,
  schema: string,
  request: ClaimRequest,
): Promise<Delivery | null> {
  // One hint per transaction, so a transaction holds at most one channel lock.
  for (let i = 0; i < MAX_FETCHES_PER_CLAIM; i += 1) {
    const attempt = await transaction((client, hints) => claimFromOneHint(client, hints, schema, request));
    if (attempt === 'empty') {
      return null;
    }
    if (attempt !== 'skipped') {
      return attempt;
    }
  }
  return null;
}

/** 'empty' when no hint is fetchable; 'skipped' when the hinted row could not be leased. */
async function claimFromOneHint(
  client: PoolClient,
  hints: TransactionHints,
  schema: string,
  request: ClaimRequest,
): Promise<Delivery | 'empty' | 'skipped'> {
  const job = await hints.fetchOne();
  if (job === null) {
    return 'empty';
  }
  const leased = await lease(client, schema, job.data.deliveryId, job.id, request);
  if (leased) {
    return leased;
  }
  await hints.complete(job.id, { skipped: true });
  const again = await deferral(client, schema, job.data.deliveryId, request.now);
  if (again && 'at' in again) {
    await hints.send(job.data.deliveryId, again.at);
  } else if (again) {
    await hints.sendAfter(job.data.deliveryId, again.afterMs);
  }
  return 'skipped';
}

/**
 * Leases the hinted row if it is claimable (due, its channel free: ledger-rules.ts);
 * null otherwise.
 */
async function lease(
  client: PoolClient,
  schema: string,
  id: string,
  jobId: string,
  request: ClaimRequest,
): Promise<Delivery | null> {
  const table = ledgerTable(schema);
  const { workerId, leaseMs, now } = request;
  const row = await client.query<{ channel_id: string | null }>(`SELECT channel_id FROM ${table} WHERE id = $1`, [id]);
  if (row.rows.length === 0) {
    return null;
  }
  const channelId = row.rows[0].channel_id;
  if (channelId !== null) {
    // Serialises lease decisions per channel across replicas until commit, so the check
    // below sees any lease another claim just took. Deadlock-free: a claim transaction
    // takes this lock once, before any ledger row lock, and fetch never waits on rows.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [`${schema}:channel`, channelId]);
  }
  const leased = await client.query<PgLedgerRow>(
    `UPDATE ${table} d SET ${takeLeaseSql({ worker: '$3', expires: '$4', now: '$2' })}, lease_job_id = $5
     WHERE d.id = $1 AND ${claimableSql({ table, now: '$2', candidate: 'd', other: 'o' })}
     RETURNING *`,
    [id, now, workerId, leaseExpiry(now, leaseMs), jobId],
  );
  return leased.rows.length === 1 ? toDelivery(leased.rows[0]) : null;
}

/** When a skipped hint comes back: at a ledger instant, or after a wait on the database clock. */
type Deferral = { at: Date } | { afterMs: number };

/**
 * When a hint that could not be leased should come back: null when its row no longer
 * needs one (finished, ignored, leased by someone, or gone). A retry fetched before its
 * time comes back at that time. A row blocked by its channel comes back when the
 * blocker's lease ends, within MIN/MAX_DEFER_MS: a wait measured on the store's clock and
 * served on the database clock, so that neither clock's offset matters.
 */
async function deferral(client: PoolClient, schema: string, id: string, now: Date): Promise<Deferral | null> {
  const table = ledgerTable(schema);
  const result = await client.query<{
    status: DeliveryStatus;
    next_attempt_at: Date | null;
    lease_expires_at: Date | null;
    blocker_expires_at: Date | null;
  }>(
    `SELECT d.status, d.next_attempt_at, d.lease_expires_at,
       (SELECT max(o.lease_expires_at) FROM ${table} o
         WHERE o.channel_id = d.channel_id AND o.id <> d.id AND ${liveLeaseSql('$2', 'o')}) AS blocker_expires_at
     FROM ${table} d WHERE d.id = $1`,
    [id, now],
  );
  const row = result.rows[0];
  if (!row || !OPEN_STATUSES.includes(row.status)) {
    return null;
  }
  const timed = { status: row.status, nextAttemptAt: row.next_attempt_at, leaseExpiresAt: row.lease_expires_at };
  if (hasLiveLease(timed, now)) {
    return null;
  }
  if (row.status === 'retrying' && row.next_attempt_at !== null && !isDue(timed, now)) {
    // Fetched early (the database clock ahead of the store's): keep the hint for its real time.
    return { at: row.next_attempt_at };
  }
  const wanted = row.blocker_expires_at ? row.blocker_expires_at.getTime() - now.getTime() : MIN_DEFER_MS;
  return { afterMs: Math.min(MAX_DEFER_MS, Math.max(MIN_DEFER_MS, wanted)) };
}
