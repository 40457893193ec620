import { BridgeError } from '../shared/errors';
import { DELIVERY_STATUSES } from './types';
import type { DeliveryStatus } from './types';

/**
 * Reads a status filter as operators write it (`dead,retrying`, or repeated values), for
 * `events list --status` and `GET /admin/deliveries?status=`. Undefined when none is given;
 * an unknown status is a BridgeError('config-invalid') that lists the valid ones.
 */
export function parseStatusFilter(values: readonly string[]): DeliveryStatus[] | undefined {
  const list = values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((s) => !(DELIVERY_STATUSES as readonly string[]).includes(s));
  if (bad.length > 0) {
    throw new BridgeError(
      'config-invalid',
      `unknown status ${bad.join(', ')}; use one of ${DELIVERY_STATUSES.join(', ')}`,
    );
  }
  return list.length > 0 ? (list as DeliveryStatus[]) : undefined;
}
