import type { Counter } from 'prom-client';

/** What intake counts; server/metrics.ts registers it with the rest. */
export interface IntakeMetrics {
  /** Webhook requests by result (accepted, duplicate, ignored, unauthorized, invalid, too-large, store-unavailable). */
  webhooks: Counter<'result'>;
}
