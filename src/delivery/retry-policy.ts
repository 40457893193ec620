import type { BridgeError } from '../shared/errors';
import { DEFAULTS } from '../config/defaults';
import type { RetrySettings } from '../config/settings';

/**
 * The one place where a failure becomes "try again at T" or "dead letter". Settings come
 * from the environment (config/, README Operating).
 */
export const DEFAULT_RETRY_SETTINGS: RetrySettings = DEFAULTS.retry;

/** A Retry-After beyond this is treated as this (a day), so that nothing waits forever. */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

export type RetryDecision =
  { action: 'retry'; at: Date; waitingSince: Date | null } | { action: 'dead'; reason: string } | { action: 'ignore' };

export interface AttemptState {
  /** Attempts made so far, including the one that just failed. */
  attempts: number;
  waitingSince: Date | null;
}

/** Equal jitter: half the delay fixed, half random, so retries of many deliveries spread out. */
function jittered(delayMs: number, random: () => number): number {
  return Math.round(delayMs / 2 + random() * (delayMs / 2));
}

export function decideRetry(
  error: BridgeError,
  state: AttemptState,
  settings: RetrySettings,
  now: Date = new Date(),
  random: () => number = Math.random,
): RetryDecision {
  if (error.schedule === 'none') {
    return { action: 'dead', reason: 'permanent error' };
  }
  if (error.schedule === 'skip') {
    return { action: 'ignore' };
  }

  if (error.schedule === 'patient-wait') {
    const since = state.waitingSince ?? now;
    const waited = now.getTime() - since.getTime();
    if (waited >= settings.patientWaitMs) {
      const hours = Math.round((settings.patientWaitMs / 3600000) * 10) / 10;
      return { action: 'dead', reason: `still not found after waiting ${hours} h` };
    }
    // Start quickly (registration may be seconds away), then settle at the slow interval.
    const ramp = settings.baseDelayMs * 2 ** Math.min(state.attempts - 1, 30);
    const delay = jittered(Math.min(ramp, settings.patientRetryIntervalMs), random);
    const at = Math.min(now.getTime() + delay, since.getTime() + settings.patientWaitMs);
    return { action: 'retry', at: new Date(Math.max(at, now.getTime())), waitingSince: since };
  }

  if (state.attempts >= settings.maxAttempts) {
    return { action: 'dead', reason: `gave up after ${state.attempts} attempts` };
  }
  const backoff = Math.min(settings.baseDelayMs * 2 ** Math.min(state.attempts - 1, 30), settings.maxDelayMs);
  let delay = jittered(backoff, random);
  if (error.retryAfterMs !== undefined) {
    delay = Math.max(delay, Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS));
  }
  return { action: 'retry', at: new Date(now.getTime() + delay), waitingSince: null };
}
