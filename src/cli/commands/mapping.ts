import fs from 'node:fs';
import type { Command } from 'commander';
import { buildResources } from '../../mapping/build/build-resources';
import { parseJsonText } from '../../mapping/check/json-text';
import { loadMapping } from '../../mapping/check/loader';
import { formatProblems, isMappingError } from '../../mapping/check/mapping-error';
import { toPreview } from '../../mapping/check/preview';
import type { MappingFile } from '../../mapping/types';
import type { PatientChannel } from '../../pulsara/types';
import { isBridgeError } from '../../shared/errors';
import { processIo } from '../output';
import type { CommandIo } from '../output';

export interface PreviewOptions {
  /** A saved channel: the JSON of GET /api/v1/patient-channels/<id>. */
  channel: string;
  /** A PSR PDF; without it the DocumentReference is not shown. */
  pdf?: string;
  patient?: string;
  encounter?: string;
  /** DocumentReference.date; defaults to the current time. */
  now?: Date;
}

const PLACEHOLDER_PATIENT = 'Patient/preview-patient';
const REFERENCE = /^(Patient|Encounter)\/[A-Za-z0-9\-.]{1,64}$/;

/** A user-facing failure of the command: printed as is, exit 1. */
class UsageError extends Error {}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Loads a mapping, printing its problems (all of them) on failure. */
function loadOrReport(file: string, io: CommandIo): MappingFile | undefined {
  try {
    return loadMapping(file);
  } catch (err) {
    if (!isMappingError(err)) {
      throw err;
    }
    io.out(`${file}: ${plural(err.problems.length, 'problem')}\n${formatProblems(err.problems)}\n`);
    return undefined;
  }
}

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

function readFileOrFail(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read the ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}`,
    );
  }
}

function readChannel(file: string): PatientChannel {
  // parseJsonText reports line and column without quoting the text, which holds PHI.
  const parsed = parseJsonText(readFileOrFail(file, 'channel file').toString('utf8'));
  if (!parsed.ok) {
    throw new UsageError(`the channel file ${file} is ${parsed.problem.message}`);
  }
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(
      `the channel file ${file} must hold one JSON object, as saved from GET /api/v1/patient-channels/<id>`,
    );
  }
  const record = value as Record<string, unknown>;
  if (typeof record.type === 'string' && typeof record.data === 'object') {
    throw new UsageError(
      `the channel file ${file} looks like a webhook event; save the channel itself (GET /api/v1/patient-channels/<id>) instead`,
    );
  }
  if (typeof record.id !== 'string' || record.id === '') {
    throw new UsageError(
      `the channel file ${file} has no "id"; save the whole answer of GET /api/v1/patient-channels/<id>`,
    );
  }
  return record as PatientChannel;
}

function readPdf(file: string): Buffer {
  const bytes = readFileOrFail(file, 'PDF');
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new UsageError(`${file} is not a PDF (it does not start with %PDF-)`);
  }
  return bytes;
}

function reference(value: string, option: string): { reference: string } {
  if (!REFERENCE.test(value)) {
    throw new UsageError(
      `${option} must be a reference such as ${option === '--patient' ? 'Patient/123' : 'Encounter/456'}`,
    );
  }
  return { reference: value };
}

/**
 * `mapping preview <file> --channel <json> [--pdf <file>]`: prints, as JSON on stdout,
 * the resources the mapping makes from a saved channel. Posts nothing. Notes (PDF left
 * out, placeholder patient) go to stderr so that stdout stays pure JSON.
 */
export function previewMappingAction(file: string, options: PreviewOptions, io: CommandIo = processIo): number {
  const mapping = loadOrReport(file, io);
  if (!mapping) {
    return 1;
  }
  try {
    const channel = readChannel(options.channel);
    const summary = options.pdf === undefined ? undefined : readPdf(options.pdf);
    const patient = reference(options.patient ?? PLACEHOLDER_PATIENT, '--patient');
    const encounter = options.encounter === undefined ? undefined : reference(options.encounter, '--encounter');
    const built = buildResources(mapping, { channel, patient, encounter, summary, now: options.now ?? new Date() });
    io.out(`${JSON.stringify(toPreview(mapping, channel.id, built), null, 2)}\n`);

    const notes: string[] = [];
    if (options.patient === undefined) {
      notes.push(
        `subject is the placeholder ${PLACEHOLDER_PATIENT}; the bridge finds the real patient by ${mapping.patient.identifierName} (use --patient to set one)`,
      );
    }
    if (mapping.document && !summary) {
      notes.push('no --pdf given: the summary DocumentReference is not shown');
    } else if (!mapping.document) {
      notes.push('this mapping has no document section: only Observations are written');
    }
    const written = built.observations.filter((o) => o.resource).length;
    notes.push(
      `${written} of ${plural(built.observations.length, 'observation')} would be written; nothing was posted`,
    );
    io.err(notes.map((n) => `note: ${n}\n`).join(''));
    return 0;
  } catch (err) {
    if (err instanceof UsageError || isBridgeError(err)) {
      io.err(`mapping preview: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
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
    .description('print the FHIR resources the mapping makes from a saved channel; posts nothing')
    .action((file: string, opts: PreviewOptions) => {
      process.exitCode = previewMappingAction(file, opts);
    });
}
