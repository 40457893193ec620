import { parseSearchRequest } from '@medplum/core';
import type { Encounter, OperationOutcome, Organization, Patient, Resource } from '@medplum/fhirtypes';
import type { SandboxRepository } from './sandbox-repository';

/** Epic-style OID of the MRN identifier system used by the demo mapping. */
export const DEFAULT_MRN_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14';
/** Epic-style OID of the CSN (encounter) identifier system used by the demo mapping. */
export const DEFAULT_CSN_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8';
/** MRN and CSN of the simulator's sample channel (pc_7f3a9c21). */
export const SAMPLE_MRN = 'E4410982';
export const SAMPLE_CSN = '300018842';

/** Identifier of the seeded Organization that transmits (Oracle's Provenance agent). */
export const SAMPLE_ORGANIZATION_SYSTEM = 'urn:pulsara-fhir-bridge:organization';
export const SAMPLE_ORGANIZATION_VALUE = 'pulsara';

export interface SeedOptions {
  mrnSystem?: string;
  csnSystem?: string;
  mrn?: string;
  csn?: string;
  /** Also register an Organization with this name (a Provenance `transmitter` must be one). */
  organization?: string;
}

export interface SeededSubject {
  patientId: string;
  encounterId: string;
  /** Set when `organization` was asked for. */
  organizationId?: string;
}

/** Creates `resource` unless one matches `identifier=system|value`; returns its id. */
type ConditionalCreate = (resource: Resource, system: string, value: string) => Promise<string>;

/**
 * Registers the demo's sample patient (by MRN) and ED visit (by CSN) in a sandbox,
 * given its base URL or its repository. Conditional creates make it idempotent: seeding
 * twice returns the same ids. Over HTTP this needs the `generic` profile (the vendor
 * profiles neither honour conditional create nor take Patient writes): seed a vendor
 * emulator through its repository (`sandbox.repo`) or `sandbox --seed`.
 */
export async function seedSandbox(
  target: string | SandboxRepository,
  options: SeedOptions = {},
): Promise<SeededSubject> {
  const create = typeof target === 'string' ? overHttp(target) : inRepository(target);
  const mrnSystem = options.mrnSystem ?? DEFAULT_MRN_SYSTEM;
  const mrn = options.mrn ?? SAMPLE_MRN;
  const csnSystem = options.csnSystem ?? DEFAULT_CSN_SYSTEM;
  const csn = options.csn ?? SAMPLE_CSN;

  const patient: Patient = {
    resourceType: 'Patient',
    identifier: [
      {
        use: 'usual',
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' },
          ],
        },
        system: mrnSystem,
        value: mrn,
      },
    ],
    name: [{ use: 'official', family: 'Ruiz', given: ['Ana'] }],
    gender: 'female',
    birthDate: '1951-04-09',
  };
  const patientId = await create(patient, mrnSystem, mrn);

  const encounter: Encounter = {
    resourceType: 'Encounter',
    identifier: [{ use: 'usual', system: csnSystem, value: csn }],
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER', display: 'emergency' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: '2026-11-25T19:02:40Z' },
  };
  const encounterId = await create(encounter, csnSystem, csn);
  if (!options.organization) {
    return { patientId, encounterId };
  }
  const organizationId = await seedOrganization(target, options.organization);
  return { patientId, encounterId, organizationId };
}

/**
 * Registers the site's Organization (the one a Provenance `transmitter` names on Oracle),
 * idempotently, by its identifier `SAMPLE_ORGANIZATION_SYSTEM|SAMPLE_ORGANIZATION_VALUE`.
 */
export async function seedOrganization(target: string | SandboxRepository, name: string): Promise<string> {
  const create = typeof target === 'string' ? overHttp(target) : inRepository(target);
  const organization: Organization = {
    resourceType: 'Organization',
    identifier: [{ system: SAMPLE_ORGANIZATION_SYSTEM, value: SAMPLE_ORGANIZATION_VALUE }],
    active: true,
    name,
  };
  return create(organization, SAMPLE_ORGANIZATION_SYSTEM, SAMPLE_ORGANIZATION_VALUE);
}

function inRepository(repo: SandboxRepository): ConditionalCreate {
  return async (resource, system, value) => {
    const search = parseSearchRequest(resource.resourceType, { identifier: `${system}|${value}` });
    const { resource: stored } = await repo.conditionalCreate(resource, search);
    return stored.id;
  };
}

function overHttp(baseUrl: string): ConditionalCreate {
  return async (resource, system, value) => {
    const response = await fetch(`${baseUrl.replace(/\/$/, '')}/${resource.resourceType}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/fhir+json',
        Accept: 'application/fhir+json',
        'If-None-Exist': new URLSearchParams({ identifier: `${system}|${value}` }).toString(),
      },
      body: JSON.stringify(resource),
    });
    const body = (await response.json()) as Resource;
    if (!response.ok || !body.id) {
      const detail = body.resourceType === 'OperationOutcome' ? describeOutcome(body) : 'no resource id in answer';
      throw new Error(`Seeding ${resource.resourceType} failed: HTTP ${response.status}: ${detail}`);
    }
    return body.id;
  };
}

function describeOutcome(outcome: OperationOutcome): string {
  return outcome.issue.map((issue) => issue.details?.text ?? issue.diagnostics ?? issue.code).join('; ');
}
