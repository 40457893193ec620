import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Client } from 'pg';
import type { Clock } from '../../src/store/clock';
import { ledgerTable } from '../../src/store/postgres-schema';
import { PostgresDeliveryStore } from '../../src/store/postgres-store';
import type { DeliveryStore } from '../../src/store/types';
import { describeStoreContract, expectStoreUnavailable, makeEvent } from '../unit/store/store-contract';
import type { StoreHarness } from '../unit/store/store-contract';
import { FakeClock } from '../unit/store/fake-clock';
import { waitUntil } from '../support/wait-until';

/**
 * The store contract against a real PostgreSQL on 127.0.0.1 (PG_TEST_URL to override).
 * The contract's tests share one schema, emptied after each test and dropped at the end;
 * the other tests get their own schema, dropped afterwards.
 */
const PG_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** How many of the store's backends (by application name) wait for a lock. */
async function backendsWaitingForLock(admin: Client, schema: string): Promise<number> {
  const result = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
    [schema],
  );
  return result.rows[0].n;
}

/** Polls a real PostgreSQL effect every 20 ms (the one waitUntil); fails the test when it has not come within 5 s. */
async function pollUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  await waitUntil(what, check, (ok) => ok, { timeoutMs: 5000, everyMs: 20 });
}

/** Empties the ledger and pg-boss's jobs of a schema, keeping the tables. */
async function emptySchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    // DELETE, not TRUNCATE: a few rows go faster than new files for every table and index.
    await client.query(`DELETE FROM ${ledgerTable(schema)}; DELETE FROM ${schema}.job; DELETE FROM ${schema}.archive`);
  } finally {
    await client.end();
  }
}

/**
 * Stores over one schema. Each has its own Pool and PgBoss, so that a sibling behaves like
 * another replica; `clear` runs after they are all closed.
 */
function pgHarnessFor(schema: string, clear: () => Promise<void>, clock?: Clock): StoreHarness {
  const opened: DeliveryStore[] = [];
  const openOne = async (): Promise<DeliveryStore> => {
    const store = new PostgresDeliveryStore({
      connectionString: PG_URL,
      schema,
      sweepIntervalMs: 0,
      poolSize: 5,
      applicationName: schema,
      clock,
    });
    opened.push(store);
    await store.init();
    return store;
  };
  return {
    open: openOne,
    openSibling: openOne,
    async dispose() {
      await Promise.all(opened.map((store) => store.close()));
      await clear();
    },
  };
}

/**
 * The contract's tests share one schema: creating a schema and pg-boss's tables costs
 * about 0.4 s, emptying them next to nothing. Every test starts from empty tables, after
 * the stores of the test before are closed.
 */
const CONTRACT_SCHEMA = `pfb_test_${randomBytes(6).toString('hex')}`;

afterAll(async () => {
  await dropSchema(CONTRACT_SCHEMA);
});

describeStoreContract('PostgreSQL + pg-boss', (clock) =>
  pgHarnessFor(CONTRACT_SCHEMA, () => emptySchema(CONTRACT_SCHEMA), clock),
);

