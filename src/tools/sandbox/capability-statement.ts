import { getResourceTypes, getSearchParameters } from '@medplum/core';
import type {
  CapabilityStatement,
  CapabilityStatementRest,
  CapabilityStatementRestResource,
  ResourceType,
} from '@medplum/fhirtypes';
import type { Interaction, VendorProfile } from './profiles/types';

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
 * Built once from the indexed definitions; `baseUrl` fills `implementation.url`. With a
 * vendor profile, only what that vendor offers; with a token URL, the SMART security block.
 */
export function buildCapabilityStatement(
  baseUrl: string,
  vendor?: VendorProfile,
  tokenUrl?: string,
): CapabilityStatement {
  const statement = vendor ? describeVendor(vendor) : genericStatement();
  const [rest] = statement.rest ?? [];
  return {
    ...statement,
    rest: [{ ...rest, ...(tokenUrl ? smartSecurity(tokenUrl) : {}) }],
    implementation: { description: 'Embedded FHIR R4 sandbox', url: baseUrl },
  };
}

function genericStatement(): Omit<CapabilityStatement, 'implementation'> {
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
  return cached;
}

type InteractionCode = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];

/** FHIR's names of the interactions a vendor profile lists. */
const INTERACTION_CODES: Readonly<Record<Interaction, InteractionCode>> = {
  read: 'read',
  search: 'search-type',
  create: 'create',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
};

function describeVendor(vendor: VendorProfile): Omit<CapabilityStatement, 'implementation'> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: `pulsara-fhir-bridge sandbox, ${vendor.name} profile` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: vendor.title,
        resource: Object.entries(vendor.resources).map(([type, rules]) => ({
          type: type as ResourceType,
          interaction: rules.interactions.map((code) => ({ code: INTERACTION_CODES[code] })),
          conditionalCreate: false,
          conditionalUpdate: false,
          updateCreate: false,
          searchParam: (rules.search?.parameters ?? []).map((name) => ({ name, type: 'token' as const })),
        })),
      },
    ],
  };
}

/** SMART's `oauth-uris` extension, naming the token endpoint (FHIR clients look here too). */
function smartSecurity(tokenUrl: string): Pick<CapabilityStatementRest, 'security'> {
  return {
    security: {
      service: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
        },
      ],
      extension: [
        {
          url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
          extension: [{ url: 'token', valueUri: tokenUrl }],
        },
      ],
    },
  };
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
