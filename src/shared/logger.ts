import winston from 'winston';

/**
 * The bridge's logger: one JSON line per entry on stderr (so that CLI output on stdout
 * stays clean). Callers log ids and outcomes only; as a second line of defence, fields
 * whose names suggest PHI or secrets are masked before anything is written.
 */
export type Logger = winston.Logger;

const MASKED_KEYS =
  /^(patient|first_?name|last_?name|name|dob|birth_?date|mrn|csn|value|identifier_?value|pdf|data|body|token|secret|password|authorization|signature)$/i;

const maskPhi = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (MASKED_KEYS.test(key)) {
      (info as Record<string, unknown>)[key] = '[redacted]';
    }
  }
  return info;
});

export interface LoggerOptions {
  level?: string;
  /** Extra transport for tests that capture output. */
  stream?: NodeJS.WritableStream;
  silent?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const transports: winston.transport[] = options.stream
    ? [new winston.transports.Stream({ stream: options.stream })]
    : [
        new winston.transports.Console({
          stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
        }),
      ];
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent,
    format: winston.format.combine(maskPhi(), winston.format.timestamp(), winston.format.json()),
    transports,
  });
}

/** A logger that writes nothing, for library use and tests that do not inspect logs. */
export function silentLogger(): Logger {
  return createLogger({ silent: true });
}
