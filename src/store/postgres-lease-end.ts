import type { PoolClient } from 'pg';
import type { TransactionHints } from './postgres-boss';
import { assignmentsSql, dueSql, heldSql, leaseEndColumns, oldestFirstSql } from './ledger-rules';
import type { LeaseEnd, LedgerColumns } from './ledger-rules';
import { ledgerTable, positional } from './postgres-schema';

/** Who ends which lease, how, and when by the store's clock. */
export interface LeaseEndRequest {
  id: string;
  workerId: string;
  end: LeaseEnd;
  now: Date;
}

/**
 * The fenced end of a lease, inside the caller's transaction: writes what the lease end
 * writes (ledger-rules.ts) only while the caller holds a live lease, completes the
 * lease's hint, sends a hint when a retry is due later, and hands the channel to its next
 * due row (a fresh hint, so that followers wait no longer than needed). False when the
 * lease was no longer held.
 */
export async function endLease(
  client: PoolClient,
  hints: TransactionHints,
  schema: string,
  request: LeaseEndRequest,
): Promise<boolean> {
  const table = ledgerTable(schema);
  const { id, workerId, end, now } = request;
  const columns: LedgerColumns = {
    ...leaseEndColumns(end, now),
    lease_job_id: null,
    // The retry's hint becomes fetchable then; the sweeper counts its age from there.
    ...(end.status === 'retrying' ? { queued_at: end.nextAttemptAt } : {}),
  };
  const ended = await client.query<{ channel_id: string | null; lease_job_id: string | null }>(
    `UPDATE ${table} d SET ${assignmentsSql(columns, positional(4))}
     FROM (SELECT id, lease_job_id FROM ${table} WHERE id = $1 FOR UPDATE) old
     WHERE d.id = old.id AND ${heldSql('$2', '$3', 'd')}
     RETURNING d.channel_id, old.lease_job_id`,
    [id, workerId, now, ...Object.values(columns)],
  );
  if (ended.rows.length === 0) {
    return false;
  }
  const { channel_id: channelId, lease_job_id: jobId } = ended.rows[0];
  if (jobId) {
    await hints.complete(jobId, { ended: true });
  }
  if (end.status === 'retrying') {
    // A ledger instant given to pg-boss, which compares it with the database clock: a
    // ledger clock ahead of the database only delays the hint, one behind makes it come
    // early, and the claim then keeps it for its time (postgres-claim.ts).
    await hints.send(id, end.nextAttemptAt);
  }
  if (channelId !== null) {
    const next = await client.query<{ id: string }>(
      `UPDATE ${table} SET queued_at = $3 WHERE id = (
         SELECT id FROM ${table}
         WHERE channel_id = $1 AND id <> $2 AND ${dueSql('$3')}
         ORDER BY ${oldestFirstSql()} LIMIT 1)
       RETURNING id`,
      [channelId, id, now],
    );
    if (next.rows.length === 1) {
      await hints.send(next.rows[0].id);
    }
  }
  return true;
}
