import { BridgeError } from '../shared/errors';
import { SIGNATURE_SCHEMES } from '../intake/signature';
import type { SignatureScheme } from '../intake/signature';
import type { EhrDialect } from '../ehr/types';
import type { EhrAuthConfig } from '../ehr/auth';
import { parseEhrAuthConfig } from '../ehr/auth';
import { resolveFileVariables } from './env-source';
import type { Env } from './env-source';
import type { RetrySettings } from '../delivery/retry-policy';

/** The validated, read-only settings of `serve` (shared/interface.md plus documented extras). */
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
  };
  mappingFile: string;
  storeUrl: string;
  workerConcurrency: number;
  leaseSeconds: number;
  pollIntervalMs: number;
  retry: RetrySettings;
  logLevel: string;
  adminToken?: string;
}

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];
const DIALECTS: readonly EhrDialect[] = ['transaction', 'sequential'];

/** Collects every problem instead of stopping at the first one. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  required(name: string, hint: string): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name}: required (${hint})`);
      return '';
    }
    return value;
  }

  optional(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  url(name: string, hint: string): string {
    const value = this.required(name, hint);
    if (value && !/^https?:\/\/[^\s/]+/i.test(value)) {
      this.problems.push(`${name}: must be an http(s) URL, got "${value}"`);
    }
    return value.replace(/\/+$/, '');
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name}: must be a whole number from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }
}

/** Reads the environment once; throws BridgeError('config-invalid') naming every bad variable. */
export function loadServeConfig(source: Env = process.env): ServeConfig {
  const { env, problems: fileProblems } = resolveFileVariables(source);
  const r = new EnvReader(env);

  const secrets = r
    .required('PULSARA_WEBHOOK_SECRETS', 'comma-separated webhook signing secrets from Pulsara')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const auth = parseEhrAuthConfig(env);
  const storeUrl = r.optional('STORE_URL', 'sqlite:./data/bridge.sqlite');
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(storeUrl)) {
    r.problems.push(`STORE_URL: must start with sqlite: or postgres://, got "${storeUrl.replace(/\/\/[^@]*@/, '//***@')}"`);
  }

  const config: ServeConfig = {
    port: r.integer('PORT', 8080, 0, 65535),
    pulsara: {
      baseUrl: r.url('PULSARA_API_BASE_URL', 'the Pulsara API root, e.g. https://api.pulsara.com'),
      token: r.required('PULSARA_API_TOKEN', 'an API token made by a Pulsara admin under MANAGER, API Tokens'),
      tokenHeader: r.optional('PULSARA_API_TOKEN_HEADER', 'x-api-key').toLowerCase(),
      timeoutMs: r.integer('PULSARA_TIMEOUT_MS', 30000, 100, 600000),
      summaryMaxBytes: r.integer('PULSARA_SUMMARY_MAX_BYTES', 50 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    },
    webhook: {
      secrets,
      scheme: r.oneOf('PULSARA_SIGNATURE_SCHEME', 'timestamped', SIGNATURE_SCHEMES),
      toleranceSeconds: r.integer('PULSARA_SIGNATURE_TOLERANCE_SECONDS', 300, 1, 86400),
    },
    fhir: {
      baseUrl: r.url('FHIR_BASE_URL', "the EHR's FHIR R4 base, e.g. http://localhost:8090/fhir"),
      auth: auth.config ?? { mode: 'none' },
      dialect: r.oneOf('FHIR_DIALECT', 'transaction', DIALECTS),
      timeoutMs: r.integer('FHIR_TIMEOUT_MS', 60000, 100, 600000),
    },
    mappingFile: r.optional('MAPPING_FILE', 'mappings/default.json'),
    storeUrl,
    workerConcurrency: r.integer('WORKER_CONCURRENCY', 4, 1, 256),
    leaseSeconds: r.integer('LEASE_SECONDS', 300, 5, 86400),
    pollIntervalMs: r.integer('POLL_INTERVAL_MS', 500, 10, 60000),
    retry: {
      maxAttempts: r.integer('RETRY_MAX_ATTEMPTS', 10, 1, 1000),
      baseDelayMs: r.integer('RETRY_BASE_DELAY_MS', 2000, 1, 3600000),
      maxDelayMs: r.integer('RETRY_MAX_DELAY_MS', 15 * 60 * 1000, 1, 86400000),
      patientWaitMs: r.integer('PATIENT_WAIT_HOURS', 24, 0, 24 * 30) * 3600 * 1000,
      patientRetryIntervalMs: r.integer('PATIENT_RETRY_MINUTES', 15, 0, 24 * 60) * 60 * 1000,
    },
    logLevel: r.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    adminToken: env.ADMIN_TOKEN?.trim() || undefined,
  };

  if (secrets.length === 0 && !r.problems.some((p) => p.startsWith('PULSARA_WEBHOOK_SECRETS'))) {
    r.problems.push('PULSARA_WEBHOOK_SECRETS: no secret given (only commas)');
  }
  const problems = [...fileProblems, ...r.problems, ...auth.problems];
  if (problems.length > 0) {
    throw new BridgeError(
      'config-invalid',
      `Configuration has ${problems.length} problem(s); serve did not start:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { detail: problems },
    );
  }
  return Object.freeze(config);
}
