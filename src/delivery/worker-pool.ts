import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Delivery, DeliveryStore } from '../store/types';
import type { WriteOutcome } from '../shared/write-outcome';
import type { Logger } from '../shared/logger';
import { toBridgeError } from '../shared/errors';
import type { RetrySettings } from '../config/settings';
import { decideRetry } from './retry-policy';
import type { DeliveryMetrics } from './delivery-metrics';

export interface WorkerPoolOptions {
  store: DeliveryStore;
  /** Processes one claimed delivery; throws a BridgeError on failure. */
  process: (delivery: Delivery) => Promise<WriteOutcome>;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  retry: RetrySettings;
  logger: Logger;
  metrics?: DeliveryMetrics;
  /** First pause after the store fails (default 250 ms); tests shorten it rather than wait. */
  storeBackoffStartMs?: number;
}

const FIRST_STORE_BACKOFF_MS = 250;
/** Pause after the store fails, doubling up to this, so a down database is not hammered. */
const MAX_STORE_BACKOFF_MS = 10000;

/**
 * N loops that claim due deliveries under a lease, run the pipeline, and record the result.
 * A crashed process leaves its leases to expire; any process then claims them again, and the
 * idempotent writer makes the second run write nothing new.
 */
export class WorkerPool {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private running = false;
  private loops: Promise<void>[] = [];
  private wakers = new Set<() => void>();

  constructor(private readonly options: WorkerPoolOptions) {}

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency }, (_, i) => this.loop(i));
    this.options.logger.info('workers started', { workerId: this.workerId, concurrency: this.options.concurrency });
  }

  /** Wakes idle loops at once (called when intake stores an event). */
  notify(): void {
    for (const wake of [...this.wakers]) {
      wake();
    }
  }

  /** Stops claiming and waits for the deliveries in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async loop(index: number): Promise<void> {
    const { store, logger } = this.options;
    // Per loop: a shared pause would be doubled by every loop at each failure.
    let storeBackoffMs = 0;
    while (this.running) {
      let delivery: Delivery | null;
      try {
        delivery = await store.claim(`${this.workerId}#${index}`, this.options.leaseMs);
        if (storeBackoffMs > 0 && index === 0) {
          logger.info('store reachable again; workers resume');
        }
        storeBackoffMs = 0;
      } catch (err) {
        const firstMs = this.options.storeBackoffStartMs ?? FIRST_STORE_BACKOFF_MS;
        storeBackoffMs = Math.min(Math.max(storeBackoffMs * 2, firstMs), MAX_STORE_BACKOFF_MS);
        if (index === 0) {
          logger.warn('store unavailable; workers pause', { code: toBridgeError(err).code, pauseMs: storeBackoffMs });
        }
        await this.sleep(storeBackoffMs);
        continue;
      }
      if (!delivery) {
        await this.sleep(this.options.pollIntervalMs);
        continue;
      }
      await this.runOne(delivery, `${this.workerId}#${index}`);
    }
  }

  private async runOne(delivery: Delivery, owner: string): Promise<void> {
    const { store, logger, metrics, leaseMs } = this.options;
    const log = logger.child({
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      channelId: delivery.channelId,
      attempt: delivery.attempts,
    });
    const started = Date.now();
    const renew = setInterval(
      () => {
        store.renewLease(delivery.id, owner, leaseMs).catch(() => undefined);
      },
      Math.max(1000, Math.floor(leaseMs / 3)),
    );
    renew.unref();
    try {
      const outcome = await this.options.process(delivery);
      clearInterval(renew);
      const kept = await store.markDelivered(delivery.id, owner, outcome);
      metrics?.attempts.inc({ result: 'delivered', code: '' });
      metrics?.deliveryDuration.observe({ result: 'delivered' }, (Date.now() - started) / 1000);
      log.info('delivered', {
        leaseKept: kept,
        documentReferenceId: outcome.documentReferenceId,
        observationIds: outcome.observationIds,
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        ms: Date.now() - started,
      });
    } catch (err) {
      clearInterval(renew);
      const error = toBridgeError(err);
      const failure = { code: error.code, message: error.message, detail: error.detail };
      const decision = decideRetry(
        error,
        { attempts: delivery.attempts, waitingSince: delivery.waitingSince },
        this.options.retry,
      );
      try {
        if (decision.action === 'retry') {
          await store.markRetry(delivery.id, owner, failure, decision.at, decision.waitingSince);
          log.warn('attempt failed; will retry', {
            code: error.code,
            error: error.message,
            retryAt: decision.at.toISOString(),
          });
        } else if (decision.action === 'ignore') {
          await store.markIgnored(delivery.id, owner, `${error.code}: ${error.message}`);
          log.info('nothing to deliver; ignored', { code: error.code, error: error.message });
        } else {
          const dead = {
            ...failure,
            message: decision.reason === 'permanent error' ? error.message : `${error.message} (${decision.reason})`,
          };
          await store.markDead(delivery.id, owner, dead);
          log.error('dead letter', { code: error.code, error: dead.message });
        }
      } catch (storeErr) {
        // The lease will expire and the delivery will be claimed again: nothing is lost.
        log.error('could not record the attempt', { code: toBridgeError(storeErr).code });
      }
      const result = decision.action;
      metrics?.attempts.inc({ result, code: error.code });
      metrics?.deliveryDuration.observe({ result }, (Date.now() - started) / 1000);
    }
  }
}
