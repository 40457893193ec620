import fs from 'node:fs';
import { commandEnvironment } from '../../config/env';
import { parseEhrAuthConfig } from '../../config/ehr-auth-config';
import { dryRunDelivery } from '../../delivery/dry-run';
import type { DryRun } from '../../delivery/dry-run';
import { createEhrAuth } from '../../ehr/auth';
import { createFhirClient } from '../../ehr/fhir-client';
import type { FhirClient } from '../../ehr/types';
import { parseJsonText } from '../../mapping/check/json-text';
import { PLACEHOLDER_PATIENT, previewMapping } from '../../mapping/check/preview';
import type { MappingPreview } from '../../mapping/check/preview';
import type { MappingFile } from '../../mapping/types';
import type { PatientChannel } from '../../pulsara/types';
import { BridgeError, isBridgeError } from '../../shared/errors';
import { jsonText, processIo } from '../output';
import type { CommandIo } from '../output';
import { loadOrReport, plural } from './mapping-load';
import { formatPreviewText } from './preview-text';

export interface PreviewOptions {
  /** A saved channel: the JSON of GET /api/v1/patient-channels/<id>. */
  channel: string;
  /** A PSR PDF; without it the DocumentReference is not shown. */
  pdf?: string;
  patient?: string;
  encounter?: string;
  /** DocumentReference.date; defaults to the current time. */
  now?: Date;
  /** A FHIR base to dry-run the delivery against (reads only). */
  ehr?: string;
  /** Exit 2 on any warning (or a lookup that would stop). */
  strict?: boolean;
  /** Default json here; the command picks text when stdout is a terminal. */
  format?: 'text' | 'json';
}

/** What the command prints: the preview, and the dry run when --ehr was given. */
export type PreviewReport = MappingPreview & { dryRun?: DryRun };

/** Exit code of `--strict` when there are warnings: apart from 1 (the mapping or input is broken). */
export const EXIT_WARNINGS = 2;

const REFERENCE = /^(Patient|Encounter)\/[A-Za-z0-9\-.]{1,64}$/;

/** A user-facing failure of the command: printed as is, exit 1. */
class UsageError extends Error {}

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

function reference(value: string | undefined, option: string): string | undefined {
  if (value !== undefined && !REFERENCE.test(value)) {
    throw new UsageError(
      `${option} must be a reference such as ${option === '--patient' ? 'Patient/123' : 'Encounter/456'}`,
    );
  }
  return value;
}

interface Inputs {
  mapping: MappingFile;
  channel: PatientChannel;
  summary?: Buffer;
  now: Date;
}

function readInputs(mapping: MappingFile, options: PreviewOptions): Inputs {
  const channel = readChannel(options.channel);
  const summary = options.pdf === undefined ? undefined : readPdf(options.pdf);
  reference(options.patient, '--patient');
  reference(options.encounter, '--encounter');
  return { mapping, channel, summary, now: options.now ?? new Date() };
}

/** Whether --strict fails: any warning, an entry that fails, or a delivery that would stop. */
function hasWarnings(report: PreviewReport): boolean {
  return (
    report.warnings.length > 0 ||
    report.lookup.ignored !== undefined ||
    report.dryRun?.lookup.outcome === 'stopped' ||
    report.dryRun?.mappingError !== undefined
  );
}

function notes(report: PreviewReport, inputs: Inputs, options: PreviewOptions): string[] {
  const list: string[] = [];
  if (report.dryRun === undefined && options.patient === undefined) {
    list.push(
      `subject is the placeholder ${PLACEHOLDER_PATIENT}; the bridge finds the real patient by ${inputs.mapping.patient.identifierName} (use --patient to set one, or --ehr to look it up)`,
    );
  }
  if (report.document.skipReason === 'no-pdf') {
    list.push('no --pdf given: the summary DocumentReference is not shown');
  } else if (report.document.status === 'skipped' && report.document.reason !== undefined) {
    list.push(report.document.reason);
  }
  const written = report.observations.filter((o) => o.status === 'written').length;
  const where = report.dryRun ? `nothing was written to ${report.dryRun.ehr}` : 'nothing was posted';
  list.push(`${written} of ${plural(report.observations.length, 'observation')} would be written; ${where}`);
  return list;
}

