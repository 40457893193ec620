import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { newDeliveryId } from './delivery-id';
import { decodeJson, encodeJson } from './ledger-json';
import { toStatusCounts } from './status-counts';
import { storeUnavailable } from './store-errors';
import { migrateSqlite } from './sqlite-schema';
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

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` (one connection, tests only). */
  filename: string;
  logger?: Logger;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  channel_id: string | null;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  received_at: number;
  updated_at: number;
  waiting_since: number | null;
  next_attempt_at: number | null;
  delivered_at: number | null;
  last_error: string | null;
  outcome: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  ignored_reason: string | null;
}

/** SQLite result codes that mean "the store cannot be used right now" rather than a bug. */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|READONLY|CANTOPEN|IOERR|FULL|PROTOCOL|NOTADB|CORRUPT)/;
/** File-system errors met while creating the data folder. */
const UNAVAILABLE_FS_CODES = new Set(['EACCES', 'EPERM', 'EEXIST', 'ENOTDIR', 'EROFS', 'ENOSPC', 'ENOENT', 'EIO']);

/** A due row: first attempt, a retry whose time has come, or a lease that ran out. */
const DUE = `(d.status = 'pending'
  OR (d.status = 'retrying' AND d.next_attempt_at <= @now)
  OR (d.status = 'processing' AND d.lease_expires_at <= @now))`;

/** The IN term lets SQLite read only open rows through deliveries_status. */
const CLAIM_NEXT = `
  SELECT d.id FROM deliveries d
  WHERE d.status IN ('pending', 'retrying', 'processing')
    AND ${DUE}
    AND (d.channel_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM deliveries o
      WHERE o.channel_id = d.channel_id AND o.id <> d.id
        AND o.status = 'processing' AND o.lease_expires_at > @now))
  ORDER BY d.received_at, d.id
  LIMIT 1`;

/** The caller still holds the lease: mark* and renewLease change nothing otherwise. */
const HELD = `id = @id AND status = 'processing' AND lease_owner = @worker AND lease_expires_at > @now`;

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    channelId: row.channel_id,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    receivedAt: new Date(row.received_at),
    updatedAt: new Date(row.updated_at),
    waitingSince: toDate(row.waiting_since),
    nextAttemptAt: toDate(row.next_attempt_at),
    deliveredAt: toDate(row.delivered_at),
    lastError: decodeJson<FailureRecord>(row.last_error),
    outcome: decodeJson<WriteOutcome>(row.outcome),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: toDate(row.lease_expires_at),
    ignoredReason: row.ignored_reason,
  };
}

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
}

/**
 * SQLite opens a file it may not write (read-only file system, immutable file) read-only
 * without a word, and even BEGIN IMMEDIATE succeeds on it. Such a connection must not be
 * kept: reads (ping) would pass while every write fails, and it would outlive the repair.
 * A page write that is rolled back at once tells, and throws SQLITE_READONLY.
 */
function assertWritable(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${version}`);
  } finally {
    if (db.inTransaction) {
      db.exec('ROLLBACK');
    }
  }
}

/**
 * The embedded store: one SQLite file in WAL mode, every commit fsynced
 * (`synchronous=FULL`) because the webhook's 202 promises durability. better-sqlite3 is
 * synchronous, so the async methods wrap synchronous work; the connection opens lazily
 * and reopens after an I/O failure, so a store that was unavailable recovers by itself.
 */
export class SqliteDeliveryStore implements DeliveryStore {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | null = null;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly logger: Logger;

