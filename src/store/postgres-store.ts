import PgBoss from 'pg-boss';
import { Pool } from 'pg';
import type { PoolClient } from 'pg';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { newDeliveryId } from './delivery-id';
import { decodeJson } from './ledger-json';
import { isUnavailableError, translatePgError } from './postgres-errors';
import { assertSchemaName, migrateLedgerSql } from './postgres-schema';
import { toStatusCounts } from './status-counts';
import type {
  Delivery,
  DeliveryFilter,
  DeliveryStatus,
  DeliveryStore,
  FailureRecord,
  NewEvent,
  RecordResult,
  WriteOutcome,
} from './types';

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
 *   `db` option runs `send` on our client), so there is no window where a stored event
 *   has no job.
 * - claim fetches a hint and leases its row in one transaction: if the process dies in
 *   between, the rollback puts the job back.
 * - Per-channel exclusivity: inside that transaction the channel is locked with
 *   pg_advisory_xact_lock and the lease UPDATE requires that no other row of the
 *   channel holds a live lease and no older row of the channel is due. A blocked hint is
 *   completed and re-sent with startAfter = when the blocker's lease ends, and mark*
 *   sends a fresh hint for the channel's next due row when a lease ends, so followers
 *   wait no longer than needed. pg-boss's own 'singleton' policy was not used: a fetch
 *   that hits a busy singleton key fails as a whole (unique index violation, swallowed
 *   by fetch), which would stall every other channel behind the oldest busy one; and
 *   'stately' would drop a second queued event of a channel.
 * - Retries follow OUR policy: markRetry sends a hint with startAfter = nextAttemptAt;
 *   every job has retryLimit 0 so pg-boss never retries behind our back.
 * - Crash recovery: the ledger's lease_expires_at is authoritative. A sweeper (run from
 *   claim at most every sweepIntervalMs) turns expired leases back to pending and sends
 *   them a hint; it also re-sends hints for rows due for longer than staleHintMs, in
 *   case a job was lost (e.g. deleted by retention while every replica was down).
 *
 * Clocks: ledger times use the caller's clock (`now`), pg-boss's startAfter the database
 * clock; a skew only delays or advances a hint, which the ledger check then corrects.
 */

export const DELIVERY_QUEUE = 'pfb-deliveries';

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
}

interface DeliveryRow {
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

interface HintData {
  deliveryId: string;
}

const MAX_FETCHES_PER_CLAIM = 8;
const MIN_DEFER_MS = 1000;
const MAX_DEFER_MS = 60_000;

function toDelivery(row: DeliveryRow): Delivery {
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

/** "host:port/database" of a connection string, never its password. */
function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured PostgreSQL server';
  }
}

/** Runs pg-boss SQL on a given client, remembering the first failure (fetch swallows errors). */
class BossConnection implements PgBoss.Db {
  failure: unknown = undefined;

  constructor(private readonly client: Pick<PoolClient, 'query'>) {}

  // pg-boss declares `values: any[]`; its rows are typed by our callers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async executeSql(text: string, values: any[]): Promise<{ rows: any[] }> {
    try {
      return await this.client.query(text, values);
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }
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
  private readonly logger: Logger;
  private started: Promise<void> | null = null;
  private lastSweep = 0;
  private closed = false;

