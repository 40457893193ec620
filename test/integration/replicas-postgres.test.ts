import type { DocumentReference, Observation } from '@medplum/fhirtypes';
import type { DeliveryView } from '../../src/store/delivery-view';
import type { RequestRecord } from '../../src/tools/simulator';
import type { WebhookEvent } from '../../src/pulsara/types';
import type { CaseFixture } from '../support/cases';
import { freePort } from '../support/free-port';
import { killAllServes, OutsideWorld, ServeProcess } from '../support/process-harness';
import { assertBuilt } from '../support/run-cli';
import { waitUntil } from '../support/wait-until';
import {
  deliveredEventIds,
  describeWithPostgres,
  dropSchema,
  fhirSearch,
  mapLimit,
  PG_URL,
  pgQuery,
  scratchSchemaName,
  storeUrlWithSchema,
} from '../support/replica-helpers';

/**
 * Several replicas on PostgreSQL: two REAL `serve` processes (dist/cli/main.js) share one
 * database (a scratch schema chosen with STORE_URL ?schema=), take 200 signed webhooks
 * spread over both, and one of them is killed with SIGKILL half-way and restarted.
 * Every event must end delivered and written to the EHR exactly once, both replicas must
 * have done work, redeliveries to the other replica must be recognised as duplicates,
 * and two events of one channel sent to both replicas at once must be processed one
 * after the other. Build first: `npm run build`.
 */
jest.setTimeout(180_000);

const CASES = 200;
/** Phase 1 (both replicas up) sends this many; the kill comes once KILL_AFTER are delivered. */
const PHASE1 = 120;
const KILL_AFTER = 60;
/** Phase 2 (survivor alone) sends up to this index; phase 3 (killed one restarted) the rest. */
const PHASE2_END = 170;
const PSR_SYSTEM = 'https://pulsara-fhir-bridge.example.org/fhir/psr';
const SEND_PARALLEL = 8;
/** WORKER_CONCURRENCY of each replica: the most deliveries a replica holds at once. */
const WORKERS = 4;

interface Sent {
  fixture: CaseFixture;
  event: WebhookEvent;
  deliveryId: string;
  /** Which process took the original. */
  via: string;
}

interface Accepted {
  deliveryId: string;
  status: string;
  duplicate: boolean;
}

function parseAccepted(body: string): Accepted {
  return JSON.parse(body) as Accepted;
}

