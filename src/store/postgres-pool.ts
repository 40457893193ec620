import { Pool } from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { Logger } from '../shared/logger';
import { isUnavailableError, translatePgError } from './postgres-errors';

/** What the pool needs from the store options. */
export interface PoolSettings {
  connectionString: string;
  poolSize?: number;
  connectionTimeoutMs?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/** "host:port/database" of a connection string, never its password. */
export function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured PostgreSQL server';
  }
}

/** The store's connection pool; a short connect timeout so an outage is reported quickly. */
export function createPool(settings: PoolSettings, logger: Logger): Pool {
  const pool = new Pool({
    connectionString: settings.connectionString,
    max: settings.poolSize ?? 10,
    connectionTimeoutMillis: settings.connectionTimeoutMs ?? 2000,
    application_name: settings.applicationName ?? 'pulsara-fhir-bridge',
  });
  // An idle client that loses its server emits here; the pool replaces it on next use.
  pool.on('error', (err) => logger.warn('PostgreSQL idle connection lost', { error: err.message }));
  return pool;
}

/** One statement on any pooled client, connection failures reported as store-unavailable. */
export async function queryPool<R extends QueryResultRow>(
  pool: Pool,
  target: string,
  sql: string,
  params: unknown[],
): Promise<{ rows: R[]; rowCount: number | null }> {
  try {
    return await pool.query<R>(sql, params);
  } catch (err) {
    throw translatePgError(err, target);
  }
}

/**
 * Runs work between BEGIN and COMMIT on one pooled client, rolling back on failure. A
 * client whose connection broke is destroyed rather than returned to the pool, and every
 * connection failure surfaces as store-unavailable.
 */
export async function inTransaction<T>(
  pool: Pool,
  target: string,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw translatePgError(err, target);
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
    const result = await work(client);
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
    throw translatePgError(err, target);
  } finally {
    client.off('error', onError);
    // A broken client is destroyed rather than returned to the pool.
    client.release(broken);
  }
}
