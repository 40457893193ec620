import { processEnvironment } from '../config/env';
import { isBridgeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { processIo } from './output';
import type { CommandIo } from './output';

/** Prints an error for the operator (no stack for expected errors) and exits 1. */
export function failAndExit(err: unknown, logger?: Logger, io: CommandIo = processIo): never {
  const message = err instanceof Error ? err.message : String(err);
  if (logger) {
    logger.error('fatal', { code: isBridgeError(err) ? err.code : 'internal', error: message });
  }
  io.err(`pulsara-fhir-bridge: ${message}\n`);
  if (!isBridgeError(err) && err instanceof Error && err.stack && processEnvironment().LOG_LEVEL === 'debug') {
    io.err(`${err.stack}\n`);
  }
  process.exit(1);
}

/** On SIGINT/SIGTERM: close gracefully, then exit 0; a second signal exits at once. */
export function exitOnShutdownSignal(logger: Logger | undefined, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    logger?.info('shutting down', { signal });
    close().then(
      () => process.exit(0),
      (err: unknown) => failAndExit(err, logger),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
