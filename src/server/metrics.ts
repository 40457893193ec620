import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryStore, DeliveryStatus } from '../store/types';
import { DELIVERY_STATUSES } from '../store/types';
import type { IntakeMetrics } from '../intake/intake-metrics';
import type { DeliveryMetrics } from '../delivery/delivery-metrics';

/** Prometheus metrics of one bridge process, on its own registry (no global state). */
export interface BridgeMetrics extends IntakeMetrics, DeliveryMetrics {
  registry: Registry;
}

export function createMetrics(store?: DeliveryStore): BridgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pulsara_bridge_' });
  const webhooks = new Counter({
    name: 'pulsara_bridge_webhooks_total',
    help: 'Webhook requests by result (accepted, duplicate, ignored, unauthorized, invalid, too-large, store-unavailable)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'pulsara_bridge_delivery_attempts_total',
    help: 'Delivery attempts by result (delivered, retry, dead, ignore) and error code',
    labelNames: ['result', 'code'] as const,
    registers: [registry],
  });
  const deliveryDuration = new Histogram({
    name: 'pulsara_bridge_delivery_attempt_seconds',
    help: 'Duration of one delivery attempt, from claim to ledger update',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  if (store) {
    new Gauge({
      name: 'pulsara_bridge_deliveries',
      help: 'Deliveries in the ledger by status',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        try {
          const counts = await store.countByStatus();
          for (const status of DELIVERY_STATUSES) {
            this.set({ status }, counts[status as DeliveryStatus] ?? 0);
          }
        } catch {
          // Store down: /readyz says so; metrics keep serving the rest.
        }
      },
    });
  }
  return { registry, webhooks, attempts, deliveryDuration };
}
