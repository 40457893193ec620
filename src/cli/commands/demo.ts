import type { Command } from 'commander';
import { runDemo } from '../../tools/demo/run-demo';
import { processIo } from '../output';
import { exitOnShutdownSignal, failAndExit } from '../process-exit';

/** `demo`: sandbox + simulator + bridge, one sample case, no other set-up. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'start the FHIR sandbox, the Pulsara simulator and the bridge, drive a sample stroke case through, print what was written',
    )
    .option('--keep-running', 'stay up afterwards on ports 8090 (sandbox), 8070 (simulator), 8080 (bridge)')
    .option('--mapping <file>', 'use this mapping file instead of mappings/default.json')
    .action(async (opts: { keepRunning?: boolean; mapping?: string }) => {
      try {
        const result = await runDemo({
          keepRunning: Boolean(opts.keepRunning),
          mappingFile: opts.mapping,
          out: (line) => processIo.out(`${line}\n`),
        });
        if (opts.keepRunning) {
          exitOnShutdownSignal(undefined, () => result.close());
        } else {
          process.exit(0);
        }
      } catch (err) {
        failAndExit(err);
      }
    });
}
