import Database from 'better-sqlite3';
import {
  assignmentsSql,
  awaitingSql,
  canRequeue,
  claimableSql,
  dueSql,
  expiredLeaseSql,
  hasLiveLease,
  heldSql,
  holdsLease,
  isChannelFree,
  isDue,
  leaseEndColumns,
  liveLeaseSql,
  OPEN_STATUSES,
  openSql,
  requeuableSql,
  requeueColumns,
  REQUEUABLE_STATUSES,
  toDelivery,
} from '../../../src/store/ledger-rules';
import type { LedgerRow } from '../../../src/store/ledger-rules';
import { migrateSqlite } from '../../../src/store/sqlite-schema';
import { DELIVERY_STATUSES } from '../../../src/store/types';
import type { Delivery, DeliveryStatus } from '../../../src/store/types';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);

/** null, before, exactly at and after NOW: the boundaries every time rule must get right. */
const TIMES: readonly (Date | null)[] = [null, at(-1), NOW, at(1)];

function delivery(fields: Partial<Delivery>): Delivery {
  return {
    id: 'dlv_1',
    eventId: 'evt-1',
    eventType: 'channel.summary.updated',
    channelId: 'ch-1',
    payload: '{}',
    status: 'pending',
    attempts: 0,
    receivedAt: at(-60_000),
    updatedAt: at(-60_000),
    waitingSince: null,
    nextAttemptAt: null,
    deliveredAt: null,
    lastError: null,
    outcome: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    ignoredReason: null,
    ...fields,
  };
}

/** Every status with every boundary time for the retry schedule and the lease. */
function grid(): Delivery[] {
  const rows: Delivery[] = [];
  for (const status of DELIVERY_STATUSES) {
    for (const nextAttemptAt of TIMES) {
      for (const leaseExpiresAt of TIMES) {
        const n = rows.length;
        rows.push(
          delivery({
            id: `dlv_${String(n).padStart(3, '0')}`,
            eventId: `evt-${n}`,
            // No channel, or one of 17: channels of several rows, some with a live lease, some without.
            channelId: n % 5 === 0 ? null : `ch-${n % 17}`,
            receivedAt: at(-60_000 + ((n * 7) % 11)),
            status,
            nextAttemptAt,
            leaseExpiresAt,
            leaseOwner: leaseExpiresAt ? `w${n % 2}` : null,
          }),
        );
      }
    }
  }
  return rows;
}

describe('ledger rules as functions', () => {
  it('is due when pending, when a retry time has come, or when a lease ran out', () => {
    expect(isDue(delivery({ status: 'pending' }), NOW)).toBe(true);
    expect(isDue(delivery({ status: 'retrying', nextAttemptAt: at(1) }), NOW)).toBe(false);
    expect(isDue(delivery({ status: 'retrying', nextAttemptAt: NOW }), NOW)).toBe(true);
    expect(isDue(delivery({ status: 'retrying', nextAttemptAt: null }), NOW)).toBe(false);
    expect(isDue(delivery({ status: 'processing', leaseExpiresAt: at(1) }), NOW)).toBe(false);
    expect(isDue(delivery({ status: 'processing', leaseExpiresAt: NOW }), NOW)).toBe(true);
    for (const status of ['delivered', 'dead', 'ignored'] as const) {
      expect(isDue(delivery({ status, nextAttemptAt: at(-1), leaseExpiresAt: at(-1) }), NOW)).toBe(false);
    }
  });

  it('is due only in an open status', () => {
    for (const d of grid()) {
      if (isDue(d, NOW)) {
        expect(OPEN_STATUSES).toContain(d.status);
      }
    }
  });

  it('keeps a lease live until the instant it expires, and fences everyone but its holder', () => {
    const leased = delivery({ status: 'processing', leaseOwner: 'w1', leaseExpiresAt: at(1) });
    expect(hasLiveLease(leased, NOW)).toBe(true);
    expect(holdsLease(leased, 'w1', NOW)).toBe(true);
    expect(holdsLease(leased, 'w2', NOW)).toBe(false);
    expect(hasLiveLease(leased, at(1))).toBe(false);
    expect(holdsLease(leased, 'w1', at(1))).toBe(false);
    expect(holdsLease({ ...leased, status: 'retrying' }, 'w1', NOW)).toBe(false);
    // A live lease and "due" never hold together.
    for (const d of grid()) {
      expect(hasLiveLease(d, NOW) && isDue(d, NOW)).toBe(false);
    }
  });

  it('frees a channel when no other delivery of it is leased and no older one is due', () => {
    const first = delivery({ id: 'dlv_a', receivedAt: at(-2000) });
    const second = delivery({ id: 'dlv_b', receivedAt: at(-1000) });
    expect(isChannelFree(second, [first, second], NOW)).toBe(false);
    expect(isChannelFree(first, [first, second], NOW)).toBe(true);
    const leasedSecond = { ...second, status: 'processing' as const, leaseExpiresAt: at(1) };
    expect(isChannelFree(first, [first, leasedSecond], NOW)).toBe(false);
    expect(isChannelFree({ ...first, channelId: null }, [first, leasedSecond], NOW)).toBe(true);
    expect(isChannelFree(first, [first, { ...leasedSecond, channelId: 'ch-2' }], NOW)).toBe(true);
    const waiting = { ...first, status: 'retrying' as const, nextAttemptAt: at(1) };
    expect(isChannelFree(second, [waiting, second], NOW)).toBe(true);
  });

  it('requeues finished and waiting deliveries only, with a fresh budget and no lease', () => {
    expect(DELIVERY_STATUSES.filter(canRequeue)).toEqual(['retrying', 'delivered', 'dead']);
    expect(requeueColumns(NOW)).toEqual({
      status: 'pending',
      attempts: 0,
      next_attempt_at: null,
      waiting_since: null,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: NOW,
    });
  });

  it('clears the lease on every lease end and stamps it with the clock', () => {
    const failure = { code: 'ehr-unavailable' as const, message: 'down' };
    const ends = [
      leaseEndColumns({ status: 'delivered', outcome: { created: 1, updated: 0, unchanged: 0 } }, NOW),
      leaseEndColumns({ status: 'retrying', failure, nextAttemptAt: at(5000), waitingSince: at(-5000) }, NOW),
      leaseEndColumns({ status: 'dead', failure }, NOW),
      leaseEndColumns({ status: 'ignored', reason: 'nothing to do' }, NOW),
    ];
    expect(ends.map((columns) => columns.status)).toEqual(['delivered', 'retrying', 'dead', 'ignored']);
    for (const columns of ends) {
      expect(columns).toMatchObject({ lease_owner: null, lease_expires_at: null, updated_at: NOW });
    }
    expect(ends[0]).toMatchObject({ delivered_at: NOW, next_attempt_at: null, waiting_since: null });
    expect(ends[1]).toMatchObject({
      next_attempt_at: at(5000),
      waiting_since: at(-5000),
      last_error: '{"code":"ehr-unavailable","message":"down"}',
    });
  });

  it('lists a write as assignments in the adapter placeholder style', () => {
    expect(assignmentsSql({ status: 'dead', attempts: 0 }, (column) => `@c_${column}`)).toBe(
      'status = @c_status, attempts = @c_attempts',
    );
    expect(assignmentsSql({ status: 'dead', attempts: 0 }, (_, index) => `$${index + 4}`)).toBe(
      'status = $4, attempts = $5',
    );
  });
});

