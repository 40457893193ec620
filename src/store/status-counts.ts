import { DELIVERY_STATUSES } from './types';
import type { DeliveryStatus } from './types';

/** Folds (status, count) rows into a record that names every status, zero when absent. */
export function toStatusCounts(
  rows: Iterable<{ status: string; count: number | string }>,
): Record<DeliveryStatus, number> {
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<DeliveryStatus, number>;
  for (const row of rows) {
    if ((DELIVERY_STATUSES as readonly string[]).includes(row.status)) {
      counts[row.status as DeliveryStatus] = Number(row.count);
    }
  }
  return counts;
}
