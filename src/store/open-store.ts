import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { isBridgeError } from '../shared/errors';
import type { Clock } from './clock';
import { PostgresDeliveryStore } from './postgres-store';
import { assertSchemaName } from './postgres-schema';
import { SqliteDeliveryStore } from './sqlite-store';
import type { DeliveryStore } from './types';

export interface OpenStoreOptions {
  logger?: Logger;
  /**
   * PostgreSQL only: the schema for pg-boss and the ledger. Wins over a `?schema=` in the
   * URL; without either, `pulsara_bridge`.
   */
  schema?: string;
  /** The store's time source (clock.ts); the system clock unless a test injects one. */
  clock?: Clock;
}

/**
 * Which adapter a STORE_URL names, and its target. For PostgreSQL, `schema` comes from
 * an optional `?schema=<name>` query parameter, which is removed from the connection
 * string (the driver would otherwise see an unknown parameter).
 */
export type StoreLocation =
  { kind: 'sqlite'; filename: string } | { kind: 'postgres'; connectionString: string; schema?: string };

const EXPECTED = 'expected sqlite:<path>, sqlite::memory: or postgres://user@host:port/database[?schema=name]';

/** Parses a STORE_URL; throws an Error naming the variable and the accepted forms. */
export function parseStoreUrl(storeUrl: string): StoreLocation {
  const url = storeUrl.trim();
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (filename === '') {
      throw new Error(`STORE_URL "${storeUrl}" names no SQLite file; ${EXPECTED}.`);
    }
    return { kind: 'sqlite', filename };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`STORE_URL is not a valid PostgreSQL URL; ${EXPECTED}.`);
    }
    return postgresLocation(url, parsed);
  }
  // Never echo a URL that may carry a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new Error(`STORE_URL has an unsupported scheme${scheme ? ` "${scheme}"` : ''}; ${EXPECTED}.`);
}

/** Splits an optional `schema` query parameter off a PostgreSQL URL and validates it. */
function postgresLocation(url: string, parsed: URL): StoreLocation {
  const schemas = parsed.searchParams.getAll('schema');
  if (schemas.length === 0) {
    return { kind: 'postgres', connectionString: url };
  }
  if (schemas.length > 1) {
    throw new Error(`STORE_URL names the PostgreSQL schema more than once; ${EXPECTED}.`);
  }
  const schema = schemas[0];
  try {
    assertSchemaName(schema);
  } catch (err) {
    throw new Error(`STORE_URL schema: ${(err as Error).message}`);
  }
  parsed.searchParams.delete('schema');
  return { kind: 'postgres', connectionString: parsed.toString(), schema };
}

/**
 * Opens the store a STORE_URL names and initialises it. When the store is merely
 * unavailable right now (PostgreSQL down, disk full), the store is returned anyway with
 * a warning: it retries on every call and recovers by itself, while /readyz and intake
 * report 503 meanwhile. A malformed URL or any other failure throws.
 */
export async function openStore(storeUrl: string, options: OpenStoreOptions = {}): Promise<DeliveryStore> {
  const logger = options.logger ?? silentLogger();
  const location = parseStoreUrl(storeUrl);
  const store: DeliveryStore =
    location.kind === 'sqlite'
      ? new SqliteDeliveryStore({ filename: location.filename, logger, clock: options.clock })
      : new PostgresDeliveryStore({
          connectionString: location.connectionString,
          schema: options.schema ?? location.schema,
          logger,
          clock: options.clock,
        });
  try {
    await store.init();
  } catch (err) {
    if (isBridgeError(err) && err.code === 'store-unavailable') {
      logger.warn('Store unavailable at start; will keep retrying', { store: store.kind, error: err.message });
      return store;
    }
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
