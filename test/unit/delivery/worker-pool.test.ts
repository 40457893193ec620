import { openStore } from '../../../src/store/open-store';
import type { Delivery, DeliveryStore } from '../../../src/store/types';
import type { WriteOutcome } from '../../../src/shared/write-outcome';
import { WorkerPool } from '../../../src/delivery/worker-pool';
import type { WorkerPoolOptions } from '../../../src/delivery/worker-pool';
import { DEFAULT_RETRY_SETTINGS } from '../../../src/delivery/retry-policy';
import { BridgeError } from '../../../src/shared/errors';
import { silentLogger } from '../../../src/shared/logger';
import { waitUntil } from '../../support/wait-until';

const written: WriteOutcome = { created: 3, updated: 0, unchanged: 0, documentReferenceId: 'doc-1' };

async function record(store: DeliveryStore, eventId: string, channelId: string): Promise<string> {
  const r = await store.recordEvent({
    eventId,
    eventType: 'patient_channel.identifier.updated',
    channelId,
    payload: '{}',
    receivedAt: new Date(),
  });
  return r.deliveryId;
}

describe('WorkerPool', () => {
  let store: DeliveryStore;
  let pool: WorkerPool | undefined;

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    await store.init();
  });
  afterEach(async () => {
    await pool?.stop();
    pool = undefined;
    await store.close();
  });

  function startPool(
    process: (d: Delivery) => Promise<WriteOutcome>,
    options: Partial<WorkerPoolOptions> = {},
  ): WorkerPool {
    pool = new WorkerPool({
      store,
      process,
      concurrency: 2,
      leaseMs: 10000,
      pollIntervalMs: 20,
      retry: { ...DEFAULT_RETRY_SETTINGS, baseDelayMs: 60000, maxAttempts: 3 },
      logger: silentLogger(),
      ...options,
    });
    pool.start();
    return pool;
  }

  /** Waits until every delivery in `ids` has `status`; returns them. */
  function statusOf(ids: string[], status: Delivery['status']): Promise<(Delivery | null)[]> {
    return waitUntil(
      `${ids.join(', ')} to be ${status}`,
      () => Promise.all(ids.map((id) => store.get(id))),
      (deliveries) => deliveries.every((d) => d?.status === status),
      { timeoutMs: 5000, everyMs: 20 },
    );
  }

  it('records the outcome of a delivered event', async () => {
    const id = await record(store, 'evt_ok', 'pc_1');
    startPool(async () => written);
    const [delivered] = await statusOf([id], 'delivered');
    expect(delivered?.outcome).toMatchObject(written);
  });

  it('schedules a retry for a retryable failure and dead-letters a permanent one, with the reason', async () => {
    const retryId = await record(store, 'evt_retry', 'pc_1');
    const deadId = await record(store, 'evt_dead', 'pc_2');
    startPool(async (d) => {
      if (d.id === retryId) throw new BridgeError('ehr-unavailable', 'EHR answered 503', { schedule: 'backoff' });
      throw new BridgeError('patient-ambiguous', 'ambiguous patient: 2 matches');
    });
    await statusOf([deadId], 'dead');
    const [retrying] = await statusOf([retryId], 'retrying');
    expect(retrying?.lastError).toMatchObject({ code: 'ehr-unavailable', message: 'EHR answered 503' });
    expect(retrying?.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now() + 20000);
    expect((await store.get(deadId))?.lastError).toMatchObject({
      code: 'patient-ambiguous',
      message: 'ambiguous patient: 2 matches',
    });
  });

  it('does not let one slow delivery hold up the others', async () => {
    const slowId = await record(store, 'evt_slow', 'pc_slow');
    const fastIds = [await record(store, 'evt_f1', 'pc_a'), await record(store, 'evt_f2', 'pc_b')];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    startPool(async (d) => {
      if (d.id === slowId) await gate;
      return written;
    });
    await statusOf(fastIds, 'delivered');
    expect((await store.get(slowId))?.status).toBe('processing');
    release();
    await statusOf([slowId], 'delivered');
  });

  it('pauses while the store is down and resumes by itself', async () => {
    const id = await record(store, 'evt_resume', 'pc_1');
    const realClaim = store.claim.bind(store);
    let down = true;
    let failedClaims = 0;
    store.claim = async (...args) => {
      if (down) {
        failedClaims++;
        throw new BridgeError('store-unavailable', 'database is locked', { schedule: 'backoff' });
      }
      return realClaim(...args);
    };
    // 10 ms instead of the default 250 ms first pause: the pause is under test, not its length.
    startPool(async () => written, { concurrency: 1, storeBackoffStartMs: 10 });
    await waitUntil(
      'two failed claims',
      () => failedClaims,
      (n) => n >= 2,
      { timeoutMs: 5000, everyMs: 20 },
    );
    down = false;
    await statusOf([id], 'delivered');
  });
});
