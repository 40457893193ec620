import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { logEntries } from './log-entries';

/**
 * Helpers for tests that run several bridge replicas on one PostgreSQL database: finding
 * out whether PostgreSQL is there, a throw-away schema per run, and reading what the
 * replicas logged.
 */

/** The test database; PG_TEST_URL overrides it. */
export const PG_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL at `url` accepts a connection within 2 s. Synchronous (a short child
 * process) so that a test file can choose between `describe` and `describe.skip` when it
 * is loaded.
 */
export function postgresReachable(url: string = PG_URL): boolean {
  const probe = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: 2000 });
    client.connect().then(() => client.end()).then(() => process.exit(0), () => process.exit(1));
  `;
  const result = spawnSync(process.execPath, ['-e', probe], {
    env: { ...process.env, PROBE_URL: url },
    timeout: 5000,
    stdio: 'ignore',
  });
  return result.status === 0;
}

/**
 * `describe` when PostgreSQL is reachable. Outside CI an unreachable server skips the
 * suite with a printed notice; in CI (CI=true) the suite runs anyway and fails, so a
 * missing service cannot pass silently.
 */
export function describeWithPostgres(reason: string): jest.Describe {
  if (process.env.CI === 'true' || postgresReachable()) {
    return describe;
  }
  console.warn(
    `PostgreSQL is not reachable at ${redactPassword(PG_URL)}: skipping ${reason} (set PG_TEST_URL, or CI=true to make this a failure).`,
  );
  return describe.skip;
}

/** A fresh schema name for one test run (lower-case, valid for STORE_URL ?schema=). */
export function scratchSchemaName(prefix = 'pfb_replicas'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** The STORE_URL of `serve` for `schema` in the database of `url`. */
export function storeUrlWithSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

/** Runs one SQL statement on its own connection. */
export async function pgQuery<R extends Record<string, unknown>>(
  sql: string,
  values: unknown[] = [],
  url: string = PG_URL,
): Promise<R[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Drops a scratch schema and everything in it (pg-boss tables and the ledger). */
export async function dropSchema(schema: string, url: string = PG_URL): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`refusing to drop schema "${schema}"`);
  }
  await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`, [], url);
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** The event ids a process logged as delivered while it still held the lease. */
export function deliveredEventIds(output: string): Set<string> {
  return new Set(
    logEntries(output)
      .filter((e) => e.message === 'delivered' && e.leaseKept === true && typeof e.eventId === 'string')
      .map((e) => e.eventId as string),
  );
}

/** GET a FHIR search on the sandbox and return its Bundle. */
export async function fhirSearch<T extends Resource = Resource>(
  baseUrl: string,
  pathAndQuery: string,
): Promise<Bundle<T>> {
  const res = await fetch(`${baseUrl}/${pathAndQuery}`, { headers: { Accept: 'application/fhir+json' } });
  if (!res.ok) {
    throw new Error(`GET ${pathAndQuery.split('?')[0]} -> ${res.status}`);
  }
  return (await res.json()) as Bundle<T>;
}

/** Runs `task` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
