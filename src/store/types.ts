import type { BridgeErrorCode } from '../shared/errors';
import type { WriteOutcome } from '../shared/write-outcome';

/**
 * The durable store: the event ledger plus the queue of deliveries. Two adapters fill
 * this port: SQLite (embedded default) and PostgreSQL (several replicas, pg-boss queue).
 *
 * Guarantees every adapter must give:
 * - recordEvent resolves only after the event is durably committed; a second call with
 *   the same event id changes nothing and says `duplicate: true`.
 * - claim hands a delivery to one worker at a time under a lease; a lease that expires
 *   (crashed process) makes the delivery claimable again.
 * - claim never hands out a delivery while another delivery of the same channel is
 *   leased: events of one channel are processed one at a time, across processes.
 * - mark* calls are fenced by the lease: they return false (and change nothing) when the
 *   caller no longer holds it.
 * - Every time an adapter writes or compares (updated_at, lease expiry, due retries, the
 *   fence) comes from the clock it was constructed with (`clock` option, clock.ts; the
 *   system clock by default), never from the database server. Tests drive time through it.
 *
 * The rules behind these guarantees (when a delivery is due, when a channel is free, what
 * a lease end or a requeue writes) are written once, in ledger-rules.ts.
 */

export type DeliveryStatus =
  /** Stored, waiting for a worker (first attempt, or a retry whose time has come). */
  | 'pending'
  /** Leased by a worker right now. */
  | 'processing'
  /** Failed with a retryable error; waits until next_attempt_at. */
  | 'retrying'
  /** Written to the EHR (or nothing new to write). */
  | 'delivered'
  /** Gave up: permanent error, too many attempts, or the patient wait window ran out. */
  | 'dead'
  /** Nothing to do: not for the bridge (event type or identifier not in the mapping), or
   *  nothing to deliver yet (the MRN field still empty; a later identifier event brings it). */
  | 'ignored';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'pending',
  'processing',
  'retrying',
  'delivered',
  'dead',
  'ignored',
];

export interface NewEvent {
  eventId: string;
  eventType: string;
  /** Null when the event carries none (ignored types). */
  channelId: string | null;
  /** The raw body as received (no PHI by contract: identifier values are never in webhooks). */
  payload: string;
  /** Set when the event is recorded as ignored at intake. */
  ignoredReason?: string;
  receivedAt: Date;
}

export interface RecordResult {
  deliveryId: string;
  duplicate: boolean;
  status: DeliveryStatus;
}

export interface FailureRecord {
  code: BridgeErrorCode;
  message: string;
  /** Machine detail such as an OperationOutcome; never PHI. */
  detail?: unknown;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  channelId: string | null;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  receivedAt: Date;
  updatedAt: Date;
  /** First failure with schedule 'patient-wait' in the current streak, for the wait window. */
  waitingSince: Date | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  lastError: FailureRecord | null;
  outcome: WriteOutcome | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  /** Why intake recorded the event as ignored (status 'ignored'); absent otherwise. */
  ignoredReason?: string | null;
}

export interface DeliveryFilter {
  status?: DeliveryStatus[];
  channelId?: string;
  limit?: number;
}

export interface DeliveryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates tables / queues; idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Throws a BridgeError('store-unavailable') when the store cannot be used. */
  ping(): Promise<void>;

  recordEvent(event: NewEvent): Promise<RecordResult>;

  /** Leases the next due delivery (oldest first, its channel free) for leaseMs from now, or null. */
  claim(workerId: string, leaseMs: number): Promise<Delivery | null>;
  /** Extends a lease to leaseMs from now during long work; false if the lease was lost. */
  renewLease(id: string, workerId: string, leaseMs: number): Promise<boolean>;

  markDelivered(id: string, workerId: string, outcome: WriteOutcome): Promise<boolean>;
  markRetry(
    id: string,
    workerId: string,
    failure: FailureRecord,
    nextAttemptAt: Date,
    waitingSince: Date | null,
  ): Promise<boolean>;
  markDead(id: string, workerId: string, failure: FailureRecord): Promise<boolean>;
  /** Ends a delivery with nothing to do (e.g. the identifier is still empty); keeps the reason. */
  markIgnored(id: string, workerId: string, reason: string): Promise<boolean>;

  get(id: string): Promise<Delivery | null>;
  list(filter?: DeliveryFilter): Promise<Delivery[]>;
  /** Counts per status, for /metrics and `events list`. */
  countByStatus(): Promise<Record<DeliveryStatus, number>>;

  /** Puts a dead, delivered or retrying delivery back to pending now (operator retry). Null if unknown. */
  requeue(id: string): Promise<Delivery | null>;
  /** Requeues the newest delivery of a channel (replay); null if the channel has none. */
  requeueChannel(channelId: string): Promise<Delivery | null>;
}
