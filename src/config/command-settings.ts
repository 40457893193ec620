import { BridgeError } from '../shared/errors';
import { DEFAULTS } from './defaults';
import type { Env } from './env';
import { EnvReader } from './env-reader';
import { LOG_LEVELS } from './settings';
import type { LogLevel } from './settings';

/** Throws the reader's problems as one configuration error. */
function orFail<T>(reader: EnvReader, value: T): T {
  if (reader.problems.length > 0) {
    throw new BridgeError('config-invalid', reader.problems.join('; '));
  }
  return value;
}

/** `LOG_LEVEL` of any command, checked like serve checks it. */
export function logLevelOf(env: Env): LogLevel {
  const reader = new EnvReader(env);
  return orFail(reader, reader.oneOf('LOG_LEVEL', DEFAULTS.logLevel, LOG_LEVELS));
}

/** `STORE_URL` of the ledger commands (`events …`), defaulting like serve. */
export function storeUrlOf(env: Env): string {
  return new EnvReader(env).optional('STORE_URL', DEFAULTS.storeUrl);
}
