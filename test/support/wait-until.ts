/**
 * The one way tests wait for something that happens in its own time (a process coming up,
 * a delivery being worked, a log line): poll an observable value until it is what the
 * test needs, and fail with the last value seen rather than a bare "timed out".
 */

export interface WaitOptions {
  /** Give up after this long (default 10 s; keep it under the test's own timeout). */
  timeoutMs?: number;
  /** Pause between reads (default 50 ms). */
  everyMs?: number;
  /**
   * Treat an error thrown by `read` as "not yet" instead of failing at once: for reads
   * whose transient failures are not what the test is about (another process polled over
   * HTTP, where a busy machine can drop a kept-alive connection). The last error is shown
   * on timeout.
   */
  ignoreErrors?: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_EVERY_MS = 50;
const MAX_SHOWN_CHARS = 2000;

/**
 * Reads `read()` until `done(value)` holds and returns that value. Reads at least once,
 * even with a zero timeout. An error thrown by `read` fails the wait at once unless
 * `ignoreErrors` is set; an error thrown by `done` always does.
 */
export async function waitUntil<T, U extends T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => value is U,
  options?: WaitOptions,
): Promise<U>;
export async function waitUntil<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  options?: WaitOptions,
): Promise<T>;
export async function waitUntil<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = DEFAULT_TIMEOUT_MS, everyMs = DEFAULT_EVERY_MS, ignoreErrors = false }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await read();
      last = { value };
    } catch (error) {
      if (!ignoreErrors) {
        throw error;
      }
      last = { error };
    }
    if ('value' in last && done(last.value)) {
      return last.value;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${showLast(last)}`);
    }
    await pause(everyMs);
  }
}

function showLast(last: { value: unknown } | { error: unknown }): string {
  if ('error' in last) {
    return `error ${last.error instanceof Error ? last.error.message : String(last.error)}`;
  }
  const text = JSON.stringify(last.value, (_key, value: unknown) =>
    value instanceof Set || value instanceof Map ? [...value] : value,
  );
  return text === undefined ? String(last.value) : text.slice(0, MAX_SHOWN_CHARS);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
