import { createCachedTokenAuth } from './cached-token-auth';
import type { CachedTokenOptions } from './cached-token-auth';
import { requestToken } from './token-endpoint';
import type { ClientCredentialsAuthConfig } from '../../config/settings';
import type { EhrAuth } from './types';
import type { EhrTransport } from '../transport';

/** OAuth 2.0 client_credentials with the client secret in HTTP Basic auth (RFC 6749 §2.3.1). */
export function createClientCredentialsAuth(
  config: ClientCredentialsAuthConfig,
  cacheOptions?: CachedTokenOptions,
  transport: EhrTransport = {},
): EhrAuth {
  // RFC 6749 asks for form-encoding of id and secret before Basic encoding.
  const basic = Buffer.from(
    `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`,
  ).toString('base64');
  const auth = createCachedTokenAuth(
    () =>
      requestToken({
        tokenUrl: config.tokenUrl,
        form: { grant_type: 'client_credentials', ...(config.scopes ? { scope: config.scopes } : {}) },
        headers: { Authorization: `Basic ${basic}` },
        httpsAgent: transport.httpsAgent,
      }),
    cacheOptions,
  );
  return {
    ...auth,
    hint:
      `that the EHR accepts FHIR_CLIENT_ID "${config.clientId}" with its FHIR_CLIENT_SECRET` +
      (config.scopes ? ` and grants it the FHIR_SCOPES "${config.scopes}"` : ''),
  };
}
