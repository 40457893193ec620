import { randomUUID } from 'node:crypto';
import { isBridgeError } from '../../../src/shared/errors';
import type { Clock } from '../../../src/store/clock';
import { canRequeue, holdsLease, isChannelFree, isDue } from '../../../src/store/ledger-rules';
import type { Delivery, DeliveryStore, FailureRecord, NewEvent } from '../../../src/store/types';
import type { WriteOutcome } from '../../../src/shared/write-outcome';
import { FakeClock } from './fake-clock';

/**
 * The contract every DeliveryStore adapter must meet (see src/store/types.ts), written
 * once and run against each adapter. Time is a FakeClock injected into every store and
 * moved by the tests: nothing here sleeps. The rules of ledger-rules.ts (isDue,
 * isChannelFree, holdsLease, canRequeue) serve as oracles.
 *
 * The fake clock starts an hour behind the real one. The PostgreSQL adapter's queue
 * engine (pg-boss) schedules hints on the database clock; a store clock behind it only
 * makes hints come early, which the ledger check corrects, so no hint is ever late for
 * the time a test moves to.
 */
export interface StoreHarness {
  /** A fresh, empty, initialised store. */
  open(): Promise<DeliveryStore>;
  /** A second store over the same data, as another process would open it. */
  openSibling(): Promise<DeliveryStore>;
  /** Closes every store opened and removes their data. */
  dispose(): Promise<void>;
}

/** Builds a harness whose stores all take their time from `clock`. */
export type MakeStoreHarness = (clock: Clock) => StoreHarness;

const CLOCK_BEHIND_REAL_MS = 60 * 60_000;

/** Lets the other workers of a test run, without letting time pass. */
const yieldToOthers = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let sequence = 0;

/**
 * A webhook event; receivedAt grows by a millisecond per call so that order is defined.
 * `now` is the receiving clock's time (the system clock unless a test has its own).
 */
