import type { PoolClient } from 'pg';
import type { InLedgerTransaction, TransactionHints } from './postgres-boss';
import { dueSql, ledgerTable, toDelivery } from './postgres-ledger-rows';
import type { LedgerRow } from './postgres-ledger-rows';
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

/** Who claims, for how long, and the caller's clock for the ledger times. */
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
  const deferUntil = await deferral(client, schema, job.data.deliveryId, request.now);
  if (deferUntil) {
    await hints.send(job.data.deliveryId, deferUntil);
  }
  return 'skipped';
}

/**
 * Leases the hinted row if it is due and its channel is free; null otherwise. The channel
 * is free when no other row of it holds a live lease and no older row of it is due.
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
  const leased = await client.query<LedgerRow>(
    `UPDATE ${table} d SET status = 'processing', attempts = d.attempts + 1, lease_owner = $3,
       lease_expires_at = $4, lease_job_id = $5, updated_at = $2
     WHERE d.id = $1
       AND ${dueSql('$2', 'd')}
       AND (d.channel_id IS NULL OR NOT EXISTS (
         SELECT 1 FROM ${table} o
         WHERE o.channel_id = d.channel_id AND o.id <> d.id
           AND ((o.status = 'processing' AND o.lease_expires_at > $2)
             OR (${dueSql('$2', 'o')} AND (o.received_at, o.id) < (d.received_at, d.id)))))
     RETURNING *`,
    [id, now, workerId, new Date(now.getTime() + leaseMs), jobId],
  );
  return leased.rows.length === 1 ? toDelivery(leased.rows[0]) : null;
}

/**
 * When a hint that could not be leased should come back: null when its row no longer
 * needs one (finished, ignored, leased by someone, or gone). A row blocked by its
 * channel comes back when the blocker's lease ends, within MIN/MAX_DEFER_MS.
 */
async function deferral(client: PoolClient, schema: string, id: string, now: Date): Promise<Date | null> {
  const table = ledgerTable(schema);
  const result = await client.query<{
    status: DeliveryStatus;
    next_attempt_at: Date | null;
    lease_expires_at: Date | null;
    blocker_expires_at: Date | null;
  }>(
    `SELECT d.status, d.next_attempt_at, d.lease_expires_at,
       (SELECT max(o.lease_expires_at) FROM ${table} o
         WHERE o.channel_id = d.channel_id AND o.id <> d.id AND o.status = 'processing' AND o.lease_expires_at > $2) AS blocker_expires_at
     FROM ${table} d WHERE d.id = $1`,
    [id, now],
  );
  const row = result.rows[0];
  if (!row || row.status === 'delivered' || row.status === 'dead' || row.status === 'ignored') {
    return null;
  }
  if (row.status === 'processing' && row.lease_expires_at !== null && row.lease_expires_at > now) {
    return null;
  }
  if (row.status === 'retrying' && row.next_attempt_at !== null && row.next_attempt_at > now) {
    // Fetched early (clock skew): keep the hint for its real time.
    return row.next_attempt_at;
  }
  const wanted = row.blocker_expires_at ? row.blocker_expires_at.getTime() - now.getTime() : MIN_DEFER_MS;
  return new Date(Date.now() + Math.min(MAX_DEFER_MS, Math.max(MIN_DEFER_MS, wanted)));
}
