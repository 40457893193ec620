import type { Agent } from 'node:https';
import axios from 'axios';
import { DEFAULTS } from '../../config/defaults';
import { BridgeError } from '../../shared/errors';
import { httpFailure, networkFailure } from '../ehr-errors';

/** An access token as granted by an OAuth 2.0 token endpoint. */
export interface GrantedToken {
  accessToken: string;
  /** Lifetime in seconds, when the server said. */
  expiresIn?: number;
}

export interface TokenRequest {
  tokenUrl: string;
  form: Record<string, string>;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** The EHR transport's agent (private CA, client certificate). */
  httpsAgent?: Agent;
}

interface TokenResponseBody {
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

/**
 * POSTs a form to a token endpoint and reads the access token. A refused grant (400/401,
 * e.g. invalid_client) is a permanent ehr-auth failure naming the OAuth error; 429/5xx and
 * network failures are retryable like any EHR call.
 */
export async function requestToken(request: TokenRequest): Promise<GrantedToken> {
  const what = 'POST token endpoint';
  let response;
  try {
    response = await axios.post<TokenResponseBody | string>(
      request.tokenUrl,
      new URLSearchParams(request.form).toString(),
      {
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
          ...request.headers,
        },
        timeout: request.timeoutMs ?? DEFAULTS.fhir.tokenTimeoutMs,
        validateStatus: () => true,
        maxRedirects: 0,
        httpsAgent: request.httpsAgent,
      },
    );
  } catch (err) {
    throw networkFailure(err, what);
  }
  const body = typeof response.data === 'object' && response.data !== null ? response.data : {};
  if (response.status === 400 || response.status === 401) {
    const oauthError = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    const description = typeof body.error_description === 'string' ? ` (${body.error_description})` : '';
    throw new BridgeError('ehr-auth', `The EHR token endpoint refused the grant: ${oauthError}${description}`, {
      detail: { status: response.status, request: what, oauthError },
    });
  }
  if (response.status < 200 || response.status >= 300) {
    throw httpFailure(
      response.status,
      Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
      body,
      what,
    );
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new BridgeError('ehr-auth', 'The EHR token endpoint answered without an access_token', {
      detail: { status: response.status, request: what },
    });
  }
  const expiresIn = Number(body.expires_in);
  return {
    accessToken: body.access_token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
  };
}
