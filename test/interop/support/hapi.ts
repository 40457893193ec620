import type {
  Bundle,
  DocumentReference,
  Observation,
  OperationOutcome,
  OperationOutcomeIssue,
  Resource,
} from '@medplum/fhirtypes';
import { DEFAULT_CSN_SYSTEM, DEFAULT_MRN_SYSTEM } from '../../../src/tools/sandbox/seed';

/**
 * A small HTTP client for the HAPI FHIR server the interop tests write to (started by
 * test/hapi/start.sh). Raw fetch on purpose: the tests check HAPI's own answers, not the
 * bridge's FHIR client.
 */

/** FHIR base of the HAPI server under test. */
export const HAPI_BASE_URL = (process.env.HAPI_BASE_URL ?? 'http://127.0.0.1:8091/fhir').replace(/\/+$/, '');

const FHIR_JSON = 'application/fhir+json';

export interface HapiAnswer<T = Resource> {
  status: number;
  body: T;
}

/** Any request against HAPI; the body is parsed as JSON when there is one. */
export async function hapiRequest<T = Resource>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HapiAnswer<T>> {
  const res = await fetch(`${HAPI_BASE_URL}/${path.replace(/^\//, '')}`, {
    method,
    headers: { Accept: FHIR_JSON, ...(body === undefined ? {} : { 'Content-Type': FHIR_JSON }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** GET that must answer 200. */
export async function hapiGet<T = Resource>(path: string): Promise<T> {
  const answer = await hapiRequest<T>('GET', path);
  if (answer.status !== 200) {
    throw new Error(`GET ${path} on HAPI answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`);
  }
  return answer.body;
}

/** Fails fast, with the way to fix it, when HAPI is not running. */
export async function requireHapi(): Promise<void> {
  try {
    const res = await fetch(`${HAPI_BASE_URL}/metadata`, { headers: { Accept: FHIR_JSON } });
    await res.arrayBuffer(); // an unread body would hold the socket open after the tests
    if (res.status === 200) {
      return;
    }
    throw new Error(`status ${res.status}`);
  } catch (err) {
    throw new Error(
      `HAPI FHIR does not answer at ${HAPI_BASE_URL}/metadata (${err instanceof Error ? err.message : String(err)}). ` +
        'Start it with test/hapi/build.sh && test/hapi/start.sh, or set HAPI_BASE_URL.',
    );
  }
}

/** Every resource of a search (one page of up to 200 is plenty for one test's patient). */
export async function searchAll<T extends Resource>(
  resourceType: T['resourceType'],
  query: Record<string, string>,
): Promise<T[]> {
  const params = new URLSearchParams({ ...query, _count: '200' });
  const bundle = await hapiGet<Bundle<T>>(`${resourceType}?${params.toString()}`);
  if (bundle.link?.some((link) => link.relation === 'next')) {
    throw new Error(`${resourceType} search has more than 200 results; narrow it`);
  }
  return (bundle.entry ?? []).map((entry) => entry.resource as T);
}

/** How many resources of a type HAPI holds (optionally narrowed by a query). */
export async function countOf(resourceType: string, query: Record<string, string> = {}): Promise<number> {
  const params = new URLSearchParams({ ...query, _summary: 'count' });
  const bundle = await hapiGet<Bundle>(`${resourceType}?${params.toString()}`);
  return bundle.total ?? 0;
}

/** ERROR and FATAL issues of an OperationOutcome. */
export function errorIssues(outcome: OperationOutcome | undefined): OperationOutcomeIssue[] {
  return (outcome?.issue ?? []).filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
}

/** Runs HAPI's `$validate` on a resource as read back, returning its error issues. */
export async function validateOnHapi(resource: Resource): Promise<{ status: number; errors: OperationOutcomeIssue[] }> {
  const answer = await hapiRequest<OperationOutcome>('POST', `${resource.resourceType}/$validate`, resource);
  return { status: answer.status, errors: errorIssues(answer.body) };
}

/** Creates `resource` unless one with `identifier=system|value` exists; returns its id. */
export async function conditionalCreate(resource: Resource, system: string, value: string): Promise<string> {
  const answer = await hapiRequest('POST', resource.resourceType, resource, {
    'If-None-Exist': `identifier=${system}|${value}`,
  });
  if ((answer.status !== 200 && answer.status !== 201) || !answer.body?.id) {
    throw new Error(
      `conditional create of ${resource.resourceType} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`,
    );
  }
  return answer.body.id;
}

/**
 * Registers a patient (by MRN) and an open ED visit (by CSN) as the hospital's
 * registration system would, before Pulsara's event arrives. Idempotent.
 */
export async function registerPatientAndVisit(
  mrn: string,
  csn: string,
): Promise<{ patientId: string; encounterId: string }> {
  const patientId = await conditionalCreate(
    {
      resourceType: 'Patient',
      identifier: [
        {
          use: 'usual',
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
          system: DEFAULT_MRN_SYSTEM,
          value: mrn,
        },
      ],
      name: [{ family: 'Ruiz', given: ['Ana'] }],
      gender: 'female',
      birthDate: '1951-04-09',
    },
    DEFAULT_MRN_SYSTEM,
    mrn,
  );
  const encounterId = await conditionalCreate(
    {
      resourceType: 'Encounter',
      identifier: [{ use: 'usual', system: DEFAULT_CSN_SYSTEM, value: csn }],
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER', display: 'emergency' },
      subject: { reference: `Patient/${patientId}` },
      period: { start: '2026-11-25T19:02:40Z' },
    },
    DEFAULT_CSN_SYSTEM,
    csn,
  );
  return { patientId, encounterId };
}

/** The DocumentReferences HAPI holds for a patient. */
export function documentsOf(patientId: string): Promise<DocumentReference[]> {
  return searchAll<DocumentReference>('DocumentReference', { subject: `Patient/${patientId}` });
}

/** The Observations HAPI holds for a patient. */
export function observationsOf(patientId: string): Promise<Observation[]> {
  return searchAll<Observation>('Observation', { subject: `Patient/${patientId}` });
}

/** `Type/id` -> versionId of every DocumentReference and Observation of a patient. */
export async function versionsOf(patientId: string): Promise<Record<string, string | undefined>> {
  const resources: Resource[] = [...(await documentsOf(patientId)), ...(await observationsOf(patientId))];
  return Object.fromEntries(resources.map((r) => [`${r.resourceType}/${r.id}`, r.meta?.versionId]));
}
