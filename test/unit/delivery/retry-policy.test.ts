import { BridgeError } from '../../../src/shared/errors';
import { decideRetry, DEFAULT_RETRY_SETTINGS } from '../../../src/delivery/retry-policy';

const now = new Date('2026-11-25T20:00:00Z');
const settings = { ...DEFAULT_RETRY_SETTINGS, baseDelayMs: 1000, maxDelayMs: 60000, maxAttempts: 5 };
const unavailable = new BridgeError('ehr-unavailable', 'EHR down', { schedule: 'backoff' });

function delayOf(decision: ReturnType<typeof decideRetry>): number {
  if (decision.action !== 'retry') throw new Error(`expected retry, got ${decision.action}`);
  return decision.at.getTime() - now.getTime();
}

describe('decideRetry', () => {
  it('dead-letters permanent errors at once', () => {
    const error = new BridgeError('patient-ambiguous', 'ambiguous patient: 2 matches');
    expect(decideRetry(error, { attempts: 1, waitingSince: null }, settings, now)).toEqual({
      action: 'dead',
      reason: 'permanent error',
    });
  });

  it('ends a delivery with nothing to do yet as ignored, not dead', () => {
    const error = new BridgeError('identifier-empty', 'MRN still empty', { schedule: 'skip' });
    expect(error.retryable).toBe(false);
    expect(decideRetry(error, { attempts: 1, waitingSince: null }, settings, now)).toEqual({ action: 'ignore' });
  });

  it('backs off exponentially, with jitter between half and the full delay', () => {
    expect(delayOf(decideRetry(unavailable, { attempts: 1, waitingSince: null }, settings, now, () => 0))).toBe(500);
    expect(delayOf(decideRetry(unavailable, { attempts: 1, waitingSince: null }, settings, now, () => 1))).toBe(1000);
    expect(delayOf(decideRetry(unavailable, { attempts: 3, waitingSince: null }, settings, now, () => 1))).toBe(4000);
  });

  it('caps the delay at maxDelayMs', () => {
    const big = { ...settings, maxAttempts: 100 };
    expect(delayOf(decideRetry(unavailable, { attempts: 40, waitingSince: null }, big, now, () => 1))).toBe(60000);
  });

  it('honours Retry-After when it asks for longer than the backoff', () => {
    const limited = new BridgeError('pulsara-rate-limited', '429', { schedule: 'backoff', retryAfterMs: 30000 });
    expect(delayOf(decideRetry(limited, { attempts: 1, waitingSince: null }, settings, now, () => 1))).toBe(30000);
  });

  it('dead-letters after maxAttempts', () => {
    expect(decideRetry(unavailable, { attempts: 5, waitingSince: null }, settings, now)).toEqual({
      action: 'dead',
      reason: 'gave up after 5 attempts',
    });
  });

  describe('patient-wait schedule', () => {
    const missing = new BridgeError('patient-not-found', 'not yet', { schedule: 'patient-wait' });

    it('keeps retrying past maxAttempts within the window and remembers when waiting began', () => {
      const since = new Date(now.getTime() - 3600000);
      const decision = decideRetry(missing, { attempts: 50, waitingSince: since }, settings, now, () => 1);
      expect(decision).toMatchObject({ action: 'retry', waitingSince: since });
      expect(delayOf(decision)).toBe(settings.patientRetryIntervalMs);
    });

    it('starts the window at the first miss', () => {
      const decision = decideRetry(missing, { attempts: 1, waitingSince: null }, settings, now, () => 1);
      expect(decision).toMatchObject({ action: 'retry', waitingSince: now });
    });

    it('dead-letters once the window is over', () => {
      const since = new Date(now.getTime() - settings.patientWaitMs);
      expect(decideRetry(missing, { attempts: 3, waitingSince: since }, settings, now)).toEqual({
        action: 'dead',
        reason: 'still not found after waiting 24 h',
      });
    });

    it('never schedules past the end of the window', () => {
      const since = new Date(now.getTime() - settings.patientWaitMs + 1000);
      expect(delayOf(decideRetry(missing, { attempts: 90, waitingSince: since }, settings, now, () => 1))).toBe(1000);
    });
  });
});
