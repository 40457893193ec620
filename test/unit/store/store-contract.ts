import { randomUUID } from 'node:crypto';
import { isBridgeError } from '../../../src/shared/errors';
import type { DeliveryStore, FailureRecord, NewEvent } from '../../../src/store/types';
import type { WriteOutcome } from '../../../src/shared/write-outcome';

/**
 * The contract every DeliveryStore adapter must meet (see src/store/types.ts), written
 * once and run against each adapter. Time-dependent cases use short real leases and
 * waits rather than an injected clock, because the PostgreSQL adapter's queue engine
 * schedules with the database clock.
 */
export interface StoreHarness {
  /** A fresh, empty, initialised store. */
  open(): Promise<DeliveryStore>;
  /** A second store over the same data, as another process would open it. */
  openSibling(): Promise<DeliveryStore>;
  /** Closes every store opened and removes their data. */
  dispose(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let sequence = 0;

/** A webhook event; receivedAt grows by a millisecond per call so that order is defined. */
export function makeEvent(channelId: string | null, overrides: Partial<NewEvent> = {}): NewEvent {
  sequence += 1;
  return {
    eventId: `evt-${randomUUID()}`,
    eventType: 'channel.summary.updated',
    channelId,
    payload: JSON.stringify({ channelId, n: sequence }),
    receivedAt: new Date(Date.now() - 60_000 + sequence),
    ...overrides,
  };
}

const OUTCOME: WriteOutcome = {
  patientId: 'pat-1',
  documentReferenceId: 'doc-1',
  created: 2,
  updated: 0,
  unchanged: 1,
};
const FAILURE: FailureRecord = { code: 'ehr-unavailable', message: 'EHR answered 503', detail: { status: 503 } };

export function describeStoreContract(label: string, makeHarness: () => StoreHarness): void {
  describe(`DeliveryStore contract: ${label}`, () => {
    let harness: StoreHarness;
    let store: DeliveryStore;

    beforeEach(async () => {
      harness = makeHarness();
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.dispose();
    });

    it('records an event durably and reports a second copy as a duplicate', async () => {
      const event = makeEvent('ch-1');
      const first = await store.recordEvent(event);
      expect(first).toEqual({
        deliveryId: expect.stringMatching(/^dlv_[0-9A-Z]{26}$/),
        duplicate: false,
        status: 'pending',
      });

      const again = await store.recordEvent({ ...event, payload: '{"changed":true}' });
      expect(again).toEqual({ deliveryId: first.deliveryId, duplicate: true, status: 'pending' });

      const sibling = await harness.openSibling();
      const seen = await sibling.get(first.deliveryId);
      expect(seen).toMatchObject({
        id: first.deliveryId,
        eventId: event.eventId,
        eventType: event.eventType,
        channelId: 'ch-1',
        payload: event.payload,
        status: 'pending',
        attempts: 0,
        leaseOwner: null,
        lastError: null,
        outcome: null,
      });
      expect(seen?.receivedAt.getTime()).toBe(event.receivedAt.getTime());
      expect((await store.countByStatus()).pending).toBe(1);
    });

    it('records ignored events as ignored and never hands them out', async () => {
      const result = await store.recordEvent(
        makeEvent(null, { eventType: 'channel.note.added', ignoredReason: 'event type not in the mapping' }),
      );
      expect(result.status).toBe('ignored');
      expect(await store.claim('w1', 60_000)).toBeNull();
      const delivery = await store.get(result.deliveryId);
      expect(delivery).toMatchObject({
        status: 'ignored',
        ignoredReason: 'event type not in the mapping',
        channelId: null,
      });
      expect(
        (await store.recordEvent(makeEvent(null, { eventId: delivery?.eventId, ignoredReason: 'again' }))).duplicate,
      ).toBe(true);
    });

    it('claims the oldest due delivery first under a lease', async () => {
      const ids: string[] = [];
      for (const channel of ['ch-a', 'ch-b', 'ch-c']) {
        ids.push((await store.recordEvent(makeEvent(channel))).deliveryId);
      }
      const before = Date.now();
      const first = await store.claim('w1', 60_000);
      expect(first).toMatchObject({ id: ids[0], status: 'processing', attempts: 1, leaseOwner: 'w1' });
      expect(first?.leaseExpiresAt?.getTime()).toBeGreaterThanOrEqual(before + 60_000 - 1000);
      expect(first?.leaseExpiresAt?.getTime()).toBeLessThanOrEqual(Date.now() + 60_000 + 1000);
      expect((await store.claim('w2', 60_000))?.id).toBe(ids[1]);
      expect((await store.claim('w3', 60_000))?.id).toBe(ids[2]);
      expect(await store.claim('w4', 60_000)).toBeNull();
      expect((await store.countByStatus()).processing).toBe(3);
    });

    it('makes a delivery claimable again when its lease expires, and fences the old holder', async () => {
      const { deliveryId } = await store.recordEvent(makeEvent('ch-1'));
      expect((await store.claim('crashed', 150))?.id).toBe(deliveryId);
      expect(await store.claim('w2', 60_000)).toBeNull();

      await sleep(400);
      const reclaimed = await store.claim('w2', 60_000);
      expect(reclaimed).toMatchObject({ id: deliveryId, attempts: 2, leaseOwner: 'w2', status: 'processing' });

      expect(await store.markDelivered(deliveryId, 'crashed', OUTCOME)).toBe(false);
      expect(await store.markRetry(deliveryId, 'crashed', FAILURE, new Date(), null)).toBe(false);
      expect(await store.markDead(deliveryId, 'crashed', FAILURE)).toBe(false);
      expect(await store.renewLease(deliveryId, 'crashed', 60_000)).toBe(false);
      expect((await store.get(deliveryId))?.leaseOwner).toBe('w2');

      expect(await store.markDelivered(deliveryId, 'w2', OUTCOME)).toBe(true);
      const delivered = await store.get(deliveryId);
      expect(delivered).toMatchObject({
        status: 'delivered',
        outcome: OUTCOME,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      expect(delivered?.deliveredAt).toBeInstanceOf(Date);
      expect(await store.markDelivered(deliveryId, 'w2', OUTCOME)).toBe(false);
    });

    it('renews a lease only for its holder', async () => {
      const { deliveryId } = await store.recordEvent(makeEvent('ch-1'));
      await store.claim('w1', 200);
      expect(await store.renewLease(deliveryId, 'other', 60_000)).toBe(false);
      expect(await store.renewLease(deliveryId, 'w1', 60_000)).toBe(true);
      await sleep(400);
      expect(await store.claim('w2', 60_000)).toBeNull();
      expect(await store.markDelivered(deliveryId, 'w1', OUTCOME)).toBe(true);
    });

    it('hands out one delivery of a channel at a time; other channels go on', async () => {
      const a1 = (await store.recordEvent(makeEvent('ch-a'))).deliveryId;
      const a2 = (await store.recordEvent(makeEvent('ch-a'))).deliveryId;
      const b1 = (await store.recordEvent(makeEvent('ch-b'))).deliveryId;

      expect((await store.claim('w1', 60_000))?.id).toBe(a1);
      expect((await store.claim('w2', 60_000))?.id).toBe(b1);
      expect(await store.claim('w3', 60_000)).toBeNull();
      expect((await store.get(a2))?.status).toBe('pending');

      expect(await store.markDelivered(a1, 'w1', OUTCOME)).toBe(true);
      expect((await store.claim('w3', 60_000))?.id).toBe(a2);
    });

    it('keeps a retry waiting until its time and records the failure', async () => {
      const { deliveryId } = await store.recordEvent(makeEvent('ch-1'));
      await store.claim('w1', 60_000);
      const waitingSince = new Date(Date.now() - 5_000);
      const next = new Date(Date.now() + 500);
      expect(await store.markRetry(deliveryId, 'w1', FAILURE, next, waitingSince)).toBe(true);

      const retrying = await store.get(deliveryId);
      expect(retrying).toMatchObject({ status: 'retrying', lastError: FAILURE, leaseOwner: null, attempts: 1 });
      expect(retrying?.nextAttemptAt?.getTime()).toBe(next.getTime());
      expect(retrying?.waitingSince?.getTime()).toBe(waitingSince.getTime());
      expect(await store.claim('w2', 60_000)).toBeNull();

      // A retrying delivery holds no lease: the next event of its channel may go first.
      const later = (await store.recordEvent(makeEvent('ch-1'))).deliveryId;
      expect((await store.claim('w2', 60_000))?.id).toBe(later);
      expect(await store.markDelivered(later, 'w2', OUTCOME)).toBe(true);

      await sleep(Math.max(0, next.getTime() - Date.now()) + 300);
      expect(await store.claim('w3', 60_000)).toMatchObject({ id: deliveryId, attempts: 2, leaseOwner: 'w3' });
    });

    it('marks a delivery dead and never hands it out again', async () => {
      const { deliveryId } = await store.recordEvent(makeEvent('ch-1'));
      await store.claim('w1', 60_000);
      expect(await store.markDead(deliveryId, 'w1', { code: 'ehr-rejected', message: 'rejected' })).toBe(true);
      expect(await store.get(deliveryId)).toMatchObject({
        status: 'dead',
        lastError: { code: 'ehr-rejected', message: 'rejected' },
        leaseOwner: null,
      });
      expect(await store.claim('w2', 60_000)).toBeNull();
      expect(await store.markDead(deliveryId, 'w1', FAILURE)).toBe(false);
    });

    it('ends a delivery as ignored with its reason, fenced by the lease', async () => {
      const { deliveryId } = await store.recordEvent(makeEvent('ch-1'));
      await store.claim('w1', 60_000);
      expect(await store.markIgnored(deliveryId, 'w2', 'not mine')).toBe(false);
      expect(await store.markIgnored(deliveryId, 'w1', 'the MRN is still empty')).toBe(true);
      expect(await store.get(deliveryId)).toMatchObject({
        status: 'ignored',
        ignoredReason: 'the MRN is still empty',
        leaseOwner: null,
      });
      expect(await store.claim('w2', 60_000)).toBeNull();
    });

    it('requeues a delivery by id and the newest delivery of a channel', async () => {
      const dead = (await store.recordEvent(makeEvent('ch-1'))).deliveryId;
      await store.claim('w1', 60_000);
      await store.markDead(dead, 'w1', FAILURE);

      const requeued = await store.requeue(dead);
      expect(requeued).toMatchObject({ id: dead, status: 'pending', attempts: 0, nextAttemptAt: null });
      expect(await store.requeue('dlv_unknown')).toBeNull();
      const claimed = await store.claim('w2', 60_000);
      expect(claimed).toMatchObject({ id: dead, attempts: 1 });
      await store.markDelivered(dead, 'w2', OUTCOME);

      const newer = (await store.recordEvent(makeEvent('ch-1'))).deliveryId;
      await store.claim('w3', 60_000);
      await store.markDelivered(newer, 'w3', OUTCOME);

      const replay = await store.requeueChannel('ch-1');
      expect(replay).toMatchObject({ id: newer, status: 'pending' });
      expect((await store.get(dead))?.status).toBe('delivered');
      expect(await store.requeueChannel('ch-none')).toBeNull();
      expect((await store.claim('w4', 60_000))?.id).toBe(newer);
    });

    it('does not take a live lease away on requeue', async () => {
      const { deliveryId } = await store.recordEvent(makeEvent('ch-1'));
      await store.claim('w1', 60_000);
      expect(await store.requeue(deliveryId)).toMatchObject({ status: 'processing', leaseOwner: 'w1' });
      expect(await store.markDelivered(deliveryId, 'w1', OUTCOME)).toBe(true);
    });

    it('lists with filters, newest first, and counts every status', async () => {
      const a = (await store.recordEvent(makeEvent('ch-a'))).deliveryId;
      const b = (await store.recordEvent(makeEvent('ch-b'))).deliveryId;
      const c = (await store.recordEvent(makeEvent('ch-a'))).deliveryId;
      await store.recordEvent(makeEvent(null, { ignoredReason: 'not mapped' }));
      await store.claim('w1', 60_000); // a
      await store.markDead(a, 'w1', FAILURE);

      expect((await store.list()).map((d) => d.id).slice(1)).toEqual([c, b, a]);
      expect((await store.list({ status: ['pending'] })).map((d) => d.id)).toEqual([c, b]);
      expect((await store.list({ status: ['dead', 'ignored'] })).map((d) => d.status).sort()).toEqual([
        'dead',
        'ignored',
      ]);
      expect((await store.list({ channelId: 'ch-a' })).map((d) => d.id)).toEqual([c, a]);
      expect((await store.list({ channelId: 'ch-a', status: ['pending'], limit: 5 })).map((d) => d.id)).toEqual([c]);
      expect(await store.list({ limit: 2 })).toHaveLength(2);
      expect(await store.countByStatus()).toEqual({
        pending: 2,
        processing: 0,
        retrying: 0,
        delivered: 0,
        dead: 1,
        ignored: 1,
      });
    });

    it('gives each delivery to exactly one of many racing claims across two store instances', async () => {
      const sibling = await harness.openSibling();
      const stores = [store, sibling];
      const ids = new Set<string>();
      for (let i = 0; i < 24; i += 1) {
        ids.add((await stores[i % 2].recordEvent(makeEvent(`race-${i}`))).deliveryId);
      }
      const claims = await Promise.all(Array.from({ length: 48 }, (_, i) => stores[i % 2].claim(`w${i}`, 60_000)));
      const claimed = claims.filter((c) => c !== null).map((c) => c.id);
      expect(claimed).toHaveLength(24);
      expect(new Set(claimed)).toEqual(ids);
    });

    it('keeps channels exclusive while workers on two instances drain a backlog', async () => {
      const sibling = await harness.openSibling();
      const stores = [store, sibling];
      const total = 24;
      for (let i = 0; i < total; i += 1) {
        await stores[i % 2].recordEvent(makeEvent(`busy-${i % 4}`));
      }
      const inFlight = new Set<string>();
      const claimsPerId = new Map<string, number>();
      const violations: string[] = [];
      let delivered = 0;
      const deadline = Date.now() + 20_000;

      const worker = async (workerId: string, own: DeliveryStore): Promise<void> => {
        while (delivered < total && Date.now() < deadline) {
          const delivery = await own.claim(workerId, 60_000);
          if (!delivery) {
            await sleep(20);
            continue;
          }
          claimsPerId.set(delivery.id, (claimsPerId.get(delivery.id) ?? 0) + 1);
          const channel = delivery.channelId ?? '';
          if (inFlight.has(channel)) {
            violations.push(channel);
          }
          inFlight.add(channel);
          await sleep(5);
          inFlight.delete(channel);
          if (await own.markDelivered(delivery.id, workerId, OUTCOME)) {
            delivered += 1;
          }
        }
      };
      await Promise.all(Array.from({ length: 6 }, (_, i) => worker(`w${i}`, stores[i % 2])));

      expect(violations).toEqual([]);
      expect(delivered).toBe(total);
      expect([...claimsPerId.values()].every((n) => n === 1)).toBe(true);
      expect((await sibling.countByStatus()).delivered).toBe(total);
    });
  });
}

/** Asserts that a promise rejects with BridgeError('store-unavailable', schedule 'backoff'). */
export async function expectStoreUnavailable(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isBridgeError(error)).toBe(true);
  expect(error).toMatchObject({ code: 'store-unavailable', schedule: 'backoff' });
}