export function makeEvent(channelId: string | null, overrides: Partial<NewEvent> = {}, now = new Date()): NewEvent {
  sequence += 1;
  return {
    eventId: `evt-${randomUUID()}`,
    eventType: 'channel.summary.updated',
    channelId,
    payload: JSON.stringify({ channelId, n: sequence }),
    receivedAt: new Date(now.getTime() - 60_000 + sequence),
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

export function describeStoreContract(label: string, makeHarness: MakeStoreHarness): void {
  describe(`DeliveryStore contract: ${label}`, () => {
    let clock: FakeClock;
    let harness: StoreHarness;
    let store: DeliveryStore;

    /** An event received now by the test's clock. */
    const event = (channelId: string | null, overrides: Partial<NewEvent> = {}): NewEvent =>
      makeEvent(channelId, overrides, clock.now());

    /** Records an event and returns its delivery id. */
    const record = async (channelId: string | null, overrides: Partial<NewEvent> = {}): Promise<string> =>
      (await store.recordEvent(event(channelId, overrides))).deliveryId;

    /** Records an event and leases it to `workerId`; fails the test if the claim takes anything else. */
    const recordAndClaim = async (channelId: string, workerId: string, leaseMs = 60_000): Promise<string> => {
      const id = await record(channelId);
      expect((await store.claim(workerId, leaseMs))?.id).toBe(id);
      return id;
    };

    /** Claims until nothing is left to claim; the ids in claim order. */
    const claimAll = async (workerId: string): Promise<string[]> => {
      const ids: string[] = [];
      for (let claimed = await store.claim(workerId, 60_000); claimed; claimed = await store.claim(workerId, 60_000)) {
        ids.push(claimed.id);
      }
      return ids;
    };

    const getOrFail = async (id: string): Promise<Delivery> => {
      const delivery = await store.get(id);
      if (!delivery) {
        throw new Error(`no delivery ${id}`);
      }
      return delivery;
    };

    beforeEach(async () => {
      clock = new FakeClock(new Date(Date.now() - CLOCK_BEHIND_REAL_MS));
      harness = makeHarness(clock.now);
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.dispose();
    });

    it('records an event durably and reports a second copy as a duplicate', async () => {
      const recorded = event('ch-1');
      const first = await store.recordEvent(recorded);
      expect(first).toEqual({
        deliveryId: expect.stringMatching(/^dlv_[0-9A-Z]{26}$/),
        duplicate: false,
        status: 'pending',
      });

      clock.advance(1000);
      const again = await store.recordEvent({ ...recorded, payload: '{"changed":true}' });
      expect(again).toEqual({ deliveryId: first.deliveryId, duplicate: true, status: 'pending' });

      const sibling = await harness.openSibling();
      const seen = await sibling.get(first.deliveryId);
      expect(seen).toMatchObject({
        id: first.deliveryId,
        eventId: recorded.eventId,
        eventType: recorded.eventType,
        channelId: 'ch-1',
        payload: recorded.payload,
        status: 'pending',
        attempts: 0,
        leaseOwner: null,
        leaseExpiresAt: null,
        nextAttemptAt: null,
        waitingSince: null,
        deliveredAt: null,
        lastError: null,
        outcome: null,
      });
      expect(seen?.receivedAt.getTime()).toBe(recorded.receivedAt.getTime());
      // Written by the store's clock when first recorded; the duplicate changed nothing.
      expect(seen?.updatedAt.getTime()).toBe(clock.in(-1000).getTime());
      expect((await store.countByStatus()).pending).toBe(1);
    });

    it('records ignored events as ignored and never hands them out', async () => {
      const result = await store.recordEvent(
        event(null, { eventType: 'channel.note.added', ignoredReason: 'event type not in the mapping' }),
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
        (await store.recordEvent(event(null, { eventId: delivery?.eventId, ignoredReason: 'again' }))).duplicate,
      ).toBe(true);
    });

    it('claims the oldest due delivery first under a lease', async () => {
      const ids: string[] = [];
      for (const channel of ['ch-a', 'ch-b', 'ch-c']) {
        ids.push(await record(channel));
      }
      const now = clock.advance(10);
      const first = await store.claim('w1', 60_000);
      expect(first).toMatchObject({ id: ids[0], status: 'processing', attempts: 1, leaseOwner: 'w1' });
      expect(first?.leaseExpiresAt?.getTime()).toBe(now.getTime() + 60_000);
      expect(first?.updatedAt.getTime()).toBe(now.getTime());
      expect((await store.claim('w2', 60_000))?.id).toBe(ids[1]);
      expect((await store.claim('w3', 60_000))?.id).toBe(ids[2]);
      expect(await store.claim('w4', 60_000)).toBeNull();
      expect((await store.countByStatus()).processing).toBe(3);
    });

    it('makes a delivery claimable again when its lease expires, and fences the old holder', async () => {
      const deliveryId = await recordAndClaim('ch-1', 'crashed', 150);
      expect(await store.claim('w2', 60_000)).toBeNull();

      // Live until the instant it expires, due from that instant.
      clock.advance(149);
      expect(await store.claim('w2', 60_000)).toBeNull();
      clock.advance(1);
      const reclaimed = await store.claim('w2', 60_000);
      expect(reclaimed).toMatchObject({ id: deliveryId, attempts: 2, leaseOwner: 'w2', status: 'processing' });
      expect(reclaimed?.leaseExpiresAt?.getTime()).toBe(clock.in(60_000).getTime());

      expect(await store.markDelivered(deliveryId, 'crashed', OUTCOME)).toBe(false);
      expect(await store.markRetry(deliveryId, 'crashed', FAILURE, clock.now(), null)).toBe(false);
      expect(await store.markDead(deliveryId, 'crashed', FAILURE)).toBe(false);
      expect(await store.markIgnored(deliveryId, 'crashed', 'not mine')).toBe(false);
      expect(await store.renewLease(deliveryId, 'crashed', 60_000)).toBe(false);
      expect((await store.get(deliveryId))?.leaseOwner).toBe('w2');

      const deliveredAt = clock.advance(5);
      expect(await store.markDelivered(deliveryId, 'w2', OUTCOME)).toBe(true);
      const delivered = await store.get(deliveryId);
      expect(delivered).toMatchObject({
        status: 'delivered',
        outcome: OUTCOME,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      expect(delivered?.deliveredAt).toBeInstanceOf(Date);
      expect(delivered?.deliveredAt?.getTime()).toBe(deliveredAt.getTime());
      expect(delivered?.updatedAt.getTime()).toBe(deliveredAt.getTime());
      expect(await store.markDelivered(deliveryId, 'w2', OUTCOME)).toBe(false);
    });

    it('renews a lease only for its holder', async () => {
      const deliveryId = await recordAndClaim('ch-1', 'w1', 200);
      expect(await store.renewLease(deliveryId, 'other', 60_000)).toBe(false);
      const renewedAt = clock.advance(100);
      expect(await store.renewLease(deliveryId, 'w1', 60_000)).toBe(true);
      const renewed = await store.get(deliveryId);
      expect(renewed?.leaseExpiresAt?.getTime()).toBe(renewedAt.getTime() + 60_000);
      expect(renewed?.updatedAt.getTime()).toBe(renewedAt.getTime());
      clock.advance(400);
      expect(await store.claim('w2', 60_000)).toBeNull();
      expect(await store.markDelivered(deliveryId, 'w1', OUTCOME)).toBe(true);
    });

    it('fences a holder whose lease ran out: no renewal, no outcome', async () => {
      const deliveryId = await recordAndClaim('ch-1', 'w1', 1000);
      clock.advance(999);
      expect(holdsLease(await getOrFail(deliveryId), 'w1', clock.now())).toBe(true);
      expect(await store.renewLease(deliveryId, 'w1', 1000)).toBe(true);

      clock.advance(1000); // exactly the renewed expiry
      const expired = await getOrFail(deliveryId);
      expect(holdsLease(expired, 'w1', clock.now())).toBe(false);
      expect(isDue(expired, clock.now())).toBe(true);
      expect(await store.renewLease(deliveryId, 'w1', 60_000)).toBe(false);
      expect(await store.markDelivered(deliveryId, 'w1', OUTCOME)).toBe(false);
      expect(await store.markRetry(deliveryId, 'w1', FAILURE, clock.in(1000), null)).toBe(false);
      expect(await store.markDead(deliveryId, 'w1', FAILURE)).toBe(false);
      expect(await store.markIgnored(deliveryId, 'w1', 'late')).toBe(false);
      expect(await store.get(deliveryId)).toEqual(expired);

      expect(await store.claim('w2', 60_000)).toMatchObject({ id: deliveryId, attempts: 2, leaseOwner: 'w2' });
    });

    it('hands out one delivery of a channel at a time; other channels go on', async () => {
      const a1 = await record('ch-a');
      const a2 = await record('ch-a');
      const b1 = await record('ch-b');

      expect((await store.claim('w1', 60_000))?.id).toBe(a1);
      expect((await store.claim('w2', 60_000))?.id).toBe(b1);
      expect(await store.claim('w3', 60_000)).toBeNull();
      expect((await store.get(a2))?.status).toBe('pending');
      expect(isChannelFree(await getOrFail(a2), await store.list(), clock.now())).toBe(false);

      expect(await store.markDelivered(a1, 'w1', OUTCOME)).toBe(true);
      expect((await store.claim('w3', 60_000))?.id).toBe(a2);
    });

    it('gives a crashed delivery back before the younger deliveries of its channel', async () => {
      const a1 = await recordAndClaim('ch-a', 'crashed', 100);
      const a2 = await record('ch-a');
      // No claim in between: a2 is then first in line by arrival (in PostgreSQL its hint is
      // older than the one the sweeper sends for a1), and only the channel rule holds it back.
      clock.advance(100);
      const ledger = await store.list();
      expect(isDue(await getOrFail(a2), clock.now())).toBe(true);
      expect(isChannelFree(await getOrFail(a2), ledger, clock.now())).toBe(false);
      expect(await store.claim('w1', 60_000)).toMatchObject({ id: a1, attempts: 2, leaseOwner: 'w1' });
      expect(await store.claim('w2', 60_000)).toBeNull();

      expect(await store.markDelivered(a1, 'w1', OUTCOME)).toBe(true);
      expect((await store.claim('w2', 60_000))?.id).toBe(a2);
    });

    it('keeps a retry waiting until its time and records the failure', async () => {
      const deliveryId = await recordAndClaim('ch-1', 'w1');
      const waitingSince = clock.in(-5_000);
      const next = clock.in(500);
      const failedAt = clock.advance(3);
      expect(await store.markRetry(deliveryId, 'w1', FAILURE, next, waitingSince)).toBe(true);

      const retrying = await store.get(deliveryId);
      expect(retrying).toMatchObject({
        status: 'retrying',
        lastError: FAILURE,
        leaseOwner: null,
        leaseExpiresAt: null,
        attempts: 1,
      });
      expect(retrying?.nextAttemptAt?.getTime()).toBe(next.getTime());
      expect(retrying?.waitingSince?.getTime()).toBe(waitingSince.getTime());
      expect(retrying?.updatedAt.getTime()).toBe(failedAt.getTime());
      expect(await store.claim('w2', 60_000)).toBeNull();

      // A retrying delivery holds no lease: the next event of its channel may go first.
      const later = await record('ch-1');
      expect((await store.claim('w2', 60_000))?.id).toBe(later);
      expect(await store.markDelivered(later, 'w2', OUTCOME)).toBe(true);

      clock.advance(next.getTime() - clock.now().getTime() - 1);
      expect(await store.claim('w3', 60_000)).toBeNull();
      clock.advance(1); // exactly next_attempt_at
      expect(await store.claim('w3', 60_000)).toMatchObject({ id: deliveryId, attempts: 2, leaseOwner: 'w3' });

      // Delivered at last: the retry schedule and the wait window are over.
      expect(await store.markDelivered(deliveryId, 'w3', OUTCOME)).toBe(true);
      expect(await store.get(deliveryId)).toMatchObject({
        status: 'delivered',
        nextAttemptAt: null,
        waitingSince: null,
      });
    });

    it('takes the older due retry of a channel before its younger pending delivery', async () => {
      const a1 = await recordAndClaim('ch-a', 'w1');
      expect(await store.markRetry(a1, 'w1', FAILURE, clock.in(500), null)).toBe(true);
      clock.advance(500);
      const a2 = await record('ch-a');

      expect((await store.claim('w2', 60_000))?.id).toBe(a1);
      expect(await store.claim('w3', 60_000)).toBeNull();
      expect(await store.markDelivered(a1, 'w2', OUTCOME)).toBe(true);
      expect((await store.claim('w3', 60_000))?.id).toBe(a2);
    });

    it('hands out exactly the deliveries that are due and whose channel is free', async () => {
      const delivered = await recordAndClaim('ch-delivered', 'w');
      await store.markDelivered(delivered, 'w', OUTCOME);
      const dead = await recordAndClaim('ch-dead', 'w');
      await store.markDead(dead, 'w', FAILURE);
      const liveLease = await recordAndClaim('ch-live', 'w-live');
      const expiringLease = await recordAndClaim('ch-expiring', 'w-crashed', 100);
      const retryDue = await recordAndClaim('ch-retry-due', 'w');
      await store.markRetry(retryDue, 'w', FAILURE, clock.in(100), null);
      const retryLater = await recordAndClaim('ch-retry-later', 'w');
      await store.markRetry(retryLater, 'w', FAILURE, clock.in(10_000), null);
      const pending = await record('ch-pending');
      const behindPending = await record('ch-pending');
      const behindLiveLease = await record('ch-live');
      await record(null, { ignoredReason: 'not mapped' });

      const now = clock.advance(100);
      const ledger = await store.list();
      const expected = ledger.filter((d) => isDue(d, now) && isChannelFree(d, ledger, now)).map((d) => d.id);
      // The oracle is not vacuous: these are the claimable ones by the rule's own words.
      expect(new Set(expected)).toEqual(new Set([expiringLease, retryDue, pending]));
      const due = ledger.filter((d) => isDue(d, now)).map((d) => d.id);
      expect(new Set(due)).toEqual(new Set([expiringLease, retryDue, pending, behindPending, behindLiveLease]));

      expect(new Set(await claimAll('w-next'))).toEqual(new Set(expected));
      // Its live lease was never taken.
      expect(await store.markDelivered(liveLease, 'w-live', OUTCOME)).toBe(true);
    });

    it('marks a delivery dead and never hands it out again', async () => {
      const deliveryId = await recordAndClaim('ch-1', 'w1');
      const diedAt = clock.advance(7);
      expect(await store.markDead(deliveryId, 'w1', { code: 'ehr-rejected', message: 'rejected' })).toBe(true);
      const dead = await store.get(deliveryId);
      expect(dead).toMatchObject({
        status: 'dead',
        lastError: { code: 'ehr-rejected', message: 'rejected' },
        leaseOwner: null,
        leaseExpiresAt: null,
        nextAttemptAt: null,
      });
      expect(dead?.updatedAt.getTime()).toBe(diedAt.getTime());
      expect(await store.claim('w2', 60_000)).toBeNull();
      expect(await store.markDead(deliveryId, 'w1', FAILURE)).toBe(false);
    });

    it('ends a delivery as ignored with its reason, fenced by the lease', async () => {
      const deliveryId = await recordAndClaim('ch-1', 'w1');
      expect(await store.markIgnored(deliveryId, 'w2', 'not mine')).toBe(false);
      const ignoredAt = clock.advance(7);
      expect(await store.markIgnored(deliveryId, 'w1', 'the MRN is still empty')).toBe(true);
      const ignored = await store.get(deliveryId);
      expect(ignored).toMatchObject({
        status: 'ignored',
        ignoredReason: 'the MRN is still empty',
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      expect(ignored?.updatedAt.getTime()).toBe(ignoredAt.getTime());
      expect(await store.claim('w2', 60_000)).toBeNull();
    });

    it('requeues a delivery by id and the newest delivery of a channel', async () => {
      const dead = await recordAndClaim('ch-1', 'w1');
      await store.markDead(dead, 'w1', FAILURE);

      const requeuedAt = clock.advance(1000);
      const requeued = await store.requeue(dead);
      expect(requeued).toMatchObject({ id: dead, status: 'pending', attempts: 0, nextAttemptAt: null });
      expect(requeued?.updatedAt.getTime()).toBe(requeuedAt.getTime());
      expect(await store.requeue('dlv_unknown')).toBeNull();
      const claimed = await store.claim('w2', 60_000);
      expect(claimed).toMatchObject({ id: dead, attempts: 1 });
      await store.markDelivered(dead, 'w2', OUTCOME);

      const newer = await recordAndClaim('ch-1', 'w3');
      await store.markDelivered(newer, 'w3', OUTCOME);

      const replay = await store.requeueChannel('ch-1');
      expect(replay).toMatchObject({ id: newer, status: 'pending' });
      expect((await store.get(dead))?.status).toBe('delivered');
      expect(await store.requeueChannel('ch-none')).toBeNull();
      expect((await store.claim('w4', 60_000))?.id).toBe(newer);
    });

    it('requeues only finished or waiting deliveries, with a fresh budget and no schedule', async () => {
      const delivered = await recordAndClaim('ch-delivered', 'w');
      await store.markDelivered(delivered, 'w', OUTCOME);
      const dead = await recordAndClaim('ch-dead', 'w');
      await store.markDead(dead, 'w', FAILURE);
      const processing = await recordAndClaim('ch-processing', 'w-live');
      const retrying = await recordAndClaim('ch-retrying', 'w');
      await store.markRetry(retrying, 'w', FAILURE, clock.in(60_000), clock.in(-5_000));
      const pending = await record('ch-pending');
      const ignored = await record(null, { ignoredReason: 'not mapped' });

      const now = clock.advance(1000);
      const requeuable: string[] = [];
      for (const id of [delivered, dead, processing, retrying, pending, ignored]) {
        const before = await getOrFail(id);
        const after = await store.requeue(id);
        if (canRequeue(before.status)) {
          requeuable.push(before.status);
          expect(after).toMatchObject({
            id,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: null,
            waitingSince: null,
            leaseOwner: null,
            leaseExpiresAt: null,
          });
          expect(after?.updatedAt.getTime()).toBe(now.getTime());
        } else {
          expect(after).toEqual(before);
        }
      }
      expect(requeuable.sort()).toEqual(['dead', 'delivered', 'retrying']);
      expect(await store.markDelivered(processing, 'w-live', OUTCOME)).toBe(true);
    });

    it('does not take a live lease away on requeue', async () => {
      const deliveryId = await recordAndClaim('ch-1', 'w1');
      expect(await store.requeue(deliveryId)).toMatchObject({ status: 'processing', leaseOwner: 'w1' });
      expect(await store.markDelivered(deliveryId, 'w1', OUTCOME)).toBe(true);
    });

    it('lists with filters, newest first, and counts every status', async () => {
      const a = await record('ch-a');
      const b = await record('ch-b');
      const c = await record('ch-a');
      await record(null, { ignoredReason: 'not mapped' });
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
        ids.add((await stores[i % 2].recordEvent(event(`race-${i}`))).deliveryId);
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
        await stores[i % 2].recordEvent(event(`busy-${i % 4}`));
      }
      const inFlight = new Set<string>();
      const claimsPerId = new Map<string, number>();
      const violations: string[] = [];
      let delivered = 0;
      // A bound on a broken store, not a wait: the store clock never moves in this test.
      const deadline = Date.now() + 20_000;

      const worker = async (workerId: string, own: DeliveryStore): Promise<void> => {
        while (delivered < total && Date.now() < deadline) {
          const delivery = await own.claim(workerId, 60_000);
          if (!delivery) {
            await yieldToOthers();
            continue;
          }
          claimsPerId.set(delivery.id, (claimsPerId.get(delivery.id) ?? 0) + 1);
          const channel = delivery.channelId ?? '';
          if (inFlight.has(channel)) {
            violations.push(channel);
          }
          inFlight.add(channel);
          // The work: other workers claim meanwhile, and must not get this channel.
          await yieldToOthers();
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
