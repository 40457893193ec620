import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_CSN_SYSTEM, DEFAULT_MRN_SYSTEM, seedSandbox, startSandbox } from '../../tools/sandbox';
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
}

/**
 * `sandbox`: the embedded FHIR R4 server alone. Prints its base URL on stdout (the only
 * stdout line, so scripts can capture it), logs requests on stderr, and runs until
 * SIGINT/SIGTERM. It binds 127.0.0.1 by default because it has no authentication;
 * pass `--host 0.0.0.0` inside a container.
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
    .action(async (opts: SandboxCommandOptions) => {
      let logger;
      try {
        logger = createLogger({ level: logLevelOf(commandEnvironment()) });
      } catch (err) {
        failAndExit(err);
      }
      try {
        const sandbox = await startSandbox({ port: opts.port, host: opts.host, logger });
        if (opts.seed) {
          const seeded = await seedSandbox(sandbox.repo, { mrnSystem: opts.mrnSystem, csnSystem: opts.csnSystem });
          logger.info('sandbox seeded', { patientId: seeded.patientId, encounterId: seeded.encounterId });
        }
        processIo.out(`${sandbox.baseUrl}\n`);
        logger.info('sandbox listening', { baseUrl: sandbox.baseUrl });
        exitOnShutdownSignal(logger, () => sandbox.close());
      } catch (err) {
        failAndExit(err, logger);
      }
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  }
  return port;
}
