import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_SMART_SCOPES } from './smart-backend-auth';
import { EHR_AUTH_MODES } from './types';
import type { EhrAuthConfig, EhrAuthMode, SmartSigningAlgorithm } from './types';

/** The environment variables one `FHIR_AUTH` mode reads. */
export interface EhrAuthEnvDescription {
  mode: EhrAuthMode;
  required: string[];
  optional: string[];
}

/** Which variables each mode needs; secrets may also come from `<NAME>_FILE`. */
export function describeEhrAuthEnv(): EhrAuthEnvDescription[] {
  return [
    { mode: 'none', required: [], optional: [] },
    { mode: 'bearer', required: ['FHIR_BEARER_TOKEN'], optional: [] },
    { mode: 'client-credentials', required: ['FHIR_TOKEN_URL', 'FHIR_CLIENT_ID', 'FHIR_CLIENT_SECRET'], optional: ['FHIR_SCOPES'] },
    {
      mode: 'smart-backend',
      required: ['FHIR_CLIENT_ID', 'FHIR_PRIVATE_KEY', 'FHIR_KEY_ID'],
      // FHIR_BASE_URL is needed for discovery when FHIR_TOKEN_URL is unset.
      optional: ['FHIR_TOKEN_URL', 'FHIR_SCOPES', 'FHIR_JWT_ALG', 'FHIR_BASE_URL'],
    },
  ];
}

export interface ParseEhrAuthOptions {
  /** Reads `<NAME>_FILE` secrets; injectable for tests. */
  readFile?: (path: string) => string;
}

type Env = Record<string, string | undefined>;

/**
 * Reads and checks the `FHIR_AUTH` settings. Returns a config only when there is no
 * problem; otherwise `problems` names every missing or bad variable (never its value).
 */
export function parseEhrAuthConfig(env: Env, options: ParseEhrAuthOptions = {}): { config?: EhrAuthConfig; problems: string[] } {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const problems: string[] = [];
  const mode = (env.FHIR_AUTH?.trim() || 'none') as EhrAuthMode;
  if (!EHR_AUTH_MODES.includes(mode)) {
    return { problems: [`FHIR_AUTH: must be one of ${EHR_AUTH_MODES.join(', ')}`] };
  }

  const plain = (name: string): string | undefined => env[name]?.trim() || undefined;
  const secret = (name: string): string | undefined => {
    const direct = plain(name);
    const file = plain(`${name}_FILE`);
    if (direct || !file) {
      return direct;
    }
    try {
      return readFile(file).trim() || undefined;
    } catch {
      problems.push(`${name}_FILE: cannot read the file it names`);
      return undefined;
    }
  };
  const required = (name: string, value: string | undefined): string => {
    if (value === undefined) {
      problems.push(`${name}: required when FHIR_AUTH=${mode}`);
    }
    return value ?? '';
  };
  const url = (name: string, value: string | undefined): string | undefined => {
    if (value !== undefined && !isHttpUrl(value)) {
      problems.push(`${name}: must be an http(s) URL`);
    }
    return value;
  };

  let config: EhrAuthConfig;
  switch (mode) {
    case 'none':
      config = { mode };
      break;
    case 'bearer':
      config = { mode, token: required('FHIR_BEARER_TOKEN', secret('FHIR_BEARER_TOKEN')) };
      break;
    case 'client-credentials':
      config = {
        mode,
        tokenUrl: required('FHIR_TOKEN_URL', url('FHIR_TOKEN_URL', plain('FHIR_TOKEN_URL'))),
        clientId: required('FHIR_CLIENT_ID', plain('FHIR_CLIENT_ID')),
        clientSecret: required('FHIR_CLIENT_SECRET', secret('FHIR_CLIENT_SECRET')),
        scopes: plain('FHIR_SCOPES'),
      };
      break;
    case 'smart-backend': {
      const tokenUrl = url('FHIR_TOKEN_URL', plain('FHIR_TOKEN_URL'));
      const fhirBaseUrl = plain('FHIR_BASE_URL');
      if (!tokenUrl && !fhirBaseUrl) {
        problems.push('FHIR_TOKEN_URL: required when FHIR_BASE_URL is not set (token endpoint discovery)');
      } else if (!tokenUrl) {
        url('FHIR_BASE_URL', fhirBaseUrl);
      }
      const clientId = required('FHIR_CLIENT_ID', plain('FHIR_CLIENT_ID'));
      const keyId = required('FHIR_KEY_ID', plain('FHIR_KEY_ID'));
      const rawKey = required('FHIR_PRIVATE_KEY', secret('FHIR_PRIVATE_KEY'));
      const key = rawKey ? readSigningKey(rawKey, plain('FHIR_JWT_ALG'), problems) : undefined;
      config = {
        mode,
        fhirBaseUrl: fhirBaseUrl ?? '',
        tokenUrl,
        clientId,
        keyId,
        privateKeyPem: key?.pem ?? '',
        algorithm: key?.algorithm ?? 'RS384',
        scopes: plain('FHIR_SCOPES') ?? DEFAULT_SMART_SCOPES,
      };
      break;
    }
  }
  return problems.length > 0 ? { problems } : { config, problems };
}

function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Checks the private key and picks the algorithm from its type (RSA → RS384, P-384 →
 * ES384). Keys are re-exported as PKCS#8 so that PKCS#1/SEC1 PEMs work too; `\n` escapes
 * (keys pasted into .env files) are accepted.
 */
function readSigningKey(raw: string, requestedAlg: string | undefined, problems: string[]): { pem: string; algorithm: SmartSigningAlgorithm } | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey(raw.replace(/\\n/g, '\n'));
  } catch {
    problems.push('FHIR_PRIVATE_KEY: not a readable unencrypted PEM private key');
    return undefined;
  }
  let algorithm: SmartSigningAlgorithm;
  if (key.asymmetricKeyType === 'rsa') {
    algorithm = 'RS384';
  } else if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp384r1') {
    algorithm = 'ES384';
  } else {
    problems.push('FHIR_PRIVATE_KEY: must be an RSA key (RS384) or a P-384 EC key (ES384)');
    return undefined;
  }
  if (requestedAlg !== undefined && requestedAlg !== algorithm) {
    problems.push(`FHIR_JWT_ALG: ${requestedAlg === 'RS384' || requestedAlg === 'ES384' ? `does not match the key type (${algorithm})` : 'must be RS384 or ES384'}`);
    return undefined;
  }
  return { pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm };
}
