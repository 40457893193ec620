/**
 * How the bridge authenticates to the EHR's FHIR endpoint (`FHIR_AUTH`).
 */

/** Supplies the headers that authenticate one FHIR request. */
export interface EhrAuth {
  /** Headers to add to a request, e.g. `{ Authorization: 'Bearer …' }`; fetches a token when none is cached. */
  headers(): Promise<Record<string, string>>;
  /** Drops any cached token, so that the next `headers()` obtains a fresh one (after a 401). */
  invalidate(): void;
}

export type EhrAuthMode = 'none' | 'bearer' | 'client-credentials' | 'smart-backend';

export const EHR_AUTH_MODES: readonly EhrAuthMode[] = ['none', 'bearer', 'client-credentials', 'smart-backend'];

export interface NoAuthConfig {
  mode: 'none';
}

/** A static token, sent as `Authorization: Bearer <token>`. */
export interface BearerAuthConfig {
  mode: 'bearer';
  token: string;
}

/** OAuth 2.0 client_credentials with a client secret (HTTP Basic at the token endpoint). */
export interface ClientCredentialsAuthConfig {
  mode: 'client-credentials';
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes; omitted from the request when unset. */
  scopes?: string;
}

/** Algorithms SMART Backend Services allows for the client assertion. */
export type SmartSigningAlgorithm = 'RS384' | 'ES384';

/** SMART Backend Services: client_credentials with a private_key_jwt client assertion. */
export interface SmartBackendAuthConfig {
  mode: 'smart-backend';
  /** The FHIR base, used to discover the token endpoint when `tokenUrl` is unset. */
  fhirBaseUrl: string;
  tokenUrl?: string;
  clientId: string;
  /** PKCS#8 PEM private key (RSA for RS384, P-384 EC for ES384). */
  privateKeyPem: string;
  keyId: string;
  algorithm: SmartSigningAlgorithm;
  /** Space-separated scopes; always sent, SMART servers require them. */
  scopes: string;
}

export type EhrAuthConfig = NoAuthConfig | BearerAuthConfig | ClientCredentialsAuthConfig | SmartBackendAuthConfig;
