#!/usr/bin/env node
import { Command } from 'commander';
import { registerServeCommand } from './commands/serve';
import { registerDemoCommand } from './commands/demo';
import { registerSandboxCommand } from './commands/sandbox';
import { registerSimulatorCommand } from './commands/simulator';
import { registerMappingCommand } from './commands/mapping';
import { registerEventsCommand } from './commands/events';
import { registerKeysCommand } from './commands/keys';
import { version } from '../version';
import { failAndExit } from './process-exit';

const program = new Command();
program
  .name('pulsara-fhir-bridge')
  .description('Moves Pulsara Summary Reports and case timestamps into an EHR over FHIR R4')
  .version(version);

registerServeCommand(program);
registerDemoCommand(program);
registerSandboxCommand(program);
registerSimulatorCommand(program);
registerMappingCommand(program);
registerEventsCommand(program);
registerKeysCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => failAndExit(err));
