import { Option } from 'commander';
import type { Command } from 'commander';
import { processIo } from '../output';
import type { CommandIo } from '../output';
import { dryRunMappingAction, previewMappingAction } from './mapping-preview';
import type { PreviewOptions } from './mapping-preview';
import { loadOrReport, plural } from './mapping-load';

export { dryRunMappingAction, previewMappingAction } from './mapping-preview';
export type { PreviewOptions, PreviewReport } from './mapping-preview';

/** `mapping validate <file>`: every problem with its JSON path; 0 when there are none. */
export function validateMappingAction(file: string, io: CommandIo = processIo): number {
  const mapping = loadOrReport(file, io);
  if (!mapping) {
    return 1;
  }
  io.out(
    `OK: ${mapping.name} v${mapping.version}, ${plural(mapping.observations.length, 'observation')}${mapping.document ? ' and the summary document' : ''}\n`,
  );
  return 0;
}

/** The output format: as asked, else text for a person at a terminal and JSON for a script. */
function formatOf(asked: PreviewOptions['format']): 'text' | 'json' {
  return asked ?? (process.stdout.isTTY ? 'text' : 'json');
}

/** Adds `mapping validate` and `mapping preview` to the CLI. */
export function registerMappingCommand(program: Command): void {
  const mapping = program
    .command('mapping')
    .description('check a mapping file, or preview what it makes from a saved channel');
  mapping
    .command('validate')
    .argument('<file>', 'mapping file, e.g. mappings/default.json')
    .description('report every problem in a mapping file, each with its JSON path; exit 1 if any')
    .action((file: string) => {
      process.exitCode = validateMappingAction(file);
    });
  mapping
    .command('preview')
    .argument('<file>', 'mapping file')
    .requiredOption('--channel <channel.json>', 'a saved channel (the JSON of GET /api/v1/patient-channels/<id>)')
    .option('--pdf <file>', 'a PSR PDF, to show the DocumentReference')
    .option('--patient <ref>', 'patient reference to use as subject, e.g. Patient/123')
    .option('--encounter <ref>', 'encounter reference, e.g. Encounter/456')
    .option('--ehr <FHIR base>', 'dry run against this (test) EHR: the real lookup and the write plan; reads only')
    .option('--strict', 'exit 2 on any warning, or when the delivery would stop (no MRN, patient not found)')
    .addOption(
      new Option('--format <format>', 'output format (default: text at a terminal, json otherwise)').choices([
        'text',
        'json',
      ]),
    )
    .description(
      'show what the mapping makes of a saved channel: resources, skipped entries and why, warnings, the lookup; posts nothing',
    )
    .action(async (file: string, opts: PreviewOptions) => {
      const options: PreviewOptions = { ...opts, format: formatOf(opts.format) };
      const ehr = options.ehr;
      process.exitCode =
        ehr === undefined ? previewMappingAction(file, options) : await dryRunMappingAction(file, { ...options, ehr });
    });
}
