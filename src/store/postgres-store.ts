import type PgBoss from 'pg-boss';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { newDeliveryId } from './delivery-id';
import {
  assignmentsSql,
  heldSql,
  initialStatus,
  insertSql,
  leaseExpiry,
  NEWEST_FIRST_SQL,
  newRowColumns,
  renewLeaseSql,
  requeuableSql,
  requeueColumns,
  toDelivery,
} from './ledger-rules';
import type { LeaseEnd, LedgerColumns } from './ledger-rules';
import { createBoss, startBoss, TransactionHints } from './postgres-boss';
import { claimDelivery } from './postgres-claim';
import { translatePgError } from './postgres-errors';
import { endLease } from './postgres-lease-end';
import { createPool, describeTarget, inTransaction, queryPool } from './postgres-pool';
import { assertSchemaName, ledgerTable, migrateLedgerSql, positional } from './postgres-schema';
import type { PgLedgerRow } from './postgres-schema';
import { LedgerSweeper } from './postgres-sweeper';
import { toStatusCounts } from './status-counts';
import type {
  Delivery,
  DeliveryFilter,
  DeliveryStatus,
  DeliveryStore,
  FailureRecord,
  NewEvent,
  RecordResult,
} from './types';
import type { WriteOutcome } from '../shared/write-outcome';

export { DELIVERY_QUEUE } from './postgres-boss';

/*
 * How the PostgreSQL store splits the work between pg-boss and the ledger.
 *
 * pg-boss is the queue engine: every due delivery has a job ("hint") in the queue
 * `pfb-deliveries`, and workers find work only through `boss.fetch` (FOR UPDATE SKIP
 * LOCKED, so replicas never fetch the same job). The ledger row is the authority on
 * state, lease and per-channel order; a hint whose row is no longer due is simply
 * completed. Hints are cheap and may be duplicated; a row is never leased twice because
 * the lease is a conditional UPDATE on the row.
 *
 * - recordEvent inserts the row and sends its hint in ONE transaction (pg-boss 10's
 *   `db` option runs `send` on our client: TransactionHints in postgres-boss.ts), so
 *   there is no window where a stored event has no job.
 * - claim (postgres-claim.ts) fetches a hint and leases its row in one transaction: if
 *   the process dies in between, the rollback puts the job back.
 * - Per-channel exclusivity: inside that transaction the channel is locked with
 *   pg_advisory_xact_lock and the lease UPDATE requires that no other row of the
 *   channel holds a live lease and no older row of the channel is due. A blocked hint is
 *   completed and re-sent with startAfter = when the blocker's lease ends, and mark*
 *   (postgres-lease-end.ts) sends a fresh hint for the channel's next due row when a
 *   lease ends, so followers wait no longer than needed. pg-boss's own 'singleton'
 *   policy was not used: a fetch that hits a busy singleton key fails as a whole (unique
 *   index violation, swallowed by fetch), which would stall every other channel behind
 *   the oldest busy one; and 'stately' would drop a second queued event of a channel.
 * - Retries follow OUR policy: markRetry sends a hint with startAfter = nextAttemptAt;
 *   every job has retryLimit 0 so pg-boss never retries behind our back.
 * - Crash recovery: the ledger's lease_expires_at is authoritative. A sweeper
 *   (postgres-sweeper.ts, run from claim at most every sweepIntervalMs) turns expired
 *   leases back to pending and sends them a hint; it also re-sends hints for rows due for
 *   longer than staleHintMs, in case a job was lost (e.g. deleted by retention while
 *   every replica was down).
 *
 * Clocks: every ledger time (updated_at, leases, queued_at, due checks, the fence) comes
 * from the store's clock (`clock` option), like in the SQLite store, never from SQL
 * now(). The database clock is left to pg-boss, which needs it to schedule hints: a hint
 * for a ledger instant (a retry's next_attempt_at) is sent for that instant, so a skew
 * only delays it (the sweeper re-sends stale hints) or brings it early (the claim keeps
 * it for its time); a hint that waits a duration (a busy channel) waits that long on the
 * database clock. A hint is never more than a hint: the ledger check decides.
 *
 * The other modules: postgres-pool.ts (connections and transactions), postgres-schema.ts
 * (the ledger table), postgres-errors.ts (which failures mean store-unavailable); the
 * rules shared with the SQLite store (row to Delivery, "due", channel exclusivity, the
 * lease fence, lease ends, requeue) are in ledger-rules.ts.
 */

