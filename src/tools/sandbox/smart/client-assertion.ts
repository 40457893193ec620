import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';

/** A client registered with the sandbox's SMART token endpoint, as an EHR team registers the bridge. */
export interface SmartClient {
  clientId: string;
  /** The client's public keys (what `keys generate` prints). */
  jwks: JSONWebKeySet;
  /** Space-separated scopes the client may be granted; unset grants whatever `system/` scopes it asks. */
  scopes?: string;
}

/** The assertion lifetime SMART Backend Services allows: `exp` at most 5 minutes ahead. */
export const MAX_ASSERTION_SECONDS = 300;

/** A refused client assertion: the OAuth error and a description for the client's developer. */
export class AssertionRefusal extends Error {
  constructor(
    readonly error: 'invalid_client' | 'invalid_request',
    readonly description: string,
  ) {
    super(description);
  }
}

export interface AssertionCheck {
  clients: ReadonlyMap<string, SmartClient>;
  /** The token endpoint's own URL: the only accepted `aud`. */
  tokenUrl: string;
  nowMs: number;
  /** Whether a `jti` was already used (and remembers it until `expSeconds`). */
  replayed: (jti: string, expSeconds: number) => boolean;
}

/**
 * Verifies a SMART Backend Services client assertion (RFC 7523 private_key_jwt): signed
 * RS384 or ES384 by a key of the registered JWKS, `iss` = `sub` = a registered client id,
 * `aud` the token URL, `exp` in the future and at most 5 minutes ahead, a `jti` never seen.
 * Returns the client; throws AssertionRefusal with the reason otherwise.
 */
export async function verifyClientAssertion(assertion: string, check: AssertionCheck): Promise<SmartClient> {
  let issuer: unknown;
  try {
    issuer = decodeJwt(assertion).iss;
  } catch {
    throw new AssertionRefusal('invalid_request', 'client_assertion is not a JWT');
  }
  const client = typeof issuer === 'string' ? check.clients.get(issuer) : undefined;
  if (!client) {
    throw new AssertionRefusal('invalid_client', 'iss is not a registered client id');
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
      algorithms: ['RS384', 'ES384'],
      issuer: client.clientId,
      subject: client.clientId,
      audience: check.tokenUrl,
      currentDate: new Date(check.nowMs),
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (err) {
    throw new AssertionRefusal('invalid_client', describeJoseError(err, check.tokenUrl));
  }
  const exp = payload.exp as number;
  if (exp - check.nowMs / 1000 > MAX_ASSERTION_SECONDS) {
    throw new AssertionRefusal('invalid_client', `exp is more than ${MAX_ASSERTION_SECONDS} seconds ahead`);
  }
  if (check.replayed(payload.jti as string, exp)) {
    throw new AssertionRefusal('invalid_client', 'jti has already been used (replayed assertion)');
  }
  return client;
}

function describeJoseError(err: unknown, tokenUrl: string): string {
  if (err instanceof errors.JWTExpired) {
    return 'the assertion has expired (exp)';
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return `aud must be the token endpoint URL ${tokenUrl}`;
      case 'sub':
        return 'sub must equal iss (the client id)';
      default:
        return `claim ${err.claim} is missing or invalid`;
    }
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return 'no key of the registered JWKS matches the assertion (kid, alg)';
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return 'the signature does not verify against the registered JWKS';
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return 'alg must be RS384 or ES384';
  }
  return 'the assertion could not be verified';
}
