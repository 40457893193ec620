import type { LedgerRow } from './ledger-rules';

/** The ledger table of a schema; pg-boss keeps its own tables beside it. */
export function ledgerTable(schema: string): string {
  return `${schema}.pfb_deliveries`;
}

/** A `pfb_deliveries` row as pg returns it: timestamptz as Date, jsonb already parsed. */
export type PgLedgerRow = LedgerRow<Date>;

/** Placeholders `$from`, `$from+1`... for a rule's column values (ledger-rules.ts), after the query's own. */
export function positional(from: number): (column: string, index: number) => string {
  return (_, index) => `$${index + from}`;
}

/**
 * The PostgreSQL ledger table. pg-boss owns its own tables in the same schema (it
 * versions and migrates them itself); this file owns `pfb_deliveries`. The ledger is the
 * source of truth for a delivery's state and lease; a pg-boss job only says "delivery X
 * may be due" (see postgres-store.ts).
 *
 * Versioned by `pfb_schema_version`: migration N brings the ledger from N-1 to N, all
 * under one advisory lock so that replicas starting together do not race.
 */
export function ledgerMigrations(schema: string): readonly string[] {
  return [
    `
    CREATE TABLE ${schema}.pfb_deliveries (
      id               text PRIMARY KEY,
      event_id         text NOT NULL UNIQUE,
      event_type       text NOT NULL,
      channel_id       text,
      payload          text NOT NULL,
      status           text NOT NULL,
      attempts         integer NOT NULL DEFAULT 0,
      received_at      timestamptz NOT NULL,
      updated_at       timestamptz NOT NULL,
      waiting_since    timestamptz,
      next_attempt_at  timestamptz,
      delivered_at     timestamptz,
      last_error       jsonb,
      outcome          jsonb,
      lease_owner      text,
      lease_expires_at timestamptz,
      ignored_reason   text,
      -- the pg-boss job fetched for the current lease, completed when the lease ends
      lease_job_id     uuid,
      -- when the newest job for this row became fetchable; the sweeper re-sends stale ones
      queued_at        timestamptz
    );
    CREATE INDEX pfb_deliveries_status ON ${schema}.pfb_deliveries (status, received_at);
    CREATE INDEX pfb_deliveries_channel ON ${schema}.pfb_deliveries (channel_id, status, lease_expires_at);
    `,
  ];
}

/** SQL that applies the pending ledger migrations; safe to run from several replicas at once. */
export function migrateLedgerSql(schema: string): string {
  const steps = ledgerMigrations(schema)
    .map(
      (sql, index) => `
      IF current < ${index + 1} THEN
        EXECUTE ${dollarQuote(sql)};
        current := ${index + 1};
      END IF;`,
    )
    .join('\n');
  return `
    DO $migrate$
    DECLARE current integer;
    BEGIN
      -- Lock first: even CREATE ... IF NOT EXISTS races between replicas starting together.
      PERFORM pg_advisory_xact_lock(hashtext('${schema}.pfb_schema_version'));
      CREATE SCHEMA IF NOT EXISTS ${schema};
      CREATE TABLE IF NOT EXISTS ${schema}.pfb_schema_version (version integer NOT NULL);
      SELECT version INTO current FROM ${schema}.pfb_schema_version;
      IF current IS NULL THEN
        current := 0;
        INSERT INTO ${schema}.pfb_schema_version (version) VALUES (0);
      END IF;
      ${steps}
      UPDATE ${schema}.pfb_schema_version SET version = current;
    END
    $migrate$;
  `;
}

function dollarQuote(sql: string): string {
  return `$ddl$${sql}$ddl$`;
}

/** Schema names end up in SQL text, so only plain lower-case identifiers are accepted. */
export function assertSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and underscores.`);
  }
}
