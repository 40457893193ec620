import type { EhrDialect, LogLevel, RetrySettings, SignatureScheme } from './settings';

/**
 * The one table of defaults. `serve` applies them to unset variables, and the clients use
 * the same values when a caller (the demo, a test) leaves an option out, so a default can
 * never differ between the two. README "Configure" documents each one.
 */
export const DEFAULTS = Object.freeze({
  port: 8080,
  storeUrl: 'sqlite:./data/bridge.sqlite',
  mappingFile: 'mappings/default.json',
  logLevel: 'info' as LogLevel,
  workerConcurrency: 4,
  leaseSeconds: 300,
  pollIntervalMs: 500,
  pulsara: Object.freeze({
    tokenHeader: 'x-api-key',
    /** Deadline of a channel read; also the least a summary download gets. */
    timeoutMs: 30_000,
    /** Deadline of a summary download, body included, when the channel deadline is shorter. */
    summaryTimeoutMs: 60_000,
    summaryMaxBytes: 50 * 1024 * 1024,
  }),
  webhook: Object.freeze({
    scheme: 'timestamped' as SignatureScheme,
    toleranceSeconds: 300,
  }),
  fhir: Object.freeze({
    dialect: 'transaction' as EhrDialect,
    /** Per request; a 50 MB PDF upload needs time. */
    timeoutMs: 60_000,
    /** Token endpoint and SMART discovery calls. */
    tokenTimeoutMs: 30_000,
    smartScopes: 'system/Patient.rs system/Encounter.rs system/DocumentReference.cu system/Observation.cu',
  }),
  retry: Object.freeze<RetrySettings>({
    maxAttempts: 10,
    baseDelayMs: 2000,
    maxDelayMs: 15 * 60 * 1000,
    patientWaitMs: 24 * 3600 * 1000,
    patientRetryIntervalMs: 15 * 60 * 1000,
  }),
});
