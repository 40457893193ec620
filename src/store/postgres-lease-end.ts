import type { PoolClient } from 'pg';
import type { TransactionHints } from './postgres-boss';
import { dueSql, ledgerTable } from './postgres-ledger-rows';

/** How a lease ends: the row's new state and, for a retry, when its hint becomes due. */
export interface LeaseEnd {
  id: string;
  workerId: string;
  /** SET terms for the new state; its parameters start at $4 ($1 id, $2 worker, $3 now). */
  set: string;
  /** The values of `set`'s parameters, $4 onwards. */
  values: unknown[];
  retryAt?: Date;
}

/**
 * The fenced end of a lease, inside the caller's transaction: updates the row only while
 * the caller holds a live lease, completes the lease's hint, sends a hint when a retry is
 * due later, and hands the channel to its next due row (a fresh hint, so that followers
 * wait no longer than needed). False when the lease was no longer held.
 */
export async function endLease(
  client: PoolClient,
  hints: TransactionHints,
  schema: string,
  end: LeaseEnd,
): Promise<boolean> {
  const table = ledgerTable(schema);
  const now = new Date();
  const ended = await client.query<{ channel_id: string | null; lease_job_id: string | null }>(
    `UPDATE ${table} d SET ${end.set}, lease_owner = NULL, lease_expires_at = NULL, lease_job_id = NULL, updated_at = $3
     FROM (SELECT id, lease_job_id FROM ${table} WHERE id = $1 FOR UPDATE) old
     WHERE d.id = old.id AND d.status = 'processing' AND d.lease_owner = $2 AND d.lease_expires_at > $3
     RETURNING d.channel_id, old.lease_job_id`,
    [end.id, end.workerId, now, ...end.values],
  );
  if (ended.rows.length === 0) {
    return false;
  }
  const { channel_id: channelId, lease_job_id: jobId } = ended.rows[0];
  if (jobId) {
    await hints.complete(jobId, { ended: true });
  }
  if (end.retryAt) {
    await hints.send(end.id, end.retryAt);
  }
  if (channelId !== null) {
    const next = await client.query<{ id: string }>(
      `UPDATE ${table} SET queued_at = $3 WHERE id = (
         SELECT id FROM ${table}
         WHERE channel_id = $1 AND id <> $2 AND ${dueSql('$3')}
         ORDER BY received_at, id LIMIT 1)
       RETURNING id`,
      [channelId, end.id, now],
    );
    if (next.rows.length === 1) {
      await hints.send(next.rows[0].id);
    }
  }
  return true;
}
