import { readFileSync } from 'node:fs';

/**
 * Resolves `<NAME>_FILE` variables: the value of NAME is read from that file (Docker and
 * Kubernetes secrets). Setting both NAME and NAME_FILE is a configuration error, since it is
 * unclear which one the operator meant. Only the bridge's own variables are resolved, so that an
 * unrelated `*_FILE` in the environment (TF_CLI_CONFIG_FILE, …) is left alone.
 */
const BRIDGE_VARIABLE = /^(PULSARA|FHIR|ADMIN|STORE|MAPPING)_/;

export type Env = Record<string, string | undefined>;

export interface ResolvedEnv {
  env: Env;
  problems: string[];
}

export function resolveFileVariables(source: Env): ResolvedEnv {
  const env: Env = { ...source };
  const problems: string[] = [];
  for (const [key, path] of Object.entries(source)) {
    if (!key.endsWith('_FILE') || !BRIDGE_VARIABLE.test(key) || !path) {
      continue;
    }
    const name = key.slice(0, -5);
    if (source[name] !== undefined && source[name] !== '') {
      problems.push(`${key}: both ${name} and ${key} are set; keep only one`);
      continue;
    }
    try {
      env[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${key}: cannot read the file ${path} (${code})`);
    }
  }
  return { env, problems };
}
