import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DEFAULTS } from './defaults';
import type { Env } from './env';
import { EnvReader } from './env-reader';
import { EHR_AUTH_MODES } from './settings';
import type { EhrAuthConfig, EhrAuthMode, SmartSigningAlgorithm } from './settings';

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
    {
      mode: 'client-credentials',
      required: ['FHIR_TOKEN_URL', 'FHIR_CLIENT_ID', 'FHIR_CLIENT_SECRET'],
      optional: ['FHIR_SCOPES'],
    },
    {
      mode: 'smart-backend',
      required: ['FHIR_CLIENT_ID', 'FHIR_PRIVATE_KEY', 'FHIR_KEY_ID'],
      // FHIR_BASE_URL is needed for discovery when FHIR_TOKEN_URL is unset.
      optional: ['FHIR_TOKEN_URL', 'FHIR_SCOPES', 'FHIR_JWT_ALG', 'FHIR_BASE_URL'],
    },
  ];
}

/**
 * Reads and checks the `FHIR_AUTH` settings from an environment whose `_FILE` secrets are
 * already resolved (config/env.ts), so secrets follow the same rule as every other one.
 * Returns a config only when there is no problem; otherwise `problems` names every
 * missing or bad variable (never its value).
 */
export function parseEhrAuthConfig(env: Env): { config?: EhrAuthConfig; problems: string[] } {
  const r = new EnvReader(env);
  const mode = (r.raw('FHIR_AUTH') ?? 'none') as EhrAuthMode;
  if (!EHR_AUTH_MODES.includes(mode)) {
    return { problems: [`FHIR_AUTH: must be one of ${EHR_AUTH_MODES.join(', ')}`] };
  }
  const required = (name: string): string => {
    const value = r.raw(name);
    if (value === undefined) {
      r.problems.push(`${name}: required when FHIR_AUTH=${mode}`);
    }
    return value ?? '';
  };
  // Token URLs may carry credentials in their query; never quote them.
  const url = (name: string, value: string | undefined): string | undefined => r.url(name, value, false);

  let config: EhrAuthConfig;
  switch (mode) {
    case 'none':
      config = { mode };
      break;
    case 'bearer':
      config = { mode, token: required('FHIR_BEARER_TOKEN') };
      break;
    case 'client-credentials':
      config = {
        mode,
        tokenUrl: url('FHIR_TOKEN_URL', required('FHIR_TOKEN_URL')) ?? '',
        clientId: required('FHIR_CLIENT_ID'),
        clientSecret: required('FHIR_CLIENT_SECRET'),
        scopes: r.raw('FHIR_SCOPES'),
      };
      break;
    case 'smart-backend': {
      const tokenUrl = url('FHIR_TOKEN_URL', r.raw('FHIR_TOKEN_URL'));
      const fhirBaseUrl = r.raw('FHIR_BASE_URL');
      if (!tokenUrl && !fhirBaseUrl) {
        r.problems.push('FHIR_TOKEN_URL: required when FHIR_BASE_URL is not set (token endpoint discovery)');
      }
      const clientId = required('FHIR_CLIENT_ID');
      const keyId = required('FHIR_KEY_ID');
      const rawKey = required('FHIR_PRIVATE_KEY');
      const key = rawKey ? readSigningKey(rawKey, r.raw('FHIR_JWT_ALG'), r.problems) : undefined;
      config = {
        mode,
        fhirBaseUrl: fhirBaseUrl?.replace(/\/+$/, '') ?? '',
        tokenUrl,
        clientId,
        keyId,
        privateKeyPem: key?.pem ?? '',
        algorithm: key?.algorithm ?? 'RS384',
        scopes: r.raw('FHIR_SCOPES') ?? DEFAULTS.fhir.smartScopes,
      };
      break;
    }
  }
  return r.problems.length > 0 ? { problems: r.problems } : { config, problems: [] };
}

/**
 * Checks the private key and picks the algorithm from its type (RSA → RS384, P-384 →
 * ES384). Keys are re-exported as PKCS#8 so that PKCS#1/SEC1 PEMs work too; `\n` escapes
 * (keys pasted into .env files) are accepted.
 */
function readSigningKey(
  raw: string,
  requestedAlg: string | undefined,
  problems: string[],
): { pem: string; algorithm: SmartSigningAlgorithm } | undefined {
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
    problems.push(
      `FHIR_JWT_ALG: ${requestedAlg === 'RS384' || requestedAlg === 'ES384' ? `does not match the key type (${algorithm})` : 'must be RS384 or ES384'}`,
    );
    return undefined;
  }
  return { pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm };
}
