import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { newDeliveryId } from './delivery-id';
import {
  assignmentsSql,
  claimableSql,
  heldSql,
  initialStatus,
  insertSql,
  leaseEndColumns,
  leaseExpiry,
  NEWEST_FIRST_SQL,
  newRowColumns,
  oldestFirstSql,
  openSql,
  renewLeaseSql,
  requeuableSql,
  requeueColumns,
  takeLeaseSql,
  toDelivery,
} from './ledger-rules';
import type { LeaseEnd, LedgerColumns, LedgerRow } from './ledger-rules';
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
  /** Every ledger time comes from here (clock.ts); injectable for tests. */
  clock?: Clock;
}

/** A row as better-sqlite3 returns it: times are INTEGER milliseconds, JSON is text. */
type DeliveryRow = LedgerRow<number>;

/** SQLite result codes that mean "the store cannot be used right now" rather than a bug. */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|READONLY|CANTOPEN|IOERR|FULL|PROTOCOL|NOTADB|CORRUPT)/;
/** File-system errors met while creating the data folder. */
const UNAVAILABLE_FS_CODES = new Set(['EACCES', 'EPERM', 'EEXIST', 'ENOTDIR', 'EROFS', 'ENOSPC', 'ENOENT', 'EIO']);

/** The oldest claimable row (ledger-rules.ts); the open-status term lets SQLite read only open rows through deliveries_status. */
const CLAIM_NEXT = `
  SELECT d.id FROM deliveries d
  WHERE ${openSql('d')}
    AND ${claimableSql({ table: 'deliveries', now: '@now', candidate: 'd', other: 'o' })}
  ORDER BY ${oldestFirstSql('d')}
  LIMIT 1`;

const TAKE_LEASE = `UPDATE deliveries SET ${takeLeaseSql({ worker: '@worker', expires: '@expires', now: '@now' })}
  WHERE id = @id RETURNING *`;

/** The caller still holds the lease: mark* and renewLease change nothing otherwise. */
const HELD = `id = @id AND ${heldSql('@worker', '@now')}`;

/** Times are stored as INTEGER milliseconds (sqlite-schema.ts). */
function ms(time: Date): number {
  return time.getTime();
}

/** A rule's column values as named parameters (see `named`), times in milliseconds. */
function columnParams(columns: LedgerColumns): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(columns).map(([column, value]) => [`c_${column}`, value instanceof Date ? ms(value) : value]),
  );
}

/** The placeholder columnParams binds a column's value to. */
function named(column: string): string {
  return `@c_${column}`;
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
  private readonly clock: Clock;

  constructor(private readonly options: SqliteStoreOptions) {
    this.logger = options.logger ?? silentLogger();
    this.clock = options.clock ?? systemClock;
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
      const status = initialStatus(event);
      const columns = newRowColumns(id, event, this.clock());
      // One autocommit statement: the row is durable when run() returns.
      const inserted = this.stmt(
        `${insertSql('deliveries', columns, named)}
         ON CONFLICT (event_id) DO NOTHING`,
      ).run(columnParams(columns));
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

  async claim(workerId: string, leaseMs: number): Promise<Delivery | null> {
    const now = this.clock();
    return this.run((db) =>
      // IMMEDIATE: take the write lock before reading, so two connections never pick the same row.
      db
        .transaction(() => {
          const next = this.stmt(CLAIM_NEXT).get({ now: ms(now) }) as { id: string } | undefined;
          if (!next) {
            return null;
          }
          const row = this.stmt(TAKE_LEASE).get({
            id: next.id,
            worker: workerId,
            expires: ms(leaseExpiry(now, leaseMs)),
            now: ms(now),
          }) as DeliveryRow;
          return toDelivery(row);
        })
        .immediate(),
    );
  }

  async renewLease(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    return this.fenced(`UPDATE deliveries SET ${renewLeaseSql({ expires: '@expires', now: '@now' })} WHERE ${HELD}`, {
      id,
      worker: workerId,
      now: ms(now),
      expires: ms(leaseExpiry(now, leaseMs)),
    });
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
      const sql = `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${NEWEST_FIRST_SQL}${limit}`;
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
        `SELECT id FROM deliveries WHERE channel_id = ? ORDER BY ${NEWEST_FIRST_SQL} LIMIT 1`,
      ).get(channelId) as { id: string } | undefined;
      return newest ? this.requeueRow(newest.id) : null;
    });
  }

  /** Operator retry, by the rule in ledger-rules.ts (requeueColumns, canRequeue). */
  private requeueRow(id: string): Delivery | null {
    const columns = requeueColumns(this.clock());
    this.stmt(`UPDATE deliveries SET ${assignmentsSql(columns, named)} WHERE id = @id AND ${requeuableSql()}`).run({
      id,
      ...columnParams(columns),
    });
    const row = this.stmt('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    return row ? toDelivery(row) : null;
  }

  /** Ends a lease the caller still holds; false (and no change) otherwise. */
  private async endLease(id: string, workerId: string, end: LeaseEnd): Promise<boolean> {
    const now = this.clock();
    const columns = leaseEndColumns(end, now);
    return this.fenced(`UPDATE deliveries SET ${assignmentsSql(columns, named)} WHERE ${HELD}`, {
      id,
      worker: workerId,
      now: ms(now),
      ...columnParams(columns),
    });
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
