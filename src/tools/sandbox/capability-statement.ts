import { getResourceTypes, getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource, ResourceType } from '@medplum/fhirtypes';

/** Interactions every resource type supports through @medplum/fhir-router. */
const RESOURCE_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'create',
  'search-type',
] as const;

let cached: Omit<CapabilityStatement, 'implementation'> | undefined;

/**
 * The sandbox's CapabilityStatement (FHIR 4.0.1): every R4 resource type with the
 * interactions, conditional operations and search parameters this server honours.
 * Built once from the indexed definitions; `baseUrl` fills `implementation.url`.
 */
export function buildCapabilityStatement(baseUrl: string): CapabilityStatement {
  cached ??= {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'pulsara-fhir-bridge sandbox (@medplum/fhir-router)' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'In-memory FHIR R4 sandbox: validates writes and enforces referential integrity; data is lost on exit.',
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        resource: getResourceTypes()
          .sort()
          .map((type) => describeResource(type)),
      },
    ],
  };
  return { ...cached, implementation: { description: 'Embedded FHIR R4 sandbox', url: baseUrl } };
}

function describeResource(type: ResourceType): CapabilityStatementRestResource {
  return {
    type,
    interaction: RESOURCE_INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'single',
    referencePolicy: ['literal', 'local', 'enforced'],
    searchParam: Object.values(getSearchParameters(type) ?? {}).map((param) => ({
      name: param.code ?? param.name,
      type: param.type,
      definition: param.url,
    })),
  };
}
