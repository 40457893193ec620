import { createHash } from 'node:crypto';
import type { DocumentReference, Observation, Patient, Encounter, Resource } from '@medplum/fhirtypes';
import type { MappedObservation } from '../../../../src/mapping/types';
import type { FhirClient, FhirResponse, ResolvedSubject, WriteRequest } from '../../../../src/ehr/types';

/**
 * Hand-made mapped resources shaped like the mapping builder's output (identifiers
 * `<base>/psr-version` = channel.sha1, `<base>/psr` = channel, `<base>/timeline` =
 * channel.key), so that the writer is tested without depending on the mapping code.
 */
export const BASE_SYSTEM = 'https://bridge.example.org/fhir/identifiers';
const TIME_CODES = 'https://hospital.example.org/codes/pulsara-times';

export interface DeliverySpec {
  channelId: string;
  subject: ResolvedSubject;
  /** PSR bytes as text; omit for observations only. */
  pdf?: string;
  /** Time per timeline key; null means the time was removed. */
  times: Record<string, string | null>;
  onRemoved?: 'entered-in-error' | 'keep';
}

function observation(spec: DeliverySpec, key: string, time: string): Observation {
  return {
    resourceType: 'Observation',
    identifier: [{ system: `${BASE_SYSTEM}/timeline`, value: `${spec.channelId}.${key}` }],
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'activity' }] },
    ],
    code: { coding: [{ system: TIME_CODES, code: key }], text: key },
    subject: spec.subject.patient,
    ...(spec.subject.encounter && { encounter: spec.subject.encounter }),
    effectiveDateTime: time,
    valueDateTime: time,
  };
}

export function deliveryRequest(spec: DeliverySpec): WriteRequest {
  const observations: MappedObservation[] = Object.entries(spec.times).map(([key, time]) => ({
    key,
    identifier: { system: `${BASE_SYSTEM}/timeline`, value: `${spec.channelId}.${key}` },
    resource: time === null ? undefined : observation(spec, key, time),
    onRemoved: spec.onRemoved ?? 'entered-in-error',
  }));
  if (spec.pdf === undefined) {
    return { channelId: spec.channelId, subject: spec.subject, resources: { observations }, mappingVersion: 'test-1' };
  }
  const bytes = Buffer.from(`%PDF-1.4 ${spec.pdf}`);
  const sha1 = createHash('sha1').update(bytes).digest();
  const version = { system: `${BASE_SYSTEM}/psr-version`, value: `${spec.channelId}.${sha1.toString('hex')}` };
  const channel = { system: `${BASE_SYSTEM}/psr`, value: spec.channelId };
  const documentReference: DocumentReference = {
    resourceType: 'DocumentReference',
    masterIdentifier: version,
    identifier: [channel],
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: '34133-9', display: 'Summary of episode note' }] },
    category: [
      {
        coding: [
          {
            system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
            code: 'clinical-note',
          },
        ],
      },
    ],
    subject: spec.subject.patient,
    date: '2026-11-25T19:10:00Z',
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          data: bytes.toString('base64'),
          size: bytes.length,
          hash: sha1.toString('base64'),
          title: 'Pulsara Summary Report',
        },
      },
    ],
    ...(spec.subject.encounter && { context: { encounter: [spec.subject.encounter] } }),
  };
  return {
    channelId: spec.channelId,
    subject: spec.subject,
    resources: {
      documentReference,
      documentVersionIdentifier: version,
      documentChannelIdentifier: channel,
      observations,
    },
    mappingVersion: 'test-1',
  };
}

export function sha1Hex(pdf: string): string {
  return createHash('sha1')
    .update(Buffer.from(`%PDF-1.4 ${pdf}`))
    .digest('hex');
}

/** Registers a patient (and optionally a visit) over HTTP and returns the resolved subject. */
export async function registerSubject(
  client: FhirClient,
  label: string,
  withEncounter = false,
): Promise<ResolvedSubject> {
  const patient = await client.post<Patient>('Patient', {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:mrn', value: label }],
  });
  const patientId = patient.body?.id as string;
  const subject: ResolvedSubject = { patient: { reference: `Patient/${patientId}` }, patientId };
  if (!withEncounter) {
    return subject;
  }
  const encounter = await client.post<Encounter>('Encounter', {
    resourceType: 'Encounter',
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
    subject: subject.patient,
  });
  const encounterId = encounter.body?.id as string;
  return { ...subject, encounter: { reference: `Encounter/${encounterId}` }, encounterId };
}

/** A FhirClient that counts the writes going through it. */
export function recordingClient(inner: FhirClient): FhirClient & { writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    baseUrl: inner.baseUrl,
    get: (path) => inner.get(path),
    search: (type, query) => inner.search(type, query),
    capabilities: () => inner.capabilities(),
    post: <T extends Resource = Resource>(
      path: string,
      body: Resource,
      headers?: Record<string, string>,
    ): Promise<FhirResponse<T>> => {
      writes.push(`POST ${path || '(base)'}`);
      return inner.post<T>(path, body, headers);
    },
    put: <T extends Resource = Resource>(
      path: string,
      body: Resource,
      headers?: Record<string, string>,
    ): Promise<FhirResponse<T>> => {
      writes.push(`PUT ${path.split('/')[0]}`);
      return inner.put<T>(path, body, headers);
    },
  };
}
