import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { DeliveryView } from '../../src/store/delivery-view';
import type { WebhookEvent } from '../../src/pulsara/types';
import type { CaseFixture } from '../support/cases';
import { freePort } from '../support/free-port';
import { startCuttableTcpProxy } from '../support/holding-proxy';
import type { CuttableTcpProxy } from '../support/holding-proxy';
import { killAllServes, listEvents, OutsideWorld, ServeProcess } from '../support/process-harness';
import { logEntries } from '../support/log-entries';
import type { LogEntry } from '../support/log-entries';
import { describeWithPostgres, PG_URL } from '../support/replica-helpers';
import { assertBuilt } from '../support/run-cli';
import { waitUntil } from '../support/wait-until';

/**
 * Store outages seen from outside the REAL `serve` process: while the store cannot take a
 * write, intake must answer 503 (never a 202 it cannot keep); once the store is back, the
 * next webhook is accepted and the workers resume by themselves, with nothing lost.
 */
jest.setTimeout(60000);

/**
 * Root ignores file modes, so chmod cannot break a store in this sandbox. The ext4
 * immutable attribute (chattr +i) stops root too; it needs CAP_LINUX_IMMUTABLE and a file
 * system that has it, so probe once and skip with the reason when it is not there.
 */
function immutableProbe(): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'pfb-chattr-'));
  const file = path.join(dir, 'probe');
  writeFileSync(file, 'x');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `chattr +i is not available here (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  try {
    writeFileSync(file, 'y');
    return 'chattr +i does not stop writes here';
  } catch {
    return null;
  } finally {
    execFileSync('chattr', ['-i', file], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  }
}

const immutableSkipReason = immutableProbe();
if (immutableSkipReason) {
  console.warn(`store-outage: SQLite outage test skipped: ${immutableSkipReason}`);
}

async function statuses(serve: ServeProcess, eventIds: string[]): Promise<DeliveryView[]> {
  const views = await serve.deliveries();
  return eventIds.map((id) => views.find((v) => v.eventId === id)).filter((v): v is DeliveryView => v !== undefined);
}

async function waitDelivered(serve: ServeProcess, eventIds: string[], timeoutMs = 30000): Promise<DeliveryView[]> {
  return waitUntil(
    `${eventIds.length} deliveries to be delivered`,
    () => statuses(serve, eventIds),
    (views) => views.length === eventIds.length && views.every((v) => v.status === 'delivered'),
    { timeoutMs, everyMs: 100, ignoreErrors: true },
  );
}

/** Waits until `serve` has logged, after the first `from` characters of its output, a JSON line that `match`es. */
async function logged(serve: ServeProcess, what: string, from: number, match: (e: LogEntry) => boolean): Promise<void> {
  await waitUntil(
    what,
    () => logEntries(serve.logs().slice(from)).filter(match).length,
    (count) => count > 0,
    { timeoutMs: 15000 },
  );
}

describe('store outages, seen from outside serve', () => {
  let world: OutsideWorld;

  beforeAll(async () => {
    assertBuilt();
    world = await OutsideWorld.start();
  });
  afterEach(async () => {
    await killAllServes();
    await world.sim('DELETE', '/faults');
  });
  afterAll(async () => {
    await world?.close();
  });

  async function expectWrittenOnce(fixture: CaseFixture): Promise<void> {
    const { documents, observations } = await world.writtenFor(fixture);
    expect(documents).toHaveLength(1);
    expect(observations.map((o) => o.valueDateTime).sort()).toEqual([...fixture.setTimes].sort());
  }

  /** Sends `event` a few times (as Pulsara's retries would) while the store is down: every answer must be 503. */
  async function expectRefused(serve: ServeProcess, event: WebhookEvent): Promise<void> {
    for (let i = 0; i < 3; i += 1) {
      const answer = await world.send(serve.url, event);
      expect(answer.status).toBe(503);
    }
  }

  async function expectNotReady(serve: ServeProcess): Promise<void> {
    const readiness = await fetch(`${serve.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as { store: string }).store).toMatch(/^store unavailable/);
  }

  /**
   * The outage as Pulsara and the EHR see it. Before it: one delivery in flight (its
   * channel read is slow) and one pending behind it (same channel, so it must wait). During
   * it, both at its start and once the in-flight delivery has failed to record its outcome
   * and the workers have paused: a webhook is refused with 503 again and again, and /readyz
   * says 503. After it: the next webhook is accepted at once, Pulsara's redelivery of the
   * refused one too, and the workers finish everything by themselves, each case written
   * exactly once.
   */
  async function outageScenario(
    serve: ServeProcess,
    storeUrl: string,
    outage: { begin(): Promise<void>; end(): Promise<void> },
  ): Promise<void> {
    const [early, refused, late] = await Promise.all([world.addCase(), world.addCase(), world.addCase()]);
    await world.sim('POST', '/faults', { path: 'channel', delayMs: 1500, count: 1 });
    const inFlight = world.mrnEvent(early);
    const queued = world.mrnEvent(early);
    expect((await world.send(serve.url, inFlight)).status).toBe(202);
    expect((await world.send(serve.url, queued)).status).toBe(202);
    await waitUntil(
      'the first delivery to be claimed',
      () => statuses(serve, [inFlight.id]),
      ([v]) => v?.status === 'processing',
      { timeoutMs: 10000, everyMs: 20, ignoreErrors: true },
    );

    const outageStart = serve.logs().length;
    await outage.begin();
    const refusedEvent = world.mrnEvent(refused);
    await expectRefused(serve, refusedEvent);
    await expectNotReady(serve);
    // The later stage of the outage is what serve logs, not an amount of time.
    await logged(
      serve,
      'the in-flight delivery to do its work and fail to record it',
      outageStart,
      (e) => e.message === 'could not record the attempt' && e.eventId === inFlight.id,
    );
    await logged(
      serve,
      'the workers to find the store down and pause',
      outageStart,
      (e) => e.message === 'store unavailable; workers pause',
    );
    await expectRefused(serve, refusedEvent);
    await expectNotReady(serve);
    await outage.end();

    const lateEvent = world.mrnEvent(late);
    expect((await world.send(serve.url, lateEvent)).status).toBe(202);
    expect((await world.send(serve.url, refusedEvent)).status).toBe(202);
    expect((await fetch(`${serve.url}/readyz`)).status).toBe(200);

    const done = await waitDelivered(serve, [inFlight.id, queued.id, refusedEvent.id, lateEvent.id]);
    // The in-flight delivery wrote to the EHR but could not record it; its lease ran out and
    // its second run found everything written (created 0), as did the queued one.
    expect(done.map((v) => v.attempts)).toEqual([2, 1, 1, 1]);
    expect(done.map((v) => v.outcome?.created)).toEqual([0, 0, 4, 4]);
    for (const fixture of [early, refused, late]) {
      await expectWrittenOnce(fixture);
    }
    expect(await serve.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    const ledger = await listEvents(storeUrl);
    expect(ledger.map((v) => v.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
  }

  (immutableSkipReason ? it.skip : it)(
    'SQLite unwritable: 503 while broken, 202 and workers resuming after repair',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'pfb-outage-'));
      const file = path.join(dir, 'bridge.sqlite');
      // Not the -shm file: SQLite maps it into memory, and a write fault there is a SIGBUS,
      // a crash rather than an outage. The database, its WAL and the folder are enough.
      const frozen = [file, `${file}-wal`, dir];
      const setImmutable = async (on: boolean): Promise<void> => {
        execFileSync('chattr', [on ? '+i' : '-i', ...frozen.filter((p) => existsSync(p))], { stdio: 'pipe' });
      };
      try {
        const serve = await ServeProcess.start(world.serveEnv(await freePort(), `sqlite:${file}`));
        await outageScenario(serve, `sqlite:${file}`, {
          begin: () => setImmutable(true),
          end: () => setImmutable(false),
        });
      } finally {
        await setImmutable(false);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  describeWithPostgres('the PostgreSQL outage test')('PostgreSQL cut off by a network outage', () => {
    const database = `pfb_outage_${randomBytes(5).toString('hex')}`;
    let created = false;
    let proxy: CuttableTcpProxy | undefined;

    async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
      const client = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    }

    beforeAll(async () => {
      await admin((client) => client.query(`CREATE DATABASE ${database}`));
      created = true;
    });
    afterAll(async () => {
      await killAllServes();
      await proxy?.close();
      if (created) {
        await admin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      }
    });

    it('503 on intake and /readyz during the outage; 202 and pending deliveries completed after it', async () => {
      const target = new URL(PG_URL);
      const tcp = await startCuttableTcpProxy(target.hostname, Number(target.port || 5432));
      proxy = tcp;
      const storeUrl = `postgres://${target.username}${target.password ? `:${target.password}` : ''}@127.0.0.1:${tcp.port}/${database}`;
      const serve = await ServeProcess.start(world.serveEnv(await freePort(), storeUrl));
      expect((await fetch(`${serve.url}/readyz`)).status).toBe(200);

      await outageScenario(serve, storeUrl, { begin: () => tcp.cut(), end: () => tcp.restore() });
    });
  });
});