describe('ledger rules as SQL say what the functions say', () => {
  let db: Database.Database;
  let rows: Delivery[];

  const ms = (d: Date | null): number | null => (d ? d.getTime() : null);

  /** Ids of the rows matching a WHERE condition, at NOW and for worker w1. */
  const matching = (where: string): string[] =>
    (
      db.prepare(`SELECT d.id FROM deliveries d WHERE ${where} ORDER BY d.id`).all({
        now: NOW.getTime(),
        worker: 'w1',
      }) as { id: string }[]
    ).map((row) => row.id);

  const ids = (predicate: (d: Delivery) => boolean): string[] => rows.filter(predicate).map((d) => d.id);

  beforeAll(() => {
    db = new Database(':memory:');
    migrateSqlite(db);
    rows = grid();
    const insert = db.prepare(
      `INSERT INTO deliveries (id, event_id, event_type, channel_id, payload, status, attempts, received_at, updated_at,
         next_attempt_at, lease_owner, lease_expires_at)
       VALUES (@id, @eventId, 'channel.summary.updated', @channelId, '{}', @status, 0, @receivedAt, 0,
         @nextAttemptAt, @leaseOwner, @leaseExpiresAt)`,
    );
    for (const d of rows) {
      insert.run({
        id: d.id,
        eventId: d.eventId,
        channelId: d.channelId,
        status: d.status,
        receivedAt: ms(d.receivedAt),
        nextAttemptAt: ms(d.nextAttemptAt),
        leaseOwner: d.leaseOwner,
        leaseExpiresAt: ms(d.leaseExpiresAt),
      });
    }
  });

  afterAll(() => {
    db.close();
  });

  it('reads rows back as the deliveries they came from', () => {
    const stored = db.prepare('SELECT * FROM deliveries ORDER BY id').all() as LedgerRow<number>[];
    expect(stored.map(toDelivery)).toEqual(rows.map((d) => ({ ...d, updatedAt: new Date(0) })));
  });

  it('due, awaiting, expired lease, live lease and the fence', () => {
    expect(matching(dueSql('@now', 'd'))).toEqual(ids((d) => isDue(d, NOW)));
    expect(matching(`(${awaitingSql('@now', 'd')} OR ${expiredLeaseSql('@now', 'd')})`)).toEqual(
      ids((d) => isDue(d, NOW)),
    );
    expect(matching(liveLeaseSql('@now', 'd'))).toEqual(ids((d) => hasLiveLease(d, NOW)));
    expect(matching(heldSql('@worker', '@now', 'd'))).toEqual(ids((d) => holdsLease(d, 'w1', NOW)));
    expect(matching(openSql('d'))).toEqual(ids((d) => OPEN_STATUSES.includes(d.status)));
    // The grid is not trivial: each rule holds for some rows and not for others.
    for (const predicate of [(d: Delivery) => isDue(d, NOW), (d: Delivery) => holdsLease(d, 'w1', NOW)]) {
      expect(ids(predicate).length).toBeGreaterThan(0);
      expect(ids(predicate).length).toBeLessThan(rows.length);
    }
  });

  it('claimable: due and the channel free', () => {
    const claimable = ids((d) => isDue(d, NOW) && isChannelFree(d, rows, NOW));
    expect(matching(claimableSql({ table: 'deliveries', now: '@now', candidate: 'd', other: 'o' }))).toEqual(claimable);
    expect(claimable.length).toBeGreaterThan(0);
    expect(claimable.length).toBeLessThan(ids((d) => isDue(d, NOW)).length);
  });

  it('requeuable', () => {
    expect(matching(requeuableSql('d'))).toEqual(ids((d) => canRequeue(d.status)));
    expect(REQUEUABLE_STATUSES.every((status: DeliveryStatus) => canRequeue(status))).toBe(true);
  });
});
