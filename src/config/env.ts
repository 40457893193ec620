import { readFileSync } from 'node:fs';
import { BridgeError } from '../shared/errors';

/** Environment variables as read: name to value. */
export type Env = Record<string, string | undefined>;

/**
 * The process environment. The only place in src/ that touches `process.env`: every command
 * reads its settings through config/, so tests pass an Env instead.
 */
export function processEnvironment(): Env {
  return process.env;
}

/**
 * Variables the bridge reads from `<NAME>_FILE` as well (Docker and Kubernetes secrets).
 * Only the bridge's own variables, so that an unrelated `*_FILE` in the environment
 * (TF_CLI_CONFIG_FILE, …) is left alone.
 */
const BRIDGE_VARIABLE = /^(PULSARA|FHIR|ADMIN|STORE|MAPPING)_/;

export interface ResolvedEnv {
  env: Env;
  problems: string[];
}

export type ReadFile = (path: string) => string;

const readUtf8: ReadFile = (path) => readFileSync(path, 'utf8');

/**
 * Resolves `<NAME>_FILE` variables: the value of NAME is read from that file, without its
 * final line break. The one rule for every secret of every command: setting both NAME and
 * NAME_FILE is a problem (which did the operator mean?), and so is a file that cannot be read.
 * Problems name the variable and the path, never a value.
 */
export function resolveFileVariables(source: Env, readFile: ReadFile = readUtf8): ResolvedEnv {
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
      env[name] = readFile(path).replace(/\r?\n$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${key}: cannot read the file ${path} (${code})`);
    }
  }
  return { env, problems };
}

/**
 * The environment of a command other than `serve` (sandbox, simulator, events…): `_FILE`
 * secrets resolved by the same rule; a problem stops the command with the variable named.
 */
export function commandEnvironment(source: Env = processEnvironment()): Env {
  const { env, problems } = resolveFileVariables(source);
  if (problems.length > 0) {
    throw new BridgeError('config-invalid', problems.join('; '));
  }
  return env;
}
