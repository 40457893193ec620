import type { Command } from 'commander';
import { loadServeConfig } from '../../config/serve-config';
import { createLogger } from '../../shared/logger';
import { startBridge } from '../../bridge';
import { exitOnShutdownSignal, failAndExit } from '../process-exit';

/** `serve`: the production service, configured by the environment (docs/interface.md). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the webhook intake and the delivery workers (configured by environment variables; see README)')
    .action(async () => {
      let config;
      try {
        config = loadServeConfig();
      } catch (err) {
        failAndExit(err);
      }
      const logger = createLogger({ level: config.logLevel });
      try {
        const bridge = await startBridge(config, logger);
        exitOnShutdownSignal(logger, () => bridge.close());
      } catch (err) {
        failAndExit(err, logger);
      }
    });
}
