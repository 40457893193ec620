/**
 * Turns Pulsara API answers and transport failures into BridgeErrors with the right code
 * and retry schedule. Messages name the channel, the call and what the operator should
 * check; they never carry tokens or channel content.
 */
import { AxiosError } from 'axios';
import { BridgeError, parseRetryAfter } from '../shared/errors';

/** Which API call failed. */
export type PulsaraCall = 'channel' | 'summary';

export interface FailureContext {
  call: PulsaraCall;
  channelId: string;
  /** The configured token header, named in auth messages. */
  tokenHeader: string;
}

function what(ctx: FailureContext): string {
  return ctx.call === 'channel' ? `channel ${ctx.channelId}` : `the summary report of channel ${ctx.channelId}`;
}

/** The error for a non-2xx HTTP status. */
export function errorForStatus(status: number, retryAfterHeader: string | undefined, ctx: FailureContext): BridgeError {
  const detail = { status, call: ctx.call, channelId: ctx.channelId };
  if (status === 401 || status === 403) {
    return new BridgeError(
      'pulsara-auth',
      `Pulsara refused the API token (HTTP ${status}) reading ${what(ctx)}: check PULSARA_API_TOKEN ` +
        `(tokens can be revoked by a Pulsara admin) and PULSARA_API_TOKEN_HEADER (now "${ctx.tokenHeader}").`,
      { detail },
    );
  }
  if (status === 404) {
    return new BridgeError('pulsara-not-found', `Pulsara has no ${what(ctx)} (HTTP 404).`, { detail });
  }
  if (status === 406) {
    return new BridgeError(
      'pulsara-bad-response',
      `Pulsara answered 406 Not Acceptable for ${what(ctx)}: the summary needs the request header ` +
        '"Accept: application/pdf"; a proxy between the bridge and Pulsara may be rewriting it.',
      { detail },
    );
  }
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  if (status === 429) {
    return new BridgeError('pulsara-rate-limited', `Pulsara rate-limited the request for ${what(ctx)} (HTTP 429).`, {
      schedule: 'backoff',
      retryAfterMs,
      detail,
    });
  }
  if (status >= 500 || status === 408) {
    return new BridgeError('pulsara-unavailable', `Pulsara failed to answer for ${what(ctx)} (HTTP ${status}).`, {
      schedule: 'backoff',
      retryAfterMs,
      detail,
    });
  }
  if (status >= 300 && status < 400) {
    // Redirects are not followed: they would carry the API token to another address.
    return new BridgeError(
      'pulsara-bad-response',
      `Pulsara redirected the request for ${what(ctx)} (HTTP ${status}); redirects are not followed: check PULSARA_API_BASE_URL.`,
      { detail },
    );
  }
  return new BridgeError('pulsara-bad-response', `Pulsara answered HTTP ${status} for ${what(ctx)}.`, { detail });
}

/**
 * The error for a call that ended without a usable HTTP answer (timeout, refused, reset).
 * The transport error is deliberately not kept as `cause`: an AxiosError holds the request
 * config, token header included, and causes may end up serialised in the ledger or logs.
 */
export function errorForTransport(err: unknown, ctx: FailureContext, timedOutAfterMs?: number): BridgeError {
  if (err instanceof BridgeError) {
    return err;
  }
  const code =
    err instanceof AxiosError || (err instanceof Error && 'code' in err)
      ? String((err as { code?: unknown }).code ?? '')
      : '';
  if (timedOutAfterMs !== undefined) {
    return new BridgeError(
      'pulsara-unavailable',
      `Pulsara did not answer for ${what(ctx)} within ${timedOutAfterMs} ms.`,
      {
        schedule: 'backoff',
        detail: { call: ctx.call, channelId: ctx.channelId, code: 'timeout' },
      },
    );
  }
  if (code === 'ERR_BAD_RESPONSE' && err instanceof Error && /maxContentLength/.test(err.message)) {
    return new BridgeError('pulsara-bad-response', `Pulsara answered ${what(ctx)} with a body over the size limit.`, {
      detail: { call: ctx.call, channelId: ctx.channelId },
    });
  }
  return new BridgeError(
    'pulsara-unavailable',
    `Could not reach Pulsara for ${what(ctx)} (${code || (err instanceof Error ? err.name : 'unknown error')}); check PULSARA_API_BASE_URL and the network.`,
    { schedule: 'backoff', detail: { call: ctx.call, channelId: ctx.channelId, code: code || null } },
  );
}
