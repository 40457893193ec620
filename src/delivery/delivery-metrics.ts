import type { Counter, Histogram } from 'prom-client';

/** What the workers measure; server/metrics.ts registers it with the rest. */
export interface DeliveryMetrics {
  /** Delivery attempts by result (delivered, retry, dead, ignore) and error code. */
  attempts: Counter<'result' | 'code'>;
  /** Duration of one delivery attempt, from claim to ledger update. */
  deliveryDuration: Histogram<'result'>;
}