describe('PostgresDeliveryStore', () => {
  it('reports store-unavailable quickly when PostgreSQL cannot be reached', async () => {
    const store = new PostgresDeliveryStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      schema: 'pfb_unreachable',
    });
    const started = Date.now();
    await expectStoreUnavailable(store.init());
    await expectStoreUnavailable(store.ping());
    await expectStoreUnavailable(store.recordEvent(makeEvent('ch-1')));
    await expectStoreUnavailable(store.claim('w1', 1000));
    expect(Date.now() - started).toBeLessThan(5000);
    await store.close();
  });

  it('gives up after the connection timeout when the server never answers', async () => {
    // A socket that accepts and stays silent: the PostgreSQL handshake never completes.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const store = new PostgresDeliveryStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      connectionTimeoutMs: 500,
    });
    try {
      const started = Date.now();
      await expectStoreUnavailable(store.ping());
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(400);
      expect(elapsed).toBeLessThan(3000);
    } finally {
      await store.close();
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  describe('hints, scheduled by pg-boss on the database clock', () => {
    // A store clock far from the database's: what a hint waits must not depend on it.
    const clock = new FakeClock(new Date(Date.now() - 24 * 60 * 60_000));
    let harness: StoreHarness;
    let store: DeliveryStore;

    /** The hints of a delivery: state, fetchable from, and that minus their creation (s). */
    const hintsOf = async (deliveryId: string): Promise<{ state: string; start_after: Date; wait: number }[]> => {
      const client = new Client({ connectionString: PG_URL });
      await client.connect();
      try {
        const result = await client.query<{ state: string; start_after: Date; wait: number }>(
          `SELECT state, start_after, extract(epoch from start_after - created_on)::float8 AS wait
           FROM ${CONTRACT_SCHEMA}.job WHERE data->>'deliveryId' = $1 ORDER BY created_on`,
          [deliveryId],
        );
        return result.rows;
      } finally {
        await client.end();
      }
    };

    beforeEach(async () => {
      harness = pgHarnessFor(CONTRACT_SCHEMA, () => emptySchema(CONTRACT_SCHEMA), clock.now);
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.dispose();
    });

    it('sends the hint of a retry for its ledger instant', async () => {
      const { deliveryId } = await store.recordEvent(makeEvent('ch-1', {}, clock.now()));
      await store.claim('w1', 60_000);
      const next = clock.in(90_000);
      expect(await store.markRetry(deliveryId, 'w1', { code: 'ehr-unavailable', message: 'down' }, next, null)).toBe(
        true,
      );
      const hints = await hintsOf(deliveryId);
      expect(hints.filter((hint) => hint.state === 'created').map((hint) => hint.start_after.getTime())).toEqual([
        next.getTime(),
      ]);
    });

    it('holds back a hint blocked by its channel for what is left of the blocking lease, on the database clock', async () => {
      await store.recordEvent(makeEvent('ch-1', {}, clock.now()));
      const { deliveryId: blocked } = await store.recordEvent(makeEvent('ch-1', {}, clock.now()));
      await store.claim('w1', 30_000);
      clock.advance(12_000);
      expect(await store.claim('w2', 60_000)).toBeNull();
      const waiting = (await hintsOf(blocked)).filter((hint) => hint.state === 'created');
      expect(waiting.map((hint) => hint.wait)).toEqual([18]);
    });
  });

  describe('with a database', () => {
    let harness: StoreHarness;
    let store: DeliveryStore;
    let schema: string;

    beforeEach(async () => {
      schema = `pfb_test_${randomBytes(6).toString('hex')}`;
      harness = pgHarnessFor(schema, () => dropSchema(schema));
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.dispose();
    });

    it('recovers by itself after its connections are killed', async () => {
      const { deliveryId } = await store.recordEvent(makeEvent('ch-1'));
      // `locker` holds the row so that a claim certainly has a checked-out client in a
      // transaction (waiting to lease it) when the kill comes; `admin` watches and kills
      // outside any transaction, as pg_stat_activity reads are frozen within one.
      const locker = new Client({ connectionString: PG_URL });
      const admin = new Client({ connectionString: PG_URL });
      await Promise.all([locker.connect(), admin.connect()]);
      try {
        await locker.query('BEGIN');
        await locker.query(`SELECT id FROM ${ledgerTable(schema)} WHERE id = $1 FOR UPDATE`, [deliveryId]);
        const inFlight = store.claim('w0', 60_000).then(
          () => undefined,
          (err: unknown) => err,
        );
        await pollUntil(
          'the claim waits for the row lock',
          async () => (await backendsWaitingForLock(admin, schema)) === 1,
        );
        const backends = await admin.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
          [schema],
        );
        const pids = backends.rows.map((row) => row.pid);
        await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
        // pg_terminate_backend only signals; wait until those backends are gone (pg-boss
        // may open new ones meanwhile).
        await pollUntil('the killed backends are gone', async () => {
          const left = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
          return left.rows.length === 0;
        });
        expect(await inFlight).toMatchObject({ code: 'store-unavailable' });
      } finally {
        await Promise.all([locker.end(), admin.end()]);
      }
      // Calls that meet a dead pooled socket fail as store-unavailable (never crash);
      // the pool drops those sockets, so the store comes back within a few calls.
      await pollUntil('the store answers again', async () => {
        try {
          await store.ping();
          return true;
        } catch (err) {
          expect(err).toMatchObject({ code: 'store-unavailable' });
          return false;
        }
      });
      expect((await store.recordEvent(makeEvent('ch-2'))).duplicate).toBe(false);
      // The killed claim leased nothing: its transaction rolled back, hint included.
      expect(await store.get(deliveryId)).toMatchObject({ status: 'pending', attempts: 0, leaseOwner: null });
      expect(await store.claim('w1', 60_000)).not.toBeNull();
    });
  });
});
