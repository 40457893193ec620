import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { logLevelOf } from '../../config/command-settings';
import { DEFAULTS } from '../../config/defaults';
import { SIGNATURE_SCHEMES } from '../../config/settings';
import type { SignatureScheme } from '../../config/settings';
import { commandEnvironment, processEnvironment } from '../../config/env';
import type { Env } from '../../config/env';
import { createLogger } from '../../shared/logger';
import { processIo } from '../output';
import {
  DEFAULT_SIMULATOR_TOKEN,
  STROKE_CHANNEL_ID,
  buildIdentifierEvent,
  seedChannels,
  sendWebhook,
  startSimulator,
} from '../../tools/simulator';

/** What the commands touch outside themselves, replaceable in tests. */
export interface SimulatorCommandDeps {
  /** Writes to stdout. */
  out?: (text: string) => void;
  /** Resolves with the signal's name when the server should stop (default SIGINT/SIGTERM). */
  waitForStop?: () => Promise<string>;
  /** Exit status of `simulator send` (default: sets process.exitCode). */
  setExitCode?: (code: number) => void;
  env?: Env;
}

interface ServeOptions {
  port: number;
  host: string;
  token?: string;
  tokenHeader?: string;
}

interface SendOptions {
  url: string;
  secret?: string;
  scheme?: string;
  channel: string;
  identifierName: string;
  identifierId?: string;
  category?: string;
  type: 'created' | 'updated';
  eventId?: string;
  timestamp?: number;
  badSignature?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  }
  return port;
}

function parseType(value: string): 'created' | 'updated' {
  if (value !== 'created' && value !== 'updated') {
    throw new InvalidArgumentError("must be 'created' or 'updated'");
  }
  return value;
}

function parseTimestamp(value: string): number {
  const t = Number(value);
  if (!Number.isInteger(t) || t < 0) {
    throw new InvalidArgumentError('must be Unix seconds');
  }
  return t;
}

/** A variable, or the content of the file named by `<NAME>_FILE` (the one rule of config/env.ts). */
function envSecret(env: Env, name: string): string | undefined {
  const value = commandEnvironment(env)[name]?.trim();
  return value === '' ? undefined : value;
}

function waitForShutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** The identifier's id and category in the seeded channel, so defaults match what the API serves. */
function seededIdentifier(channelId: string, name: string): { id?: string; category?: string } {
  const channel = seedChannels().find((candidate) => candidate.id === channelId);
  const identifier = channel?.identifiers?.find((candidate) => candidate.name === name);
  return { id: identifier?.id, category: identifier?.category };
}

