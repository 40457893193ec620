import { BridgeError } from '../shared/errors';
import { DEFAULTS } from './defaults';
import { parseEhrAuthConfig } from './ehr-auth-config';
import { processEnvironment, resolveFileVariables } from './env';
import type { Env } from './env';
import { EnvReader } from './env-reader';
import { parseFhirTlsConfig } from './tls-config';
import { EHR_DIALECTS, LOG_LEVELS, SIGNATURE_SCHEMES } from './settings';
import type { EhrAuthConfig, EhrDialect, FhirTlsSettings, LogLevel, RetrySettings, SignatureScheme } from './settings';

/** The validated, read-only settings of `serve` (docs/interface.md plus documented extras). */
export interface ServeConfig {
  port: number;
  pulsara: {
    baseUrl: string;
    token: string;
    tokenHeader: string;
    timeoutMs: number;
    summaryMaxBytes: number;
  };
  webhook: {
    secrets: string[];
    scheme: SignatureScheme;
    toleranceSeconds: number;
  };
  fhir: {
    baseUrl: string;
    auth: EhrAuthConfig;
    dialect: EhrDialect;
    timeoutMs: number;
    /** Private CA and mutual TLS for FHIR and token calls; unset: the system roots only. */
    tls?: FhirTlsSettings;
  };
  mappingFile: string;
  storeUrl: string;
  workerConcurrency: number;
  leaseSeconds: number;
  pollIntervalMs: number;
  retry: RetrySettings;
  logLevel: LogLevel;
  adminToken?: string;
}

/** Reads the environment once; throws BridgeError('config-invalid') naming every bad variable. */
export function loadServeConfig(source: Env = processEnvironment()): ServeConfig {
  const { env, problems: fileProblems } = resolveFileVariables(source);
  const r = new EnvReader(env);

  const secrets = r
    .required('PULSARA_WEBHOOK_SECRETS', 'comma-separated webhook signing secrets from Pulsara')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const auth = parseEhrAuthConfig(env);
  const tls = parseFhirTlsConfig(env);
  const storeUrl = r.optional('STORE_URL', DEFAULTS.storeUrl);
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(storeUrl)) {
    r.problems.push(
      `STORE_URL: must start with sqlite: or postgres://, got "${storeUrl.replace(/\/\/[^@]*@/, '//***@')}"`,
    );
  }
  const retry = DEFAULTS.retry;

  const config: ServeConfig = {
    port: r.integer('PORT', DEFAULTS.port, 0, 65535),
    pulsara: {
      baseUrl: r.requiredUrl('PULSARA_API_BASE_URL', 'the Pulsara API root, e.g. https://api.pulsara.com'),
      token: r.required('PULSARA_API_TOKEN', 'an API token made by a Pulsara admin under MANAGER, API Tokens'),
      tokenHeader: r.optional('PULSARA_API_TOKEN_HEADER', DEFAULTS.pulsara.tokenHeader).toLowerCase(),
      timeoutMs: r.integer('PULSARA_TIMEOUT_MS', DEFAULTS.pulsara.timeoutMs, 100, 600000),
      summaryMaxBytes: r.integer(
        'PULSARA_SUMMARY_MAX_BYTES',
        DEFAULTS.pulsara.summaryMaxBytes,
        1024,
        1024 * 1024 * 1024,
      ),
    },
    webhook: {
      secrets,
      scheme: r.oneOf('PULSARA_SIGNATURE_SCHEME', DEFAULTS.webhook.scheme, SIGNATURE_SCHEMES),
      toleranceSeconds: r.integer('PULSARA_SIGNATURE_TOLERANCE_SECONDS', DEFAULTS.webhook.toleranceSeconds, 1, 86400),
    },
    fhir: {
      baseUrl: r.requiredUrl('FHIR_BASE_URL', "the EHR's FHIR R4 base, e.g. http://localhost:8090/fhir"),
      auth: auth.config ?? { mode: 'none' },
      dialect: r.oneOf('FHIR_DIALECT', DEFAULTS.fhir.dialect, EHR_DIALECTS),
      timeoutMs: r.integer('FHIR_TIMEOUT_MS', DEFAULTS.fhir.timeoutMs, 100, 600000),
      tls: tls.tls,
    },
    mappingFile: r.optional('MAPPING_FILE', DEFAULTS.mappingFile),
    storeUrl,
    workerConcurrency: r.integer('WORKER_CONCURRENCY', DEFAULTS.workerConcurrency, 1, 256),
    leaseSeconds: r.integer('LEASE_SECONDS', DEFAULTS.leaseSeconds, 5, 86400),
    pollIntervalMs: r.integer('POLL_INTERVAL_MS', DEFAULTS.pollIntervalMs, 10, 60000),
    retry: {
      maxAttempts: r.integer('RETRY_MAX_ATTEMPTS', retry.maxAttempts, 1, 1000),
      baseDelayMs: r.integer('RETRY_BASE_DELAY_MS', retry.baseDelayMs, 1, 3600000),
      maxDelayMs: r.integer('RETRY_MAX_DELAY_MS', retry.maxDelayMs, 1, 86400000),
      patientWaitMs: r.integer('PATIENT_WAIT_HOURS', retry.patientWaitMs / 3600000, 0, 24 * 30) * 3600 * 1000,
      patientRetryIntervalMs:
        r.integer('PATIENT_RETRY_MINUTES', retry.patientRetryIntervalMs / 60000, 0, 24 * 60) * 60 * 1000,
    },
    logLevel: r.oneOf('LOG_LEVEL', DEFAULTS.logLevel, LOG_LEVELS),
    adminToken: r.raw('ADMIN_TOKEN'),
  };

  if (secrets.length === 0 && !r.problems.some((p) => p.startsWith('PULSARA_WEBHOOK_SECRETS'))) {
    r.problems.push('PULSARA_WEBHOOK_SECRETS: no secret given (only commas)');
  }
  const problems = [...fileProblems, ...r.problems, ...auth.problems, ...tls.problems];
  if (problems.length > 0) {
    throw new BridgeError(
      'config-invalid',
      `Configuration has ${problems.length} problem(s); serve did not start:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { detail: problems },
    );
  }
  return Object.freeze(config);
}
