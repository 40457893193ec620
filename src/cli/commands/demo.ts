import type { Command } from 'commander';
import { Option } from 'commander';
import { runDemo } from '../../tools/demo/run-demo';
import { assertDemoEhrAvailable, DEMO_EHRS } from '../../tools/demo/demo-ehr';
import type { DemoEhr } from '../../tools/demo/demo-ehr';
import { generateSigningKey } from '../../ehr/auth/signing-keys';
import { processIo } from '../output';
import { exitOnShutdownSignal, failAndExit } from '../process-exit';

interface DemoCommandOptions {
  keepRunning?: boolean;
  mapping?: string;
  ehr?: DemoEhr;
}

/** `demo`: sandbox + simulator + bridge, one sample case, no other set-up. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'start the FHIR sandbox, the Pulsara simulator and the bridge, drive a sample stroke case through, print what was written',
    )
    .option('--keep-running', 'stay up afterwards on ports 8090 (sandbox), 8070 (simulator), 8080 (bridge)')
    .option('--mapping <file>', 'use this mapping file instead of the shipped one')
    .addOption(
      new Option(
        '--ehr <vendor>',
        "play this EHR: its emulator (sandbox --profile), SMART Backend Services with a fresh key, the bridge's dialect and mapping for it",
      ).choices(DEMO_EHRS),
    )
    .action(async (opts: DemoCommandOptions) => {
      try {
        if (opts.ehr) {
          assertDemoEhrAvailable(opts.ehr);
        }
        // A key made for this run, as `keys generate` makes one; the emulator gets its public half.
        const signingKey = opts.ehr ? await generateSigningKey('RS384') : undefined;
        const result = await runDemo({
          keepRunning: Boolean(opts.keepRunning),
          mappingFile: opts.mapping,
          ehr: opts.ehr,
          signingKey,
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