export interface PostgresStoreOptions {
  connectionString: string;
  /** Holds both the pg-boss tables and pfb_deliveries. */
  schema?: string;
  logger?: Logger;
  poolSize?: number;
  connectionTimeoutMs?: number;
  /** How often claim runs the sweeper (0 = every claim, for tests). */
  sweepIntervalMs?: number;
  /** A due row whose hint is older than this gets a fresh one. */
  staleHintMs?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Every ledger time comes from here (clock.ts); injectable for tests. */
  clock?: Clock;
}

/**
 * The store for several replicas: a ledger table in PostgreSQL plus pg-boss as the queue
 * engine (see the comment above for the division of labour). Opens lazily and retries
 * the start on the next call after a failure, so it recovers when PostgreSQL comes back.
 */
export class PostgresDeliveryStore implements DeliveryStore {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private readonly boss: PgBoss;
  private readonly schema: string;
  private readonly table: string;
  private readonly target: string;
  private readonly sweeper: LedgerSweeper;
  private readonly clock: Clock;
  private started: Promise<void> | null = null;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'pulsara_bridge';
    assertSchemaName(this.schema);
    this.table = ledgerTable(this.schema);
    this.target = describeTarget(options.connectionString);
    this.clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger();
    this.pool = createPool(options, logger);
    this.boss = createBoss(this.pool, this.schema, logger);
    this.sweeper = new LedgerSweeper(
      this.schema,
      { intervalMs: options.sweepIntervalMs, staleHintMs: options.staleHintMs },
      logger,
    );
  }

  async init(): Promise<void> {
    await this.ready();
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    if (this.started) {
      await this.started.catch(() => undefined);
      await this.boss.stop({ graceful: false, close: false });
    }
    await this.pool.end();
  }

  async ping(): Promise<void> {
    await this.ready();
    await this.query('SELECT 1');
  }

  async recordEvent(event: NewEvent): Promise<RecordResult> {
    const now = this.clock();
    const status = initialStatus(event);
    const columns: LedgerColumns = {
      ...newRowColumns(newDeliveryId(event.receivedAt), event, now),
      // A pending row gets its hint in this transaction; the sweeper counts its age from now.
      queued_at: status === 'pending' ? now : null,
    };
    return this.transaction(async (client, hints) => {
      const inserted = await client.query<{ id: string }>(
        `${insertSql(this.table, columns, positional(1))}
         ON CONFLICT (event_id) DO NOTHING RETURNING id`,
        Object.values(columns),
      );
      if (inserted.rows.length === 1) {
        if (status === 'pending') {
          await hints.send(inserted.rows[0].id);
        }
        return { deliveryId: inserted.rows[0].id, duplicate: false, status };
      }
      const existing = await client.query<{ id: string; status: DeliveryStatus }>(
        `SELECT id, status FROM ${this.table} WHERE event_id = $1`,
        [event.eventId],
      );
      return { deliveryId: existing.rows[0].id, duplicate: true, status: existing.rows[0].status };
    });
  }

  async claim(workerId: string, leaseMs: number): Promise<Delivery | null> {
    const now = this.clock();
    const transaction = this.transaction.bind(this);
    await this.sweeper.sweepIfDue(transaction, now);
    return claimDelivery(transaction, this.schema, { workerId, leaseMs, now });
  }

  async renewLease(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const result = await this.query(
      `UPDATE ${this.table} SET ${renewLeaseSql({ expires: '$4', now: '$3' })}
       WHERE id = $1 AND ${heldSql('$2', '$3')}`,
      [id, workerId, now, leaseExpiry(now, leaseMs)],
    );
    return result.rowCount === 1;
  }

  async markDelivered(id: string, workerId: string, outcome: WriteOutcome): Promise<boolean> {
    return this.endLease(id, workerId, { status: 'delivered', outcome });
  }

  async markRetry(
    id: string,
    workerId: string,
    failure: FailureRecord,
    nextAttemptAt: Date,
    waitingSince: Date | null,
  ): Promise<boolean> {
    return this.endLease(id, workerId, { status: 'retrying', failure, nextAttemptAt, waitingSince });
  }

  async markDead(id: string, workerId: string, failure: FailureRecord): Promise<boolean> {
    return this.endLease(id, workerId, { status: 'dead', failure });
  }

  async markIgnored(id: string, workerId: string, reason: string): Promise<boolean> {
    return this.endLease(id, workerId, { status: 'ignored', reason });
  }

  async get(id: string): Promise<Delivery | null> {
    const result = await this.query<PgLedgerRow>(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return result.rows.length === 1 ? toDelivery(result.rows[0]) : null;
  }

  async list(filter: DeliveryFilter = {}): Promise<Delivery[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status && filter.status.length > 0) {
      params.push(filter.status);
      where.push(`status = ANY($${params.length}::text[])`);
    }
    if (filter.channelId !== undefined) {
      params.push(filter.channelId);
      where.push(`channel_id = $${params.length}`);
    }
    let limit = '';
    if (filter.limit !== undefined) {
      params.push(Math.max(0, Math.floor(filter.limit)));
      limit = ` LIMIT $${params.length}`;
    }
    const result = await this.query<PgLedgerRow>(
      `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${NEWEST_FIRST_SQL}${limit}`,
      params,
    );
    return result.rows.map(toDelivery);
  }

  async countByStatus(): Promise<Record<DeliveryStatus, number>> {
    const result = await this.query<{ status: string; count: string }>(
      `SELECT status, COUNT(*) AS count FROM ${this.table} GROUP BY status`,
    );
    return toStatusCounts(result.rows);
  }

  async requeue(id: string): Promise<Delivery | null> {
    return this.transaction((client, hints) => this.requeueRow(client, hints, id));
  }

  async requeueChannel(channelId: string): Promise<Delivery | null> {
    return this.transaction(async (client, hints) => {
      const newest = await client.query<{ id: string }>(
        `SELECT id FROM ${this.table} WHERE channel_id = $1 ORDER BY ${NEWEST_FIRST_SQL} LIMIT 1`,
        [channelId],
      );
      return newest.rows.length === 1 ? this.requeueRow(client, hints, newest.rows[0].id) : null;
    });
  }

  /** Operator retry, by the rule in ledger-rules.ts; a requeued row gets a fresh hint. */
  private async requeueRow(client: PoolClient, hints: TransactionHints, id: string): Promise<Delivery | null> {
    const now = this.clock();
    const columns: LedgerColumns = { ...requeueColumns(now), lease_job_id: null, queued_at: now };
    const updated = await client.query(
      `UPDATE ${this.table} SET ${assignmentsSql(columns, positional(2))}
       WHERE id = $1 AND ${requeuableSql()}`,
      [id, ...Object.values(columns)],
    );
    if (updated.rowCount === 1) {
      await hints.send(id);
    }
    const row = await client.query<PgLedgerRow>(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return row.rows.length === 1 ? toDelivery(row.rows[0]) : null;
  }

  private async endLease(id: string, workerId: string, end: LeaseEnd): Promise<boolean> {
    const now = this.clock();
    return this.transaction((client, hints) => endLease(client, hints, this.schema, { id, workerId, end, now }));
  }

  /** Starts pg-boss and migrates the ledger once; a failed start is retried by the next call. */
  private ready(): Promise<void> {
    this.started ??= this.start().catch((err: unknown) => {
      this.started = null;
      throw translatePgError(err, this.target);
    });
    return this.started;
  }

  private async start(): Promise<void> {
    await this.pool.query(migrateLedgerSql(this.schema));
    await startBoss(this.boss);
  }

  private async query<R extends QueryResultRow = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<{ rows: R[]; rowCount: number | null }> {
    await this.ready();
    return queryPool<R>(this.pool, this.target, sql, params);
  }

  /** One ledger transaction, with the hint queue bound to its client. */
  private async transaction<T>(work: (client: PoolClient, hints: TransactionHints) => Promise<T>): Promise<T> {
    await this.ready();
    return inTransaction(this.pool, this.target, (client) => work(client, new TransactionHints(this.boss, client)));
  }
}
