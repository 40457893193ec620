import type { Logger } from '../shared/logger';
import { awaitingSql, expiredLeaseSql } from './ledger-rules';
import type { InLedgerTransaction } from './postgres-boss';
import { ledgerTable } from './postgres-schema';

/** How often the sweeper runs and when a hint counts as lost. */
export interface SweeperSettings {
  /** At most one sweep per this many ms (0 = every call, for tests); default 5 s. */
  intervalMs?: number;
  /** A due row whose hint is older than this gets a fresh one; default 15 min. */
  staleHintMs?: number;
}

/** Rows handled per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 100;

/**
 * Crash recovery and lost-hint repair; the ledger's lease_expires_at is authoritative
 * (see the design note in postgres-store.ts). A sweep turns expired leases back to
 * pending and re-sends hints for rows due longer than staleHintMs, in case a job was lost
 * (e.g. deleted by retention while every replica was down). SKIP LOCKED lets replicas
 * sweep at the same time without waiting on each other.
 */
export class LedgerSweeper {
  private lastSweep = 0;

  constructor(
    private readonly schema: string,
    private readonly settings: SweeperSettings,
    private readonly logger: Logger,
  ) {}

  /** Sweeps unless the last sweep of this process was less than intervalMs ago (store clock). */
  async sweepIfDue(transaction: InLedgerTransaction, now: Date): Promise<void> {
    const interval = this.settings.intervalMs ?? 5000;
    if (interval > 0 && now.getTime() - this.lastSweep < interval) {
      return;
    }
    this.lastSweep = now.getTime();
    const staleBefore = new Date(now.getTime() - (this.settings.staleHintMs ?? 15 * 60_000));
    const table = ledgerTable(this.schema);
    await transaction(async (client, hints) => {
      const revived = await client.query<{ id: string }>(
        `UPDATE ${table} SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, lease_job_id = NULL,
           queued_at = $1, updated_at = $1
         WHERE id IN (SELECT id FROM ${table}
                      WHERE ${expiredLeaseSql('$1')}
                      ORDER BY lease_expires_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [now],
      );
      // Expired leases are the query above's job; this one finds due rows whose hint is old.
      const stale = await client.query<{ id: string }>(
        `UPDATE ${table} SET queued_at = $1
         WHERE id IN (SELECT id FROM ${table}
                      WHERE ${awaitingSql('$1')} AND queued_at <= $2
                      ORDER BY queued_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [now, staleBefore],
      );
      const ids = [...revived.rows, ...stale.rows].map((row) => row.id);
      if (ids.length > 0) {
        await hints.sendMany(ids);
        this.logger.info('Store sweeper re-queued deliveries', {
          expiredLeases: revived.rows.length,
          staleHints: stale.rows.length,
        });
      }
    });
  }
}
