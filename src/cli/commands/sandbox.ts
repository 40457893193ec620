import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { JSONWebKeySet } from 'jose';
import {
  DEFAULT_CSN_SYSTEM,
  DEFAULT_MRN_SYSTEM,
  SANDBOX_PROFILES,
  seedSandbox,
  startSandbox,
} from '../../tools/sandbox';
import type { SandboxProfileName, SmartOptions } from '../../tools/sandbox';
import { BridgeError } from '../../shared/errors';
import { logLevelOf } from '../../config/command-settings';
import { commandEnvironment } from '../../config/env';
import { createLogger } from '../../shared/logger';
import { processIo } from '../output';
import { exitOnShutdownSignal, failAndExit } from '../process-exit';

interface SandboxCommandOptions {
  port: number;
  host: string;
  seed?: boolean;
  mrnSystem: string;
  csnSystem: string;
  profile: SandboxProfileName;
  clientId?: string;
  jwks?: string;
  tokenLifetime?: number;
}

/**
 * `sandbox`: the embedded FHIR R4 server alone. Prints its base URL on stdout (the only
 * stdout line, so scripts can capture it), logs requests on stderr, and runs until
 * SIGINT/SIGTERM. It binds 127.0.0.1 by default because it has no authentication unless a
 * SMART client is registered; pass `--host 0.0.0.0` inside a container. `--profile epic` or
 * `oracle` makes it answer writes as that EHR does; `--client-id` with `--jwks` adds a SMART
 * Backend Services token endpoint and requires its tokens on FHIR calls.
 */
export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('run the embedded FHIR R4 sandbox server (in memory, validating, referential integrity enforced)')
    .option('--port <n>', 'HTTP port (0 picks a free one)', parsePort, 8090)
    .option(
      '--host <address>',
      'interface to bind; 0.0.0.0 to accept outside connections (e.g. in Docker)',
      '127.0.0.1',
    )
    .option('--seed', 'register the sample Patient (MRN) and Encounter (CSN) of the simulator case')
    .option('--mrn-system <uri>', 'identifier system of the seeded MRN', DEFAULT_MRN_SYSTEM)
    .option('--csn-system <uri>', 'identifier system of the seeded CSN', DEFAULT_CSN_SYSTEM)
    .addOption(
      new Option('--profile <name>', 'behave for writes like this EHR').choices(SANDBOX_PROFILES).default('generic'),
    )
    .option(
      '--client-id <id>',
      'register a SMART Backend Services client (with --jwks): FHIR calls then need its token',
    )
    .option('--jwks <file>', "the client's public JWKS, as `keys generate` wrote it")
    .option('--token-lifetime <seconds>', 'expires_in of issued tokens', parseLifetime, 3600)
    .action(async (opts: SandboxCommandOptions) => {
      let logger;
      try {
        logger = createLogger({ level: logLevelOf(commandEnvironment()) });
      } catch (err) {
        failAndExit(err);
      }
      try {
        const smart = smartOptionsOf(opts);
        const sandbox = await startSandbox({ port: opts.port, host: opts.host, logger, profile: opts.profile, smart });
        if (opts.seed) {
          const seeded = await seedSandbox(sandbox.repo, {
            mrnSystem: opts.mrnSystem,
            csnSystem: opts.csnSystem,
            // A Provenance transmitter must be an Organization on Oracle.
            organization: opts.profile === 'oracle' ? 'Pulsara FHIR bridge' : undefined,
          });
          logger.info('sandbox seeded', { ...seeded });
        }
        processIo.out(`${sandbox.baseUrl}\n`);
        logger.info('sandbox listening', {
          baseUrl: sandbox.baseUrl,
          profile: sandbox.profile,
          tokenUrl: sandbox.tokenUrl,
          clientId: opts.clientId,
        });
        if (sandbox.profile !== 'generic' && !smart) {
          processIo.err(
            `pulsara-fhir-bridge: the ${sandbox.profile} profile runs without authentication; ` +
              'pass --client-id and --jwks to require SMART Backend Services tokens as the EHR does\n',
          );
        }
        exitOnShutdownSignal(logger, () => sandbox.close());
      } catch (err) {
        failAndExit(err, logger);
      }
    });
}

/** `--client-id` and `--jwks` together register one SMART client; either alone is a mistake. */
function smartOptionsOf(opts: SandboxCommandOptions): SmartOptions | undefined {
  if (opts.clientId === undefined && opts.jwks === undefined) {
    return undefined;
  }
  if (opts.clientId === undefined || opts.jwks === undefined) {
    throw new BridgeError('config-invalid', '--client-id and --jwks go together: the client and its public keys');
  }
  return {
    clients: [{ clientId: opts.clientId, jwks: readJwks(opts.jwks) }],
    tokenLifetimeSeconds: opts.tokenLifetime,
  };
}

function readJwks(file: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'not JSON';
    throw new BridgeError('config-invalid', `--jwks: cannot read a JSON Web Key Set from ${file} (${reason})`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (
    !Array.isArray(keys) ||
    keys.length === 0 ||
    !keys.every((k) => typeof (k as { kty?: unknown })?.kty === 'string')
  ) {
    throw new BridgeError('config-invalid', `--jwks: ${file} is not a JWKS ({"keys": [ ... ]} with public keys)`);
  }
  if (keys.some((k) => 'd' in (k as object))) {
    throw new BridgeError('config-invalid', `--jwks: ${file} holds a private key; give the public JWKS only`);
  }
  return parsed as JSONWebKeySet;
}

function parseLifetime(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86400) {
    throw new InvalidArgumentError('must be a whole number of seconds from 1 to 86400');
  }
  return seconds;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  }
  return port;
}