  constructor(private readonly options: SqliteStoreOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  async init(): Promise<void> {
    await this.run(() => undefined);
  }

  async close(): Promise<void> {
    this.drop();
  }

  async ping(): Promise<void> {
    await this.run(() => this.stmt('SELECT 1').get());
  }

  async recordEvent(event: NewEvent): Promise<RecordResult> {
    return this.run(() => {
      const id = newDeliveryId(event.receivedAt);
      const ignored = event.ignoredReason !== undefined;
      const status: DeliveryStatus = ignored ? 'ignored' : 'pending';
      // One autocommit statement: the row is durable when run() returns.
      const inserted = this.stmt(
        `INSERT INTO deliveries (id, event_id, event_type, channel_id, payload, status, attempts, received_at, updated_at, ignored_reason)
         VALUES (@id, @eventId, @eventType, @channelId, @payload, @status, 0, @receivedAt, @now, @ignoredReason)
         ON CONFLICT (event_id) DO NOTHING`,
      ).run({
        id,
        eventId: event.eventId,
        eventType: event.eventType,
        channelId: event.channelId,
        payload: event.payload,
        status,
        receivedAt: event.receivedAt.getTime(),
        now: Date.now(),
        ignoredReason: event.ignoredReason ?? null,
      });
      if (inserted.changes === 1) {
        return { deliveryId: id, duplicate: false, status };
      }
      const existing = this.stmt('SELECT id, status FROM deliveries WHERE event_id = ?').get(event.eventId) as Pick<
        DeliveryRow,
        'id' | 'status'
      >;
      return { deliveryId: existing.id, duplicate: true, status: existing.status };
    });
  }

  async claim(workerId: string, leaseMs: number, now: Date = new Date()): Promise<Delivery | null> {
    return this.run((db) =>
      // IMMEDIATE: take the write lock before reading, so two connections never pick the same row.
      db
        .transaction(() => {
          const next = this.stmt(CLAIM_NEXT).get({ now: now.getTime() }) as { id: string } | undefined;
          if (!next) {
            return null;
          }
          const row = this.stmt(
            `UPDATE deliveries SET status = 'processing', attempts = attempts + 1, lease_owner = @worker,
             lease_expires_at = @expires, updated_at = @now
           WHERE id = @id RETURNING *`,
          ).get({ id: next.id, worker: workerId, expires: now.getTime() + leaseMs, now: now.getTime() }) as DeliveryRow;
          return toDelivery(row);
        })
        .immediate(),
    );
  }

  async renewLease(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    return this.fenced(`UPDATE deliveries SET lease_expires_at = @expires, updated_at = @now WHERE ${HELD}`, {
      id,
      worker: workerId,
      now,
      expires: now + leaseMs,
    });
  }

  async markDelivered(id: string, workerId: string, outcome: WriteOutcome): Promise<boolean> {
    return this.fenced(
      `UPDATE deliveries SET status = 'delivered', delivered_at = @now, outcome = @outcome, next_attempt_at = NULL,
         waiting_since = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
       WHERE ${HELD}`,
      { id, worker: workerId, now: Date.now(), outcome: encodeJson(outcome) },
    );
  }

  async markRetry(
    id: string,
    workerId: string,
    failure: FailureRecord,
    nextAttemptAt: Date,
    waitingSince: Date | null,
  ): Promise<boolean> {
    return this.fenced(
      `UPDATE deliveries SET status = 'retrying', last_error = @failure, next_attempt_at = @next, waiting_since = @waiting,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
       WHERE ${HELD}`,
      {
        id,
        worker: workerId,
        now: Date.now(),
        failure: encodeJson(failure),
        next: nextAttemptAt.getTime(),
        waiting: waitingSince?.getTime() ?? null,
      },
    );
  }

  async markDead(id: string, workerId: string, failure: FailureRecord): Promise<boolean> {
    return this.fenced(
      `UPDATE deliveries SET status = 'dead', last_error = @failure, next_attempt_at = NULL,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
       WHERE ${HELD}`,
      { id, worker: workerId, now: Date.now(), failure: encodeJson(failure) },
    );
  }

  async markIgnored(id: string, workerId: string, reason: string): Promise<boolean> {
    return this.fenced(
      `UPDATE deliveries SET status = 'ignored', ignored_reason = @reason, next_attempt_at = NULL,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
       WHERE ${HELD}`,
      { id, worker: workerId, now: Date.now(), reason },
    );
  }

  async get(id: string): Promise<Delivery | null> {
    return this.run(() => {
      const row = this.stmt('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
      return row ? toDelivery(row) : null;
    });
  }

  async list(filter: DeliveryFilter = {}): Promise<Delivery[]> {
    return this.run(() => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.status && filter.status.length > 0) {
        where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
        params.push(...filter.status);
      }
      if (filter.channelId !== undefined) {
        where.push('channel_id = ?');
        params.push(filter.channelId);
      }
      const limit = filter.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '';
      const sql = `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, id DESC${limit}`;
      return (this.stmt(sql).all(...params) as DeliveryRow[]).map(toDelivery);
    });
  }

  async countByStatus(): Promise<Record<DeliveryStatus, number>> {
    return this.run(() =>
      toStatusCounts(
        this.stmt('SELECT status, COUNT(*) AS count FROM deliveries GROUP BY status').all() as {
          status: string;
          count: number;
        }[],
      ),
    );
  }

  async requeue(id: string): Promise<Delivery | null> {
    return this.run(() => this.requeueRow(id));
  }

  async requeueChannel(channelId: string): Promise<Delivery | null> {
    return this.run(() => {
      const newest = this.stmt(
        'SELECT id FROM deliveries WHERE channel_id = ? ORDER BY received_at DESC, id DESC LIMIT 1',
      ).get(channelId) as { id: string } | undefined;
      return newest ? this.requeueRow(newest.id) : null;
    });
  }

  /**
   * Operator retry: a finished or waiting row goes back to pending with a fresh attempt
   * budget. A row that is pending, processing or ignored is returned unchanged (a live
   * lease is never taken from its worker).
   */
  private requeueRow(id: string): Delivery | null {
    const now = Date.now();
    this.stmt(
      `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL, waiting_since = NULL,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
       WHERE id = @id AND status IN ('dead', 'delivered', 'retrying')`,
    ).run({ id, now });
    const row = this.stmt('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    return row ? toDelivery(row) : null;
  }

  private async fenced(sql: string, params: Record<string, unknown>): Promise<boolean> {
    return this.run(() => this.stmt(sql).run(params).changes === 1);
  }

  /** Runs synchronous work on the connection, mapping engine failures to store-unavailable. */
  private run<T>(work: (db: Database.Database) => T): Promise<T> {
    try {
      return Promise.resolve(work(this.connection()));
    } catch (err) {
      return Promise.reject(this.translate(err));
    }
  }

  private translate(err: unknown): unknown {
    const code = errorCode(err);
    if (UNAVAILABLE_CODES.test(code) || UNAVAILABLE_FS_CODES.has(code)) {
      if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) {
        // A broken connection is dropped so that the next call reopens the file.
        this.drop();
      }
      this.logger.warn('SQLite store unavailable', { code });
      return storeUnavailable(`The SQLite store at ${this.options.filename} cannot be used (${code}).`, err);
    }
    return err;
  }

  private connection(): Database.Database {
    if (this.db) {
      return this.db;
    }
    const { filename } = this.options;
    if (filename !== ':memory:') {
      fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
    }
    const db = new Database(filename);
    try {
      db.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrateSqlite(db);
      assertWritable(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    return db;
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection().prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private drop(): void {
    this.statements.clear();
    if (this.db) {
      const db = this.db;
      this.db = null;
      try {
        db.close();
      } catch {
        // Closing a connection that already failed can fail again; nothing is lost.
      }
    }
  }
}