describeWithPostgres('the PostgreSQL replicas test')('several serve replicas on one PostgreSQL database', () => {
  /** The scratch schemas made so far: one per test, so that no test sees another's ledger. */
  const schemas: string[] = [];
  let world: OutsideWorld;
  const fixtures: CaseFixture[] = [];
  const sent: Sent[] = [];

  beforeAll(async () => {
    assertBuilt();
    // In CI the suite runs even without PostgreSQL: fail here, clearly, not in a timeout.
    await pgQuery('SELECT 1');
    world = await OutsideWorld.start();
    const started = Date.now();
    const made = await mapLimit(Array.from({ length: CASES }), 10, () => world.addCase());
    fixtures.push(...made);
    console.log(`replicas test: ${CASES} channels and patients set up in ${Date.now() - started} ms`);
  });

  // Each test starts the replicas it needs, so that none depends on another's processes.
  afterEach(async () => {
    await killAllServes();
  });
  afterAll(async () => {
    await world?.close();
    for (const schema of schemas) {
      await dropSchema(schema);
    }
  });

  /** A new, empty ledger: a scratch schema of its own, and the STORE_URL that selects it. */
  function newLedger(): { schema: string; storeUrl: string } {
    const schema = scratchSchemaName();
    schemas.push(schema);
    return { schema, storeUrl: storeUrlWithSchema(PG_URL, schema) };
  }

  function env(port: number, storeUrl: string): Record<string, string> {
    return world.serveEnv(port, storeUrl, {
      WORKER_CONCURRENCY: String(WORKERS),
      POLL_INTERVAL_MS: '100',
      LEASE_SECONDS: '5',
    });
  }

  async function startReplica(storeUrl: string): Promise<ServeProcess> {
    return ServeProcess.start(env(await freePort(), storeUrl), 30_000);
  }

  async function workerIdOf(serve: ServeProcess): Promise<string> {
    const status = await serve.admin<{ store: string; workerId: string }>('/admin/status');
    expect(status.store).toBe('postgres');
    return status.workerId;
  }

  /** Sends the original event of each case, in parallel lanes, and records the 202s. */
  async function sendOriginals(indexes: number[], pick: (index: number) => ServeProcess): Promise<void> {
    await mapLimit(indexes, SEND_PARALLEL, async (index) => {
      const fixture = fixtures[index];
      const serve = pick(index);
      const event = world.mrnEvent(fixture);
      const res = await world.send(serve.url, event);
      expect(res.status).toBe(202);
      const accepted = parseAccepted(res.body);
      expect(accepted).toMatchObject({ duplicate: false, status: 'pending' });
      sent[index] = { fixture, event, deliveryId: accepted.deliveryId, via: serve.url };
    });
  }

  /** Resends already accepted events to `serve` (another replica than the one that took them). */
  async function sendDuplicates(indexes: number[], serve: ServeProcess): Promise<void> {
    await mapLimit(indexes, SEND_PARALLEL, async (index) => {
      const original = sent[index];
      expect(original.via).not.toBe(serve.url);
      const res = await world.send(serve.url, original.event);
      expect(res.status).toBe(202);
      expect(parseAccepted(res.body)).toMatchObject({ duplicate: true, deliveryId: original.deliveryId });
    });
  }

  async function statusCounts(serve: ServeProcess): Promise<Record<string, number>> {
    return (await serve.admin<{ counts: Record<string, number> }>('/admin/status')).counts;
  }

  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

  it('delivers 200 events exactly once across two replicas while one is killed and restarted', async () => {
    const totalsBefore = await ehrTotals();
    const { schema, storeUrl } = newLedger();
    const [a, b] = await Promise.all([startReplica(storeUrl), startReplica(storeUrl)]);
    const [workerA, workerB] = await Promise.all([workerIdOf(a), workerIdOf(b)]);
    expect(workerA).not.toBe(workerB);
    // The scratch schema from STORE_URL is where both keep their ledger.
    const tables = await pgQuery<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [schema],
    );
    expect(tables.map((t) => t.table_name)).toContain('pfb_deliveries');

    // Phase 1: both replicas up, events alternate between them.
    const t0 = Date.now();
    await sendOriginals(range(0, PHASE1), (i) => (i % 2 === 0 ? a : b));
    const phase1SentMs = Date.now() - t0;
    // Redeliveries of every fifth event to the OTHER replica (both directions).
    await sendDuplicates(
      range(0, PHASE1).filter((i) => i % 10 === 0),
      b,
    );
    await sendDuplicates(
      range(0, PHASE1).filter((i) => i % 10 === 5),
      a,
    );

    const beforeKill = await waitUntil(
      'the first deliveries',
      () => statusCounts(b),
      (c) => (c.delivered ?? 0) >= KILL_AFTER,
      { timeoutMs: 60_000, everyMs: 25, ignoreErrors: true },
    );
    await a.kill('SIGKILL');
    const tKill = Date.now();
    // The killed process held leases: they must run out and be taken over.
    const orphaned = await pgQuery<{ event_id: string }>(
      `SELECT event_id FROM ${schema}.pfb_deliveries WHERE status = 'processing' AND lease_owner LIKE $1`,
      [`${workerA}#%`],
    );

    // Phase 2: the survivor alone takes new events, and knows the ones the dead replica took.
    await sendOriginals(range(PHASE1, PHASE2_END), () => b);
    await sendDuplicates(
      range(0, PHASE1).filter((i) => i % 10 === 2),
      b,
    );

    // Phase 3: the killed replica comes back (new process, new worker id) and gets its share.
    const a2 = await startReplica(storeUrl);
    const workerA2 = await workerIdOf(a2);
    expect(new Set([workerA, workerB, workerA2]).size).toBe(3);
    await sendOriginals(range(PHASE2_END, CASES), (i) => (i % 2 === 0 ? a2 : b));
    await sendDuplicates(
      range(PHASE1, PHASE2_END).filter((i) => i % 10 === 3),
      a2,
    );

    const views = await waitUntil(
      `all ${CASES} deliveries to end delivered`,
      () => a2.deliveries(),
      (all) => all.length === CASES && all.every((v) => v.status === 'delivered'),
      { timeoutMs: 90_000, everyMs: 200, ignoreErrors: true },
    );
    const totalMs = Date.now() - t0;

    // Ledger: one row per event (duplicates added none), every one delivered.
    const byEvent = new Map<string, DeliveryView>(views.map((v) => [v.eventId, v]));
    expect(byEvent.size).toBe(CASES);
    for (const s of sent) {
      expect(byEvent.get(s.event.id)).toMatchObject({
        id: s.deliveryId,
        status: 'delivered',
        channelId: s.fixture.channelId,
      });
    }

    // The EHR: exactly one PSR per channel, exactly the set times as Observations.
    await expectWrittenOnce(fixtures, totalsBefore);

    // Both replicas worked: every event was marked delivered, under a live lease, by one of
    // them. (Output read now: a process's last lines may arrive after its exit.) The one
    // gap allowed: the killed replica committed "delivered" but died before logging it.
    const loggedBy = async (): Promise<Array<Set<string>>> => [
      deliveredEventIds(a.logs()),
      deliveredEventIds(b.logs()),
      deliveredEventIds(a2.logs()),
    ];
    const [byA, byB, byA2] = await waitUntil(
      'each delivery logged by the replica that delivered it',
      loggedBy,
      (sets) =>
        sent.every(
          (s) =>
            sets.some((set) => set.has(s.event.id)) || Date.parse(byEvent.get(s.event.id)?.deliveredAt ?? '') < tKill,
        ),
      { timeoutMs: 5_000, everyMs: 100 },
    );
    expect(byA.size).toBeGreaterThan(0);
    expect(byB.size).toBeGreaterThan(0);
    expect(byA2.size).toBeGreaterThan(0);
    const unlogged = sent.filter((s) => !byA.has(s.event.id) && !byB.has(s.event.id) && !byA2.has(s.event.id));
    expect(unlogged.length).toBeLessThanOrEqual(WORKERS);
    // The deliveries the killed replica held ended delivered by a live one, after its lease ran out.
    for (const row of orphaned) {
      expect(byA.has(row.event_id)).toBe(false);
      expect(byEvent.get(row.event_id)?.attempts).toBeGreaterThanOrEqual(2);
    }

    // No PHI in any replica's log.
    for (const output of [a.logs(), b.logs(), a2.logs()]) {
      for (const fixture of fixtures) {
        expect(output).not.toContain(fixture.mrn);
      }
    }

    console.log(
      [
        `replicas test: ${CASES} deliveries in ${totalMs} ms (${((CASES * 1000) / totalMs).toFixed(1)}/s over two replicas, kill and 5 s lease expiry included)`,
        `phase 1: ${PHASE1} webhooks accepted in ${phase1SentMs} ms; ${beforeKill.delivered} delivered ${tKill - t0} ms after the first webhook ` +
          `(${(((beforeKill.delivered ?? 0) * 1000) / (tKill - t0)).toFixed(1)}/s); ${orphaned.length} leases orphaned by kill -9`,
        `delivered by: killed replica ${byA.size}, survivor ${byB.size}, restarted replica ${byA2.size}; ${unlogged.length} delivered by the killed replica as it died, unlogged`,
      ].join('\n'),
    );
  });

  it('processes two events of one channel sent to both replicas at once one after the other', async () => {
    // Cases and replicas of its own: this test needs nothing from the one above.
    const { storeUrl } = newLedger();
    const [channels, [a, b]] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, () => world.addCase())),
      Promise.all([startReplica(storeUrl), startReplica(storeUrl)]),
    ]);
    // Nothing is sent yet, so nothing of this test is written yet.
    const totalsBefore = await ehrTotals();
    // Each channel delivered once first, as they were when this test used the first test's
    // channels: both events of each pair then find everything written.
    const earlier = channels.map((fixture) => world.mrnEvent(fixture));
    const earlierAnswers = await Promise.all(earlier.map((e, i) => world.send((i % 2 === 0 ? a : b).url, e)));
    expect(earlierAnswers.map((r) => r.status)).toEqual(earlier.map(() => 202));
    await allDelivered(b, new Set(earlier.map((e) => e.id)), 'the channels to be delivered once');

    const delayMs = 800;
    await world.sim('DELETE', '/requests');
    // Every summary download takes 800 ms. Two deliveries of one channel that overlapped
    // would both be downloading at once and finish within a few ms of each other; one
    // after the other, the second download starts after the first delivery ended, so it
    // finishes at least 800 ms later. The simulator stamps a request when its answer
    // leaves, which can lag when the test process is busy (the sandbox runs here too):
    // hence the bound of half the delay.
    await world.sim('POST', '/faults', { path: 'summary', delayMs, count: channels.length * 2 });
    const pairs = channels.map((fixture) => [world.mrnEvent(fixture), world.mrnEvent(fixture)] as const);
    const responses = await Promise.all(
      pairs.flatMap(([first, second]) => [world.send(a.url, first), world.send(b.url, second)]),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202));
    const eventIds = new Set(pairs.flat().map((e) => e.id));
    const views = await allDelivered(b, eventIds, 'the paired events to be delivered');

    // Every download was one of the delayed ones.
    expect((await world.sim<{ faults: unknown[] }>('GET', '/faults')).faults).toEqual([]);
    const { requests } = await world.sim<{ requests: RequestRecord[] }>('GET', '/requests');
    const gaps = channels.map((fixture) => {
      const done = requests
        .filter((r) => r.path === `/api/v1/patient-channels/${fixture.channelId}/summary` && r.status === 200)
        .map((r) => Date.parse(r.at))
        .sort((x, y) => x - y);
      expect(done).toHaveLength(2);
      return done[1] - done[0];
    });
    console.log(`replicas test: same-channel summary downloads ended ${gaps.join(', ')} ms apart`);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(delayMs / 2);
    // Both replicas took part: each delivered some of the paired events.
    const pairedBy = (output: string): number => [...deliveredEventIds(output)].filter((id) => eventIds.has(id)).length;
    expect(pairedBy(a.logs()) + pairedBy(b.logs())).toBe(eventIds.size);
    // Same PDF, same times: the paired deliveries wrote nothing new.
    expect(views.filter((v) => eventIds.has(v.eventId)).map((v) => v.outcome?.created)).toEqual(
      [...eventIds].map(() => 0),
    );
    await expectWrittenOnce(channels, totalsBefore);
  });

  /** Waits until every event of `eventIds` is delivered, as `serve` sees the ledger; returns the ledger. */
  function allDelivered(serve: ServeProcess, eventIds: Set<string>, what: string): Promise<DeliveryView[]> {
    return waitUntil(
      what,
      () => serve.deliveries(),
      (all) => all.filter((v) => eventIds.has(v.eventId) && v.status === 'delivered').length === eventIds.size,
      { timeoutMs: 30_000, everyMs: 100, ignoreErrors: true },
    );
  }

  /** How many DocumentReferences and Observations the EHR holds in all. */
  async function ehrTotals(): Promise<{ documents: number; observations: number }> {
    const allDocuments = await fhirSearch<DocumentReference>(world.sandbox.baseUrl, 'DocumentReference?_count=1000');
    const allObservations = await fhirSearch<Observation>(world.sandbox.baseUrl, 'Observation?_count=2000');
    return { documents: allDocuments.entry?.length ?? 0, observations: allObservations.entry?.length ?? 0 };
  }

  /**
   * For each case: one current DocumentReference, found by its PSR identifier, and the set
   * times as Observations. And nothing else: the EHR holds exactly that much more than `before`.
   */
  async function expectWrittenOnce(
    cases: CaseFixture[],
    before: { documents: number; observations: number },
  ): Promise<void> {
    await mapLimit(cases, 8, async (fixture) => {
      const byIdentifier = await fhirSearch<DocumentReference>(
        world.sandbox.baseUrl,
        `DocumentReference?identifier=${encodeURIComponent(`${PSR_SYSTEM}|${fixture.channelId}`)}&_total=accurate`,
      );
      expect({ channel: fixture.channelId, documents: byIdentifier.entry?.length ?? 0 }).toEqual({
        channel: fixture.channelId,
        documents: 1,
      });
      const written = await world.writtenFor(fixture);
      expect(written.documents.map((d) => d.status)).toEqual(['current']);
      expect(written.observations.map((o) => o.valueDateTime).sort()).toEqual([...fixture.setTimes].sort());
    });
    expect(await ehrTotals()).toEqual({
      documents: before.documents + cases.length,
      observations: before.observations + cases.reduce((n, f) => n + f.setTimes.length, 0),
    });
  }
});
