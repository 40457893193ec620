import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { isBridgeError } from '../shared/errors';
import { PostgresDeliveryStore } from './postgres-store';
import { SqliteDeliveryStore } from './sqlite-store';
import type { DeliveryStore } from './types';

export interface OpenStoreOptions {
  logger?: Logger;
  /** PostgreSQL only: the schema for pg-boss and the ledger (default `pulsara_bridge`). */
  schema?: string;
}

/** Which adapter a STORE_URL names, and its target. */
export type StoreLocation = { kind: 'sqlite'; filename: string } | { kind: 'postgres'; connectionString: string };

const EXPECTED = 'expected sqlite:<path>, sqlite::memory: or postgres://user@host:port/database';

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
    try {
      new URL(url);
    } catch {
      throw new Error(`STORE_URL is not a valid PostgreSQL URL; ${EXPECTED}.`);
    }
    return { kind: 'postgres', connectionString: url };
  }
  // Never echo a URL that may carry a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new Error(`STORE_URL has an unsupported scheme${scheme ? ` "${scheme}"` : ''}; ${EXPECTED}.`);
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
      ? new SqliteDeliveryStore({ filename: location.filename, logger })
      : new PostgresDeliveryStore({ connectionString: location.connectionString, schema: options.schema, logger });
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
