import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeliveryView } from '../../src/store/delivery-view';
import type { FaultRule, RequestRecord } from '../../src/tools/simulator';
import { startHoldingProxy } from '../support/holding-proxy';
import type { HoldingProxy } from '../support/holding-proxy';
import type { CaseFixture } from '../support/cases';
import { freePort } from '../support/free-port';
import { killAllServes, listEvents, OutsideWorld, ServeProcess } from '../support/process-harness';
import { assertBuilt } from '../support/run-cli';
import { waitUntil } from '../support/wait-until';

/**
 * Crash safety of the REAL `serve` process (dist/cli/main.js): it is killed with SIGKILL at
 * each stage of a delivery, restarted on the same store, and every event must end
 * delivered and written to the EHR exactly once. LEASE_SECONDS=5, so a dead process's
 * leases run out quickly.
 */
jest.setTimeout(60000);

const LEASE_MS = 5000;

describe('crash safety of serve (kill -9, restart on the same store)', () => {
  let world: OutsideWorld;
  const dirs: string[] = [];
  let proxy: HoldingProxy | undefined;

  beforeAll(async () => {
    assertBuilt();
    world = await OutsideWorld.start();
  });
  afterEach(async () => {
    await killAllServes();
    await proxy?.close();
    proxy = undefined;
    await world.sim('DELETE', '/faults');
    for (const dir of dirs.splice(0)) {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await world?.close();
  });

  function newStoreUrl(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'pfb-crash-'));
    dirs.push(dir);
    return `sqlite:${path.join(dir, 'bridge.sqlite')}`;
  }

  /** Exactly one DocumentReference, and one Observation per set timestamp: no duplicates, nothing lost. */
  async function expectWrittenOnce(fixture: CaseFixture): Promise<void> {
    const { documents, observations } = await world.writtenFor(fixture);
    expect(documents).toHaveLength(1);
    expect(observations.map((o) => o.valueDateTime).sort()).toEqual([...fixture.setTimes].sort());
  }

  function byEvent(views: DeliveryView[], eventId: string): DeliveryView {
    const view = views.find((v) => v.eventId === eventId);
    if (!view) {
      throw new Error(`event ${eventId} is not in the ledger`);
    }
    return view;
  }

  async function allDelivered(serve: ServeProcess, eventIds: string[]): Promise<DeliveryView[]> {
    return waitUntil(
      `${eventIds.length} deliveries to be delivered`,
      () => serve.deliveries(),
      (views) => eventIds.every((id) => views.find((v) => v.eventId === id)?.status === 'delivered'),
      { timeoutMs: 30000, everyMs: 100, ignoreErrors: true },
    );
  }

  async function summaryFaultTaken(): Promise<void> {
    // The simulator takes a fault when the request arrives, so an empty queue means the
    // bridge's summary download is in progress right now (held by the delay).
    await waitUntil(
      'the summary download to start',
      () => world.sim<{ faults: FaultRule[] }>('GET', '/faults'),
      (r) => r.faults.length === 0,
      { timeoutMs: 10000, everyMs: 20, ignoreErrors: true },
    );
  }

  it('loses nothing and writes once when killed right after the 202s', async () => {
    const storeUrl = newStoreUrl();
    const env = world.serveEnv(await freePort(), storeUrl);
    const cases = await Promise.all([1, 2, 3, 4].map(() => world.addCase()));
    // Slow channel reads keep every delivery unfinished at the moment of the kill.
    await world.sim('POST', '/faults', { path: 'channel', delayMs: 3000, count: 8 });

    const first = await ServeProcess.start(env);
    const events = cases.flatMap((c) => [world.mrnEvent(c), world.mrnEvent(c)]);
    const answers = await Promise.all(events.map((e) => world.send(first.url, e)));
    expect(answers.map((a) => a.status)).toEqual(events.map(() => 202));
    expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const atCrash = await listEvents(storeUrl);
    expect(atCrash).toHaveLength(events.length);
    for (const view of atCrash) {
      expect(['pending', 'processing']).toContain(view.status);
    }
    await world.sim('DELETE', '/faults');

    const second = await ServeProcess.start(env);
    await allDelivered(
      second,
      events.map((e) => e.id),
    );
    for (const fixture of cases) {
      await expectWrittenOnce(fixture);
    }
    const ledger = await listEvents(storeUrl);
    expect(ledger).toHaveLength(events.length);
    expect(ledger.every((v) => v.status === 'delivered')).toBe(true);
    // Per channel, the first event wrote 1 document + 3 observations and the second nothing.
    for (const fixture of cases) {
      const created = ledger.filter((v) => v.channelId === fixture.channelId).map((v) => v.outcome?.created ?? -1);
      expect(created.sort()).toEqual([0, 4]);
    }
    const logs = first.logs() + second.logs();
    for (const fixture of cases) {
      expect(logs).not.toContain(fixture.mrn);
    }
  });

  it('delivers once when killed during the PDF download, after the dead lease expires', async () => {
    const storeUrl = newStoreUrl();
    const env = world.serveEnv(await freePort(), storeUrl);
    const fixture = await world.addCase();
    await world.sim('POST', '/faults', { path: 'summary', delayMs: 5000, count: 1 });

    const first = await ServeProcess.start(env);
    const event = world.mrnEvent(fixture);
    expect((await world.send(first.url, event)).status).toBe(202);
    await summaryFaultTaken();
    await first.kill('SIGKILL');

    // The download was cut by the crash: the simulator saw the client hang up.
    const summaryPath = `/api/v1/patient-channels/${fixture.channelId}/summary`;
    const cut = await waitUntil(
      'the cut summary request in the simulator log',
      () => world.sim<{ requests: RequestRecord[] }>('GET', '/requests'),
      (r) => r.requests.some((q) => q.path === summaryPath),
      { everyMs: 100, ignoreErrors: true },
    );
    expect(cut.requests.filter((q) => q.path === summaryPath).map((q) => q.status)).toEqual([0]);
    const atCrash = byEvent(await listEvents(storeUrl), event.id);
    expect(atCrash).toMatchObject({ status: 'processing', attempts: 1 });
    expect(await world.writtenFor(fixture)).toEqual({ documents: [], observations: [] });
    // The lease was granted or last renewed at updatedAt; nobody may claim before it ends.
    const leaseEnd = Date.parse(atCrash.updatedAt) + LEASE_MS;

    const second = await ServeProcess.start(env);
    const done = byEvent(await allDelivered(second, [event.id]), event.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(done.outcome).toMatchObject({ created: 4, updated: 0 });
    await expectWrittenOnce(fixture);

    const channelPath = `/api/v1/patient-channels/${fixture.channelId}`;
    const reads = (await world.sim<{ requests: RequestRecord[] }>('GET', '/requests')).requests.filter(
      (q) => q.path === channelPath,
    );
    expect(reads).toHaveLength(2);
    expect(Date.parse(reads[1].at)).toBeGreaterThanOrEqual(leaseEnd);
  });

  it('writes nothing twice when killed after the FHIR write committed but before the ledger update', async () => {
    const storeUrl = newStoreUrl();
    proxy = await startHoldingProxy(world.sandbox.baseUrl);
    const env = world.serveEnv(await freePort(), storeUrl, { FHIR_BASE_URL: proxy.baseUrl });
    const fixture = await world.addCase();

    const first = await ServeProcess.start(env);
    const event = world.mrnEvent(fixture);
    expect((await world.send(first.url, event)).status).toBe(202);
    const held = await proxy.held;
    expect(held.status).toBe(200);
    // The EHR has committed the whole transaction; the bridge has not heard of it yet.
    await expectWrittenOnce(fixture);
    await first.kill('SIGKILL');
    expect(byEvent(await listEvents(storeUrl), event.id)).toMatchObject({
      status: 'processing',
      attempts: 1,
      outcome: null,
    });

    const second = await ServeProcess.start(env);
    const done = byEvent(await allDelivered(second, [event.id]), event.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(done.outcome).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    await expectWrittenOnce(fixture);
    const { documents } = await world.writtenFor(fixture);
    expect(done.outcome?.documentReferenceId).toBe(documents[0].id);
    expect(held.body).toContain(`DocumentReference/${documents[0].id}`);
  });

  it('finishes the delivery in flight and exits 0 on SIGTERM', async () => {
    const storeUrl = newStoreUrl();
    const env = world.serveEnv(await freePort(), storeUrl);
    const fixture = await world.addCase();
    await world.sim('POST', '/faults', { path: 'summary', delayMs: 1500, count: 1 });

    const serve = await ServeProcess.start(env);
    const event = world.mrnEvent(fixture);
    expect((await world.send(serve.url, event)).status).toBe(202);
    await summaryFaultTaken();
    expect(await serve.kill('SIGTERM')).toEqual({ code: 0, signal: null });

    const view = byEvent(await listEvents(storeUrl), event.id);
    expect(view).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(view.outcome).toMatchObject({ created: 4 });
    await expectWrittenOnce(fixture);
    expect(serve.logs()).toContain('bridge stopped');
  });
});
