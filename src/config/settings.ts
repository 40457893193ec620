/**
 * The shapes of the bridge's settings. config/ reads and checks them; each folder takes the
 * part it needs (intake the signature scheme, ehr/ the dialect and auth, delivery/ the retry
 * settings), so config/ depends on nothing but shared/.
 */

/** How the `Pulsara-Signature` header is computed (docs/pulsara-api.md). */
export type SignatureScheme = 'timestamped' | 'hmac-sha256';
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = ['timestamped', 'hmac-sha256'];

/**
 * How a given EHR accepts writes.
 * - `transaction`: one R4 transaction Bundle with conditional creates/updates (HAPI, the
 *   sandbox, most generic R4 servers).
 * - `sequential`: one request at a time, search-before-create, for servers without
 *   transactions or conditional create.
 */
export type EhrDialect = 'transaction' | 'sequential';
export const EHR_DIALECTS: readonly EhrDialect[] = ['transaction', 'sequential'];

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

/**
 * TLS of the FHIR and token-endpoint calls, for hospital networks with their own CA and
 * EHR gateways that ask for a client certificate. PEM texts, checked at start.
 */
export interface FhirTlsSettings {
  /** Certificates trusted beside the system roots (`FHIR_CA_FILE`). */
  caCertificates?: string[];
  /** Mutual TLS: the client certificate (and chain) and its key (`FHIR_CLIENT_CERT_FILE`, `FHIR_CLIENT_KEY_FILE`). */
  clientCertificate?: string;
  clientKey?: string;
}

/** Retry settings (README, Operating); delivery/retry-policy.ts turns them into times. */
export interface RetrySettings {
  /** Attempts in all before a retryable failure becomes a dead letter. */
  maxAttempts: number;
  /** First backoff delay; doubles on each attempt. */
  baseDelayMs: number;
  /** Ceiling of the backoff delay (a server's Retry-After may ask for more). */
  maxDelayMs: number;
  /** How long a missing patient/visit is waited for before dead-lettering. */
  patientWaitMs: number;
  /** Interval of retries while waiting for the patient. */
  patientRetryIntervalMs: number;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
