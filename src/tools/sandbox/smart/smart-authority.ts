import { randomBytes } from 'node:crypto';
import type { Interaction } from '../profiles/types';
import { AssertionRefusal, verifyClientAssertion } from './client-assertion';
import type { SmartClient } from './client-assertion';
import { scopesPermit, systemScopes } from './scopes';

/** SMART Backend Services settings of a sandbox: who may get tokens, and for how long. */
export interface SmartOptions {
  clients: SmartClient[];
  /** `expires_in` of issued tokens; default 3600 (what Epic grants backend clients). */
  tokenLifetimeSeconds?: number;
  /** Clock in milliseconds, for tests that expire tokens without waiting; default Date.now. */
  now?: () => number;
}

/** What the token endpoint and the FHIR guard saw; tests read these. */
export interface SmartCounters {
  /** Every POST to the token endpoint. */
  tokenRequests: number;
  tokensIssued: number;
  /** Refused token requests, with the reason of each in `refusalReasons`. */
  tokenRefusals: number;
  refusalReasons: string[];
  /** FHIR requests answered 401 (no, unknown or expired token). */
  unauthorizedRequests: number;
  /** FHIR requests answered 403 (a valid token without the scope). */
  forbiddenRequests: number;
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

/** The answer of the token endpoint. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** The verdict on the bearer token of a FHIR request. */
export type BearerVerdict = { ok: true } | { ok: false; status: 401 | 403; error: string; description: string };

interface IssuedToken {
  clientId: string;
  scopes: string[];
  expiresAtMs: number;
}

/**
 * The sandbox's SMART authorization server: verifies client assertions, issues opaque
 * expiring tokens, and judges the bearer token of each FHIR request.
 */
export class SmartAuthority {
  readonly counters: SmartCounters = {
    tokenRequests: 0,
    tokensIssued: 0,
    tokenRefusals: 0,
    refusalReasons: [],
    unauthorizedRequests: 0,
    forbiddenRequests: 0,
  };
  private readonly clients: Map<string, SmartClient>;
  private readonly tokens = new Map<string, IssuedToken>();
  /** Used `jti`s with the `exp` of their assertion; forgotten once that assertion could no longer pass. */
  private readonly usedJtis = new Map<string, number>();
  private readonly lifetimeSeconds: number;
  private readonly now: () => number;

  constructor(options: SmartOptions) {
    this.clients = new Map(options.clients.map((client) => [client.clientId, client]));
    this.lifetimeSeconds = options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    this.now = options.now ?? Date.now;
  }

  /** Handles a token request (form fields) made to `tokenUrl`. */
  async grant(form: Record<string, unknown>, tokenUrl: string): Promise<TokenAnswer> {
    this.counters.tokenRequests++;
    try {
      if (form.grant_type !== 'client_credentials') {
        return this.refuse(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
      }
      if (form.client_assertion_type !== JWT_BEARER || typeof form.client_assertion !== 'string') {
        return this.refuse(
          400,
          'invalid_request',
          `client_assertion_type must be ${JWT_BEARER}, with a client_assertion`,
        );
      }
      const client = await verifyClientAssertion(form.client_assertion, {
        clients: this.clients,
        tokenUrl,
        nowMs: this.now(),
        replayed: (jti, exp) => this.replayed(jti, exp),
      });
      const scopes = this.grantedScopes(client, typeof form.scope === 'string' ? form.scope : '');
      if (scopes.length === 0) {
        return this.refuse(400, 'invalid_scope', 'no requested system/ scope can be granted to this client');
      }
      const accessToken = randomBytes(32).toString('base64url');
      this.tokens.set(accessToken, {
        clientId: client.clientId,
        scopes,
        expiresAtMs: this.now() + this.lifetimeSeconds * 1000,
      });
      this.counters.tokensIssued++;
      return {
        status: 200,
        body: {
          access_token: accessToken,
          token_type: 'bearer',
          expires_in: this.lifetimeSeconds,
          scope: scopes.join(' '),
        },
      };
    } catch (err) {
      if (err instanceof AssertionRefusal) {
        return this.refuse(err.error === 'invalid_client' ? 401 : 400, err.error, err.description);
      }
      throw err;
    }
  }

  /** Judges `Authorization: Bearer …` for an interaction (undefined: any valid token will do). */
  checkBearer(authorization: string | undefined, resourceType?: string, interaction?: Interaction): BearerVerdict {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const issued = token === undefined ? undefined : this.tokens.get(token);
    if (!issued || issued.expiresAtMs <= this.now()) {
      this.counters.unauthorizedRequests++;
      const description = !token ? 'a bearer token is required' : 'the access token is unknown or expired';
      return { ok: false, status: 401, error: 'invalid_token', description };
    }
    if (resourceType && interaction && !scopesPermit(issued.scopes, resourceType, interaction)) {
      this.counters.forbiddenRequests++;
      return {
        ok: false,
        status: 403,
        error: 'insufficient_scope',
        description: `the token's scopes do not allow ${interaction} of ${resourceType}`,
      };
    }
    return { ok: true };
  }

  /** Revokes every issued token (an EHR restart, a key rotation): the next FHIR call gets 401. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  private grantedScopes(client: SmartClient, requested: string): string[] {
    const asked = systemScopes(requested);
    if (client.scopes === undefined) {
      return asked;
    }
    const allowed = new Set(client.scopes.split(/\s+/));
    return asked.filter((scope) => allowed.has(scope));
  }

  private replayed(jti: string, expSeconds: number): boolean {
    const nowSeconds = this.now() / 1000;
    for (const [seen, exp] of this.usedJtis) {
      if (exp < nowSeconds) {
        this.usedJtis.delete(seen);
      }
    }
    if (this.usedJtis.has(jti)) {
      return true;
    }
    this.usedJtis.set(jti, expSeconds);
    return false;
  }

  private refuse(status: number, error: string, description: string): TokenAnswer {
    this.counters.tokenRefusals++;
    this.counters.refusalReasons.push(`${error}: ${description}`);
    return { status, body: { error, error_description: description } };
  }
}