/** Prints the report in the chosen format, notes and errors on stderr; returns the exit code. */
function finish(report: PreviewReport, inputs: Inputs, options: PreviewOptions, io: CommandIo): number {
  io.out(options.format === 'text' ? formatPreviewText(report) : jsonText(report));
  io.err(
    notes(report, inputs, options)
      .map((n) => `note: ${n}\n`)
      .join(''),
  );
  if (report.errors.length > 0) {
    io.err(report.errors.map((e) => `mapping preview: ${e.message}\n`).join(''));
    return 1;
  }
  if (options.strict && hasWarnings(report)) {
    io.err(
      `mapping preview: --strict: there are warnings, or the delivery would stop (see above); exit ${EXIT_WARNINGS}\n`,
    );
    return EXIT_WARNINGS;
  }
  return 0;
}

function fail(err: unknown, io: CommandIo): number {
  if (err instanceof UsageError || isBridgeError(err)) {
    io.err(`mapping preview: ${err.message}\n`);
    return 1;
  }
  throw err;
}

/**
 * `mapping preview <file> --channel <json> [--pdf <file>]`: what the mapping makes of a
 * saved channel (resources, skipped entries and why, warnings, the identifier lookup,
 * unmapped times), as JSON or text on stdout. Posts nothing.
 */
export function previewMappingAction(file: string, options: PreviewOptions, io: CommandIo = processIo): number {
  const mapping = loadOrReport(file, io);
  if (!mapping) {
    return 1;
  }
  try {
    const inputs = readInputs(mapping, options);
    const preview = previewMapping(mapping, inputs.channel, {
      summary: inputs.summary,
      patient: options.patient,
      encounter: options.encounter,
      now: inputs.now,
    });
    return finish(preview, inputs, options, io);
  } catch (err) {
    return fail(err, io);
  }
}

/** The FHIR client of a dry run: the base given, authenticated as FHIR_AUTH says (default none). */
function dryRunClient(base: string): FhirClient {
  if (!/^https?:\/\/[^\s]+$/.test(base)) {
    throw new UsageError(`--ehr must be the FHIR base URL of a (test) EHR, e.g. http://localhost:8090/fhir`);
  }
  const { config, problems } = parseEhrAuthConfig(commandEnvironment());
  if (!config) {
    throw new BridgeError('config-invalid', problems.join('; '));
  }
  return createFhirClient({ baseUrl: base, auth: createEhrAuth(config) });
}

/**
 * `mapping preview … --ehr <FHIR base>`: the preview plus a dry run of the delivery against
 * that EHR: the real patient and visit lookup, and the write plan against what the chart
 * holds. Reads only; writes nothing.
 */
export async function dryRunMappingAction(
  file: string,
  options: PreviewOptions & { ehr: string },
  io: CommandIo = processIo,
  client?: FhirClient,
): Promise<number> {
  const mapping = loadOrReport(file, io);
  if (!mapping) {
    return 1;
  }
  try {
    const inputs = readInputs(mapping, options);
    const fhir = client ?? dryRunClient(options.ehr);
    const dryRun = await dryRunDelivery({ fhir, ...inputs });
    // The resources shown are those the delivery would write: for the subject it found.
    const found = dryRun.lookup.outcome === 'found';
    const preview = previewMapping(mapping, inputs.channel, {
      summary: inputs.summary,
      patient: found ? `Patient/${dryRun.lookup.patientId}` : undefined,
      encounter: found && dryRun.lookup.encounterId ? `Encounter/${dryRun.lookup.encounterId}` : undefined,
      now: inputs.now,
    });
    return finish({ ...preview, dryRun }, inputs, options, io);
  } catch (err) {
    return fail(err, io);
  }
}