async function sendCommand(
  opts: SendOptions,
  deps: Required<Omit<SimulatorCommandDeps, 'waitForStop'>>,
): Promise<void> {
  const { env, out } = deps;
  const secret =
    opts.secret ??
    envSecret(env, 'PULSARA_WEBHOOK_SECRETS')
      ?.split(',')
      .map((s) => s.trim())
      .find((s) => s !== '');
  if (!secret) {
    throw new Error('no webhook secret: pass --secret or set PULSARA_WEBHOOK_SECRETS');
  }
  const scheme = (opts.scheme ?? env.PULSARA_SIGNATURE_SCHEME ?? DEFAULTS.webhook.scheme) as SignatureScheme;
  if (!SIGNATURE_SCHEMES.includes(scheme)) {
    throw new Error(`unknown signature scheme "${scheme}": use ${SIGNATURE_SCHEMES.join(' or ')}`);
  }
  const seeded = seededIdentifier(opts.channel, opts.identifierName);
  const event = buildIdentifierEvent({
    channelId: opts.channel,
    identifier: {
      id: opts.identifierId ?? seeded.id ?? `cid_${opts.identifierName.toLowerCase()}`,
      name: opts.identifierName,
      category: opts.category ?? seeded.category ?? 'hospital',
    },
    type: opts.type,
    eventId: opts.eventId,
  });
  out(
    `POST ${opts.url} ${event.type} ${event.id} (channel ${opts.channel}, ${opts.identifierName}, ${scheme}${opts.badSignature ? ', bad signature' : ''})\n`,
  );
  let result: { status: number; body: string };
  try {
    result = await sendWebhook({
      url: opts.url,
      secret,
      scheme,
      event,
      t: opts.timestamp,
      badSignature: opts.badSignature,
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Error(
      `could not reach ${opts.url} (${typeof code === 'string' ? code : err instanceof Error ? err.message : String(err)})`,
    );
  }
  out(`HTTP ${result.status}\n${result.body}${result.body.endsWith('\n') || result.body === '' ? '' : '\n'}`);
  deps.setExitCode(result.status >= 200 && result.status < 300 ? 0 : 1);
}

/**
 * `simulator`: the Pulsara API simulator alone, serving until SIGINT/SIGTERM; its base URL
 * is the only stdout line. `simulator send`: fires one signed identifier webhook at the
 * bridge, prints the HTTP status and body, and exits 0 on 2xx, 1 otherwise.
 */
export function registerSimulatorCommand(program: Command, deps: SimulatorCommandDeps = {}): void {
  const env = deps.env ?? processEnvironment();
  const out = deps.out ?? processIo.out;
  const setExitCode = deps.setExitCode ?? ((code: number) => void (process.exitCode = code));
  const waitForStop = deps.waitForStop ?? waitForShutdownSignal;

  const simulator = program
    .command('simulator')
    .description('run the Pulsara API simulator (channels, summary PDFs, fault injection under /_sim)')
    .option('--port <n>', 'HTTP port (0 picks a free one)', parsePort, 8070)
    .option(
      '--host <address>',
      'interface to bind; 0.0.0.0 to accept outside connections (e.g. in Docker)',
      '127.0.0.1',
    )
    .option('--token <token>', `API token to require (default $PULSARA_API_TOKEN, else ${DEFAULT_SIMULATOR_TOKEN})`)
    .option(
      '--token-header <name>',
      `header carrying the token (default $PULSARA_API_TOKEN_HEADER, else ${DEFAULTS.pulsara.tokenHeader})`,
    )
    .action(async (opts: ServeOptions) => {
      const logger = createLogger({ level: logLevelOf(env) });
      const fromEnv = envSecret(env, 'PULSARA_API_TOKEN');
      const sim = await startSimulator({
        port: opts.port,
        host: opts.host,
        token: opts.token ?? fromEnv ?? DEFAULT_SIMULATOR_TOKEN,
        tokenHeader: opts.tokenHeader ?? env.PULSARA_API_TOKEN_HEADER ?? DEFAULTS.pulsara.tokenHeader,
        logger,
      });
      out(`${sim.baseUrl}\n`);
      // The token's source, never its value unless it is the public default.
      logger.info('simulator ready', {
        baseUrl: sim.baseUrl,
        tokenSource: opts.token ? '--token' : fromEnv ? 'PULSARA_API_TOKEN' : `default (${DEFAULT_SIMULATOR_TOKEN})`,
      });
      const signal = await waitForStop();
      logger.info('simulator shutting down', { signal });
      await sim.close();
    });

  simulator
    .command('send')
    .description('send one signed patient_channel.identifier webhook to the bridge')
    .option('--url <url>', 'webhook endpoint', 'http://localhost:8080/webhooks/pulsara')
    .option('--secret <secret>', 'signing secret (default: first of $PULSARA_WEBHOOK_SECRETS)')
    .option('--scheme <scheme>', 'timestamped or hmac-sha256 (default $PULSARA_SIGNATURE_SCHEME, else timestamped)')
    .option('--channel <id>', 'patient channel id', STROKE_CHANNEL_ID)
    .option('--identifier-name <name>', 'identifier name, as configured in Pulsara', 'MRN')
    .option('--identifier-id <id>', "identifier id (default: the seeded channel's, e.g. cid_501 for MRN)")
    .option('--category <category>', 'identifier category (default: the seeded one, else hospital)')
    .option('--type <type>', 'created or updated', parseType, 'updated')
    .option('--event-id <id>', 'event id, to simulate a redelivery (default: a new one)')
    .option('--timestamp <unix-seconds>', 'signature time (default now), to test the tolerance window', parseTimestamp)
    .option('--bad-signature', 'sign with a wrong secret, to test the 401 path')
    .action((opts: SendOptions) => sendCommand(opts, { env, out, setExitCode }));
}
