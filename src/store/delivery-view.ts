import type { Delivery } from './types';

/** The ledger entry as shown to operators (admin API and `events list --json`). */
export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  channelId: string | null;
  status: Delivery['status'];
  attempts: number;
  receivedAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  waitingSince: string | null;
  lastError: Delivery['lastError'];
  /** Why an ignored delivery had nothing to do. */
  ignoredReason: string | null;
  outcome: Delivery['outcome'];
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function presentDelivery(d: Delivery): DeliveryView {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    channelId: d.channelId,
    status: d.status,
    attempts: d.attempts,
    receivedAt: d.receivedAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    nextAttemptAt: iso(d.nextAttemptAt),
    deliveredAt: iso(d.deliveredAt),
    waitingSince: iso(d.waitingSince),
    lastError: d.lastError,
    ignoredReason: d.ignoredReason ?? null,
    outcome: d.outcome,
  };
}
