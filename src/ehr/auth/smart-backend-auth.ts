import { randomUUID } from 'node:crypto';
import axios from 'axios';
import { importPKCS8, SignJWT } from 'jose';
import { DEFAULTS } from '../../config/defaults';
import { BridgeError } from '../../shared/errors';
import { httpFailure, networkFailure } from '../ehr-errors';
import { createCachedTokenAuth } from './cached-token-auth';
import type { CachedTokenOptions } from './cached-token-auth';
import { requestToken } from './token-endpoint';
import type { SmartBackendAuthConfig } from '../../config/settings';
import type { EhrAuth } from './types';
import type { EhrTransport } from '../transport';

/** SMART Backend Services caps the assertion at 5 minutes; stay under it to absorb clock skew. */
const ASSERTION_LIFETIME_SECONDS = 240;

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Reads `token_endpoint` from `<base>/.well-known/smart-configuration`. */
export async function discoverTokenEndpoint(fhirBaseUrl: string, transport: EhrTransport = {}): Promise<string> {
  const url = `${fhirBaseUrl.replace(/\/+$/, '')}/.well-known/smart-configuration`;
  const what = 'GET .well-known/smart-configuration';
  let response;
  try {
    response = await axios.get<unknown>(url, {
      headers: { Accept: 'application/json' },
      timeout: DEFAULTS.fhir.tokenTimeoutMs,
      validateStatus: () => true,
      httpsAgent: transport.httpsAgent,
    });
  } catch (err) {
    throw networkFailure(err, what);
  }
  if (response.status !== 200) {
    throw httpFailure(response.status, {}, response.data, what);
  }
  const endpoint = (response.data as { token_endpoint?: unknown } | null)?.token_endpoint;
  if (typeof endpoint !== 'string' || endpoint === '') {
    throw new BridgeError('ehr-auth', 'The EHR smart-configuration has no token_endpoint; set FHIR_TOKEN_URL', {
      detail: { request: what },
    });
  }
  return endpoint;
}

/** Signs the private_key_jwt client assertion (iss = sub = client id, aud = token URL). */
export async function signClientAssertion(
  config: SmartBackendAuthConfig,
  tokenUrl: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const key = await importPKCS8(config.privateKeyPem, config.algorithm);
  return new SignJWT({})
    .setProtectedHeader({ alg: config.algorithm, kid: config.keyId, typ: 'JWT' })
    .setIssuer(config.clientId)
    .setSubject(config.clientId)
    .setAudience(tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ASSERTION_LIFETIME_SECONDS)
    .sign(key);
}

/**
 * SMART Backend Services: a client_credentials grant authenticated by a signed JWT, with
 * explicit scopes; the token endpoint is discovered once unless configured.
 */
export function createSmartBackendAuth(
  config: SmartBackendAuthConfig,
  cacheOptions?: CachedTokenOptions,
  transport: EhrTransport = {},
): EhrAuth {
  let tokenUrl = config.tokenUrl;
  const auth = createCachedTokenAuth(async () => {
    tokenUrl ??= await discoverTokenEndpoint(config.fhirBaseUrl, transport);
    const assertion = await signClientAssertion(config, tokenUrl);
    return requestToken({
      tokenUrl,
      form: {
        grant_type: 'client_credentials',
        scope: config.scopes,
        client_assertion_type: JWT_BEARER,
        client_assertion: assertion,
      },
      httpsAgent: transport.httpsAgent,
    });
  }, cacheOptions);
  return {
    ...auth,
    hint:
      `that the EHR has the backend client FHIR_CLIENT_ID "${config.clientId}" registered and active, with the public ` +
      `key FHIR_KEY_ID "${config.keyId}", and grants it the FHIR_SCOPES "${config.scopes}"`,
  };
}
