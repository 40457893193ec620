import { BridgeError } from '../shared/errors';

/**
 * The one failure the store reports for "cannot be used right now": intake answers 503
 * and workers back off (schedule 'backoff'), whatever the engine underneath.
 */
export function storeUnavailable(message: string, cause?: unknown): BridgeError {
  return new BridgeError('store-unavailable', message, { schedule: 'backoff', cause });
}
