import type { EhrAuth } from './types';
import type { GrantedToken } from './token-endpoint';

export interface CachedTokenOptions {
  /** Lifetime assumed when the server gives no expires_in. */
  defaultLifetimeSeconds?: number;
  /** Renew this long before expiry, so that a token never dies in flight. */
  marginSeconds?: number;
  /** Injectable clock for tests. */
  now?: () => number;
}

/**
 * Wraps a token source into an EhrAuth that caches the token until `expires_in` minus a
 * margin, and shares one in-flight fetch between concurrent callers (workers start together).
 */
export function createCachedTokenAuth(
  fetchToken: () => Promise<GrantedToken>,
  options: CachedTokenOptions = {},
): EhrAuth {
  const now = options.now ?? Date.now;
  const marginSeconds = options.marginSeconds ?? 60;
  const defaultLifetime = options.defaultLifetimeSeconds ?? 300;
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchAndCache(): Promise<string> {
    const granted = await fetchToken();
    const lifetime = granted.expiresIn ?? defaultLifetime;
    // Short-lived tokens: never spend more than half the lifetime on the margin.
    const margin = Math.min(marginSeconds, lifetime / 2);
    cached = { token: granted.accessToken, renewAt: now() + (lifetime - margin) * 1000 };
    return granted.accessToken;
  }

  async function token(): Promise<string> {
    if (cached && now() < cached.renewAt) {
      return cached.token;
    }
    inFlight ??= fetchAndCache().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    headers: async () => ({ Authorization: `Bearer ${await token()}` }),
    invalidate: () => {
      cached = undefined;
    },
  };
}
