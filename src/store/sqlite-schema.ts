import type Database from 'better-sqlite3';

/**
 * Schema of the SQLite ledger, versioned with `PRAGMA user_version`: migration N brings a
 * database from version N-1 to N. Append new migrations; never edit a shipped one.
 * Times are INTEGER milliseconds since the epoch so that comparisons and ordering are
 * plain integer work.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    event_id         TEXT NOT NULL UNIQUE,
    event_type       TEXT NOT NULL,
    channel_id       TEXT,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    received_at      INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    waiting_since    INTEGER,
    next_attempt_at  INTEGER,
    delivered_at     INTEGER,
    last_error       TEXT,
    outcome          TEXT,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    ignored_reason   TEXT
  );
  -- claim reads open rows by status, so finished rows (the bulk) are never scanned.
  CREATE INDEX deliveries_status ON deliveries (status, received_at);
  -- the per-channel lease check, list by channel and requeueChannel.
  CREATE INDEX deliveries_channel ON deliveries (channel_id, status, lease_expires_at);
  `,
];

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the migrations this database has not seen yet, each in its own transaction. */
export function migrateSqlite(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `The store file has schema version ${current}, newer than this bridge knows (${MIGRATIONS.length}); upgrade the bridge.`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
