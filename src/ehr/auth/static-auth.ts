import type { EhrAuth } from './types';

/** No authentication (the embedded sandbox, a server behind a trusted network). */
export function createNoAuth(): EhrAuth {
  return {
    headers: async () => ({}),
    invalidate: () => undefined,
    hint: 'FHIR_AUTH (it is none, and the EHR asks for credentials)',
  };
}

/** A static bearer token; invalidating it changes nothing, a second 401 surfaces as ehr-auth. */
export function createBearerAuth(token: string): EhrAuth {
  const headers = { Authorization: `Bearer ${token}` };
  return {
    headers: async () => ({ ...headers }),
    invalidate: () => undefined,
    hint: 'FHIR_BEARER_TOKEN (expired or revoked?)',
  };
}