  constructor(private readonly options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'pulsara_bridge';
    assertSchemaName(this.schema);
    this.table = `${this.schema}.pfb_deliveries`;
    this.target = describeTarget(options.connectionString);
    this.logger = options.logger ?? silentLogger();
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
      application_name: options.applicationName ?? 'pulsara-fhir-bridge',
    });
    // An idle client that loses its server emits here; the pool replaces it on next use.
    this.pool.on('error', (err) => this.logger.warn('PostgreSQL idle connection lost', { error: err.message }));
    this.boss = new PgBoss({
      db: new BossConnection(this.pool),
      schema: this.schema,
      schedule: false,
      supervise: true,
      migrate: true,
    });
    this.boss.on('error', (err) => this.logger.warn('pg-boss maintenance failed', { error: err.message }));
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
    return this.transaction(async (client, boss) => {
      const ignored = event.ignoredReason !== undefined;
      const status: DeliveryStatus = ignored ? 'ignored' : 'pending';
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO ${this.table} (id, event_id, event_type, channel_id, payload, status, attempts, received_at, updated_at, ignored_reason, queued_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, now(), $8, CASE WHEN $6 = 'pending' THEN now() END)
         ON CONFLICT (event_id) DO NOTHING RETURNING id`,
        [newDeliveryId(event.receivedAt), event.eventId, event.eventType, event.channelId, event.payload, status, event.receivedAt, event.ignoredReason ?? null],
      );
      if (inserted.rows.length === 1) {
        if (!ignored) {
          await this.sendHint(boss, inserted.rows[0].id);
        }
        return { deliveryId: inserted.rows[0].id, duplicate: false, status };
      }
      const existing = await client.query<{ id: string; status: DeliveryStatus }>(`SELECT id, status FROM ${this.table} WHERE event_id = $1`, [event.eventId]);
      return { deliveryId: existing.rows[0].id, duplicate: true, status: existing.rows[0].status };
    });
  }

  async claim(workerId: string, leaseMs: number, now: Date = new Date()): Promise<Delivery | null> {
    await this.sweep(now);
    // One hint per transaction, so a transaction holds at most one channel lock.
    for (let i = 0; i < MAX_FETCHES_PER_CLAIM; i += 1) {
      const attempt = await this.transaction(async (client, boss): Promise<Delivery | 'empty' | 'skipped'> => {
        const jobs = await this.boss.fetch<HintData>(DELIVERY_QUEUE, { batchSize: 1, db: boss });
        if (boss.failure !== undefined) {
          throw boss.failure;
        }
        if (jobs.length === 0) {
          return 'empty';
        }
        const job = jobs[0];
        const leased = await this.lease(client, job.data.deliveryId, job.id, workerId, leaseMs, now);
        if (leased) {
          return leased;
        }
        await this.boss.complete(DELIVERY_QUEUE, job.id, { skipped: true }, { db: boss });
        const deferUntil = await this.deferral(client, job.data.deliveryId, now);
        if (deferUntil) {
          await this.sendHint(boss, job.data.deliveryId, deferUntil);
        }
        return 'skipped';
      });
      if (attempt === 'empty') {
        return null;
      }
      if (attempt !== 'skipped') {
        return attempt;
      }
    }
    return null;
  }

  async renewLease(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const result = await this.query(
      `UPDATE ${this.table} SET lease_expires_at = $4, updated_at = $3
       WHERE id = $1 AND status = 'processing' AND lease_owner = $2 AND lease_expires_at > $3`,
      [id, workerId, new Date(now), new Date(now + leaseMs)],
    );
    return result.rowCount === 1;
  }

  async markDelivered(id: string, workerId: string, outcome: WriteOutcome): Promise<boolean> {
    return this.endLease(id, workerId, `status = 'delivered', delivered_at = $3, outcome = $4, next_attempt_at = NULL, waiting_since = NULL`, [JSON.stringify(outcome)]);
  }

  async markRetry(id: string, workerId: string, failure: FailureRecord, nextAttemptAt: Date, waitingSince: Date | null): Promise<boolean> {
    return this.endLease(
      id,
      workerId,
      `status = 'retrying', last_error = $4, next_attempt_at = $5, waiting_since = $6, queued_at = $5`,
      [JSON.stringify(failure), nextAttemptAt, waitingSince],
      nextAttemptAt,
    );
  }

  async markDead(id: string, workerId: string, failure: FailureRecord): Promise<boolean> {
    return this.endLease(id, workerId, `status = 'dead', last_error = $4, next_attempt_at = NULL`, [JSON.stringify(failure)]);
  }

  async get(id: string): Promise<Delivery | null> {
    const result = await this.query<DeliveryRow>(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
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
    const result = await this.query<DeliveryRow>(
      `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, id DESC${limit}`,
      params,
    );
    return result.rows.map(toDelivery);
  }

  async countByStatus(): Promise<Record<DeliveryStatus, number>> {
    const result = await this.query<{ status: string; count: string }>(`SELECT status, COUNT(*) AS count FROM ${this.table} GROUP BY status`);
    return toStatusCounts(result.rows);
  }

  async requeue(id: string): Promise<Delivery | null> {
    return this.transaction((client, boss) => this.requeueRow(client, boss, id));
  }

  async requeueChannel(channelId: string): Promise<Delivery | null> {
    return this.transaction(async (client, boss) => {
      const newest = await client.query<{ id: string }>(`SELECT id FROM ${this.table} WHERE channel_id = $1 ORDER BY received_at DESC, id DESC LIMIT 1`, [channelId]);
      return newest.rows.length === 1 ? this.requeueRow(client, boss, newest.rows[0].id) : null;
    });
  }

  /** Same rule as the SQLite store: finished or waiting rows go back to pending with a fresh budget. */
  private async requeueRow(client: PoolClient, boss: BossConnection, id: string): Promise<Delivery | null> {
    const updated = await client.query(
      `UPDATE ${this.table} SET status = 'pending', attempts = 0, next_attempt_at = NULL, waiting_since = NULL,
         lease_owner = NULL, lease_expires_at = NULL, lease_job_id = NULL, queued_at = now(), updated_at = now()
       WHERE id = $1 AND status IN ('dead', 'delivered', 'retrying')`,
      [id],
    );
    if (updated.rowCount === 1) {
      await this.sendHint(boss, id);
    }
    const row = await client.query<DeliveryRow>(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return row.rows.length === 1 ? toDelivery(row.rows[0]) : null;
  }

  /** Leases the hinted row if it is due and its channel is free; null otherwise. */
  private async lease(client: PoolClient, id: string, jobId: string, workerId: string, leaseMs: number, now: Date): Promise<Delivery | null> {
    const row = await client.query<{ channel_id: string | null }>(`SELECT channel_id FROM ${this.table} WHERE id = $1`, [id]);
    if (row.rows.length === 0) {
      return null;
    }
    const channelId = row.rows[0].channel_id;
    if (channelId !== null) {
      // Serialises lease decisions per channel across replicas until commit, so the check
      // below sees any lease another claim just took. Deadlock-free: a claim transaction
      // takes this lock once, before any ledger row lock, and fetch never waits on rows.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [`${this.schema}:channel`, channelId]);
    }
    const leased = await client.query<DeliveryRow>(
      `UPDATE ${this.table} d SET status = 'processing', attempts = d.attempts + 1, lease_owner = $3,
         lease_expires_at = $4, lease_job_id = $5, updated_at = $2
       WHERE d.id = $1
         AND (d.status = 'pending' OR (d.status = 'retrying' AND d.next_attempt_at <= $2)
              OR (d.status = 'processing' AND d.lease_expires_at <= $2))
         AND (d.channel_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM ${this.table} o
           WHERE o.channel_id = d.channel_id AND o.id <> d.id
             AND ((o.status = 'processing' AND o.lease_expires_at > $2)
               OR ((o.status = 'pending' OR (o.status = 'retrying' AND o.next_attempt_at <= $2)
                    OR (o.status = 'processing' AND o.lease_expires_at <= $2))
                   AND (o.received_at, o.id) < (d.received_at, d.id)))))
       RETURNING *`,
      [id, now, workerId, new Date(now.getTime() + leaseMs), jobId],
    );
    return leased.rows.length === 1 ? toDelivery(leased.rows[0]) : null;
  }

  /**
   * When a hint that could not be leased should come back: null when its row no longer
   * needs one (finished, ignored, leased by someone, or gone).
   */
  private async deferral(client: PoolClient, id: string, now: Date): Promise<Date | null> {
    const result = await client.query<{ status: DeliveryStatus; next_attempt_at: Date | null; lease_expires_at: Date | null; blocker_expires_at: Date | null }>(
      `SELECT d.status, d.next_attempt_at, d.lease_expires_at,
         (SELECT max(o.lease_expires_at) FROM ${this.table} o
           WHERE o.channel_id = d.channel_id AND o.id <> d.id AND o.status = 'processing' AND o.lease_expires_at > $2) AS blocker_expires_at
       FROM ${this.table} d WHERE d.id = $1`,
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

  /**
   * The fenced end of a lease: updates the row only while the caller holds a live lease,
   * completes the lease's job, sends a hint when a retry is due later, and hands the
   * channel to its next due row.
   */
  private async endLease(id: string, workerId: string, set: string, extra: unknown[], retryAt?: Date): Promise<boolean> {
    return this.transaction(async (client, boss) => {
      const now = new Date();
      const ended = await client.query<{ channel_id: string | null; lease_job_id: string | null }>(
        `UPDATE ${this.table} d SET ${set}, lease_owner = NULL, lease_expires_at = NULL, lease_job_id = NULL, updated_at = $3
         FROM (SELECT id, lease_job_id FROM ${this.table} WHERE id = $1 FOR UPDATE) old
         WHERE d.id = old.id AND d.status = 'processing' AND d.lease_owner = $2 AND d.lease_expires_at > $3
         RETURNING d.channel_id, old.lease_job_id`,
        [id, workerId, now, ...extra],
      );
      if (ended.rows.length === 0) {
        return false;
      }
      const { channel_id: channelId, lease_job_id: jobId } = ended.rows[0];
      if (jobId) {
        await this.boss.complete(DELIVERY_QUEUE, jobId, { ended: true }, { db: boss });
      }
      if (retryAt) {
        await this.sendHint(boss, id, retryAt);
      }
      if (channelId !== null) {
        const next = await client.query<{ id: string }>(
          `UPDATE ${this.table} SET queued_at = $3 WHERE id = (
             SELECT id FROM ${this.table}
             WHERE channel_id = $1 AND id <> $2
               AND (status = 'pending' OR (status = 'retrying' AND next_attempt_at <= $3)
                    OR (status = 'processing' AND lease_expires_at <= $3))
             ORDER BY received_at, id LIMIT 1)
           RETURNING id`,
          [channelId, id, now],
        );
        if (next.rows.length === 1) {
          await this.sendHint(boss, next.rows[0].id);
        }
      }
      return true;
    });
  }

  /** Crash recovery and lost-job repair; see the comment at the top of this file. */
  private async sweep(now: Date): Promise<void> {
    const interval = this.options.sweepIntervalMs ?? 5000;
    if (interval > 0 && Date.now() - this.lastSweep < interval) {
      return;
    }
    this.lastSweep = Date.now();
    const staleBefore = new Date(now.getTime() - (this.options.staleHintMs ?? 15 * 60_000));
    await this.transaction(async (client, boss) => {
      const revived = await client.query<{ id: string }>(
        `UPDATE ${this.table} SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, lease_job_id = NULL,
           queued_at = $1, updated_at = $1
         WHERE id IN (SELECT id FROM ${this.table}
                      WHERE status = 'processing' AND lease_expires_at <= $1
                      ORDER BY lease_expires_at LIMIT 100 FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [now],
      );
      const stale = await client.query<{ id: string }>(
        `UPDATE ${this.table} SET queued_at = $1
         WHERE id IN (SELECT id FROM ${this.table}
                      WHERE (status = 'pending' OR (status = 'retrying' AND next_attempt_at <= $1)) AND queued_at <= $2
                      ORDER BY queued_at LIMIT 100 FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [now, staleBefore],
      );
      const ids = [...revived.rows, ...stale.rows].map((row) => row.id);
      if (ids.length > 0) {
        await this.boss.insert(
          ids.map((deliveryId) => ({ name: DELIVERY_QUEUE, data: { deliveryId }, retryLimit: 0 })),
          { db: boss },
        );
        this.logger.info('Store sweeper re-queued deliveries', { expiredLeases: revived.rows.length, staleHints: stale.rows.length });
      }
    });
  }

  private async sendHint(boss: BossConnection, deliveryId: string, startAfter?: Date): Promise<void> {
    const data: HintData = { deliveryId };
    await this.boss.send(DELIVERY_QUEUE, data, { db: boss, retryLimit: 0, ...(startAfter ? { startAfter } : {}) });
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
    await this.boss.start();
    await this.boss.createQueue(DELIVERY_QUEUE, {
      name: DELIVERY_QUEUE,
      policy: 'standard',
      retryLimit: 0,
      // Only bookkeeping: the ledger lease decides; this just fails jobs of dead workers.
      expireInSeconds: 60 * 60,
      // A hint must outlive any outage; the sweeper covers what retention still drops.
      retentionMinutes: 30 * 24 * 60,
    });
  }

  private async query<R extends object = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; rowCount: number | null }> {
    await this.ready();
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw translatePgError(err, this.target);
    }
  }

  private async transaction<T>(work: (client: PoolClient, boss: BossConnection) => Promise<T>): Promise<T> {
    await this.ready();
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translatePgError(err, this.target);
    }
    let broken: Error | undefined;
    // A checked-out client whose server goes away emits 'error'; without a listener that
    // would crash the process. The failure surfaces through the pending query anyway.
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client, new BossConnection(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (isUnavailableError(err)) {
        broken ??= err instanceof Error ? err : new Error(String(err));
      }
      if (!broken) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
      }
      throw translatePgError(err, this.target);
    } finally {
      client.off('error', onError);
      // A broken client is destroyed rather than returned to the pool.
      client.release(broken);
    }
  }
}
