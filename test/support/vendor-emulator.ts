import type { DocumentReference, Observation, OperationOutcome, Provenance, Resource } from '@medplum/fhirtypes';
import { seedSandbox, startSandbox } from '../../src/tools/sandbox';
import type { RunningSandbox, SandboxProfileName, SeededSubject, SmartOptions } from '../../src/tools/sandbox';

/**
 * Helpers for tests against the sandbox's vendor profiles: a started emulator with the
 * sample patient and visit (and a second patient, to cross them), raw HTTP calls, and
 * resources that each vendor accepts, to be spoiled one element at a time.
 */

export const FHIR_JSON = 'application/fhir+json';
export const LOINC_SUMMARY = { system: 'http://loinc.org', code: '34133-9', display: 'Summary of episode note' };
export const FLOWSHEET_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679';

export interface Emulator {
  sandbox: RunningSandbox;
  subject: SeededSubject;
  /** A second patient with a visit of their own. */
  other: SeededSubject;
}

export async function startEmulator(profile: SandboxProfileName, smart?: SmartOptions): Promise<Emulator> {
  const sandbox = await startSandbox({ port: 0, profile, smart });
  const subject = await seedSandbox(sandbox.repo, { organization: 'Pulsara (transmitter)' });
  const other = await seedSandbox(sandbox.repo, { mrn: 'OTHER-MRN', csn: 'OTHER-CSN' });
  return { sandbox, subject, other };
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T | undefined;
  text: string;
}

export async function call<T = Resource>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Accept: FHIR_JSON, ...(body === undefined ? {} : { 'Content-Type': FHIR_JSON }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as T) : undefined, text };
}

/** The text of every issue of an OperationOutcome answer. */
export function issueTexts(answer: Answer<unknown>): string[] {
  const outcome = answer.body as OperationOutcome | undefined;
  return (outcome?.issue ?? []).map((issue) => `${issue.details?.text ?? ''} ${issue.diagnostics ?? ''}`.trim());
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A note Epic files: base64 text/plain, current, final, on the visit. */
export function epicNote(subject: SeededSubject, text = 'Pulsara stroke case summary'): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'final',
    type: { coding: [LOINC_SUMMARY] },
    subject: { reference: `Patient/${subject.patientId}` },
    date: '2026-11-25T20:00:00Z',
    content: [{ attachment: { contentType: 'text/plain', data: base64(text) } }],
    context: { encounter: [{ reference: `Encounter/${subject.encounterId}` }] },
  };
}

/** A reading Epic files to a flowsheet row. */
export function epicVital(subject: SeededSubject, row: string, time: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
    ],
    code: { coding: [{ system: FLOWSHEET_SYSTEM, code: row }] },
    subject: { reference: `Patient/${subject.patientId}` },
    encounter: { reference: `Encounter/${subject.encounterId}` },
    effectiveDateTime: time,
    valueString: time,
  };
}

/** A PDF note Millennium files. */
export function oracleNote(subject: SeededSubject): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'final',
    type: { coding: [LOINC_SUMMARY] },
    subject: { reference: `Patient/${subject.patientId}` },
    date: '2026-11-25T20:00:00Z',
    content: [{ attachment: { contentType: 'application/pdf', data: base64('%PDF-1.4 fake'), title: 'PSR' } }],
    context: {
      encounter: [{ reference: `Encounter/${subject.encounterId}` }],
      period: { start: '2026-11-25T19:02:40Z', end: '2026-11-25T19:58:00Z' },
    },
  };
}

/** A vital sign Millennium files: valueQuantity, performer and identifier. */
export function oracleVital(subject: SeededSubject): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    identifier: [{ system: 'urn:pulsara:obs', value: 'case-1-nihss' }],
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${subject.patientId}` },
    encounter: { reference: `Encounter/${subject.encounterId}` },
    effectiveDateTime: '2026-11-25T19:10:00Z',
    performer: [{ reference: `Organization/${subject.organizationId}` }],
    valueQuantity: { value: 88, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/** Provenance of a written resource, transmitted by the seeded Organization. */
export function oracleProvenance(subject: SeededSubject, target: string): Provenance {
  return {
    resourceType: 'Provenance',
    target: [{ reference: target }],
    recorded: '2026-11-25T20:00:05Z',
    agent: [
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'transmitter' },
          ],
        },
        who: { reference: `Organization/${subject.organizationId}` },
      },
    ],
  };
}
