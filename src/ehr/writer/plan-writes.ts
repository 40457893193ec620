import type {
  DocumentReference,
  DocumentReferenceRelatesTo,
  Identifier,
  Meta,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import type { MappedObservation } from '../../mapping/types';
import { BridgeError } from '../../shared/errors';
import { matchesOf } from '../search-results';
import type { FhirClient, WriteRequest } from '../types';
import { sameObservationContent } from './observation-content';
import type { UnchangedResource, WritePlan, WriteStep } from './write-plan';

/** `system|value` for a token search. */
export function identifierToken(identifier: Identifier): string {
  return `${identifier.system ?? ''}|${identifier.value ?? ''}`;
}

/** The If-None-Exist / ifNoneExist query of a conditional create by identifier. */
export function identifierQuery(identifier: Identifier): string {
  return new URLSearchParams({ identifier: identifierToken(identifier) }).toString();
}

function requireIdentifier(
  identifier: Identifier | undefined,
  what: string,
): Identifier & { system: string; value: string } {
  if (!identifier?.system || !identifier.value) {
    throw new BridgeError(
      'mapping-invalid-resource',
      `The mapped resources lack ${what} (system and value); the writer cannot stay idempotent without it`,
    );
  }
  return identifier as Identifier & { system: string; value: string };
}

function carries(
  resource: { identifier?: Identifier[]; masterIdentifier?: Identifier },
  identifier: Identifier,
): boolean {
  const same = (i: Identifier | undefined): boolean => i?.system === identifier.system && i?.value === identifier.value;
  return same(resource.masterIdentifier) || (resource.identifier ?? []).some(same);
}

/** The resource with `identifier` added if it does not carry it: searches by it must find what we write. */
function withIdentifier<T extends { identifier?: Identifier[]; masterIdentifier?: Identifier }>(
  resource: T,
  identifier: Identifier,
): T {
  return carries(resource, identifier)
    ? resource
    : { ...resource, identifier: [...(resource.identifier ?? []), { ...identifier }] };
}

/** Server-managed meta fields go; tags, profiles and security labels stay. */
function writableMeta(meta: Meta | undefined): Meta | undefined {
  if (!meta) {
    return undefined;
  }
  const { versionId: _v, lastUpdated: _l, ...rest } = meta;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** A PUT of an existing resource with one field changed, expecting the version we read. */
function statusUpdate<T extends DocumentReference | Observation>(
  existing: T,
  status: T['status'],
  purpose: WriteStep['purpose'],
  key?: string,
): WriteStep {
  const resource = { ...existing, status, meta: writableMeta(existing.meta) } as T;
  return {
    purpose,
    key,
    method: 'PUT',
    resourceType: existing.resourceType,
    id: existing.id,
    versionId: existing.meta?.versionId,
    resource,
  };
}

function referencesSamePatient(document: DocumentReference, patientReference: string): boolean {
  const reference = document.subject?.reference;
  return reference === patientReference || (reference?.endsWith(`/${patientReference}`) ?? false);
}

async function search<T extends Resource>(
  client: FhirClient,
  resourceType: T['resourceType'],
  query: Record<string, string>,
): Promise<T[]> {
  return matchesOf<T>(await client.search(resourceType, query), resourceType);
}

const DECISION_ELEMENTS = 'id,status,subject,masterIdentifier,identifier';

/** The whole resource behind a search hit (a PUT must send every field, not the subset searched). */
async function fullDocument(client: FhirClient, hit: DocumentReference): Promise<DocumentReference> {
  return client.get<DocumentReference>(`DocumentReference/${hit.id}`);
}

interface PartialPlan {
  steps: WriteStep[];
  unchanged: UnchangedResource[];
}

/**
 * The document part: a new version replaces the channel's current ones; an existing version
 * is left alone (or made current again if a later one superseded it). Prior versions are
 * looked up even when this version exists, so that a run interrupted between "create the
 * new version" and "supersede the old ones" completes on the next run.
 */
async function planDocument(client: FhirClient, request: WriteRequest): Promise<PartialPlan> {
  const mapped = request.resources.documentReference;
  if (!mapped) {
    return { steps: [], unchanged: [] };
  }
  const version = requireIdentifier(request.resources.documentVersionIdentifier, 'a document version identifier');
  const channel = requireIdentifier(request.resources.documentChannelIdentifier, 'a document channel identifier');
  const patientReference = request.subject.patient.reference;

  // Only the fields needed to decide: a search answering full bodies would move every
  // stored PDF (up to 50 MB each) on each run. Servers that ignore _elements still work.
  const [versions, currents] = await Promise.all([
    search<DocumentReference>(client, 'DocumentReference', {
      identifier: identifierToken(version),
      _elements: DECISION_ELEMENTS,
    }),
    search<DocumentReference>(client, 'DocumentReference', {
      identifier: identifierToken(channel),
      status: 'current',
      _elements: DECISION_ELEMENTS,
    }),
  ]);
  if (versions.length > 1) {
    throw new BridgeError(
      'ehr-conflict',
      `${versions.length} DocumentReferences carry this report version's identifier; resolve the duplicates in the EHR`,
      {
        detail: { documentReferenceIds: versions.map((d) => d.id) },
      },
    );
  }
  const existing = versions[0];
  // Some servers ignore the status parameter; filter again.
  const priors = currents.filter((d) => d.status === 'current' && d.id !== existing?.id);
  const misfiled = priors.filter((d) => !referencesSamePatient(d, patientReference));
  const replaced = priors.filter((d) => referencesSamePatient(d, patientReference));

  const steps: WriteStep[] = [];
  const unchanged: UnchangedResource[] = [];
  if (existing?.status === 'entered-in-error') {
    // Someone retracted this very version in the EHR: a human decision we do not undo.
    unchanged.push({ purpose: 'document', id: existing.id as string, inForce: false });
    return { steps, unchanged };
  }
  if (existing?.status === 'current') {
    unchanged.push({ purpose: 'document', id: existing.id as string, inForce: true });
  } else if (existing) {
    steps.push(statusUpdate(await fullDocument(client, existing), 'current', 'document'));
  } else {
    const relatesTo: DocumentReferenceRelatesTo[] = [
      ...(mapped.relatesTo ?? []),
      ...replaced.map((d) => ({ code: 'replaces' as const, target: { reference: `DocumentReference/${d.id}` } })),
    ];
    const resource: DocumentReference = withIdentifier(
      withIdentifier({ ...mapped, ...(relatesTo.length > 0 && { relatesTo }) }, channel),
      version,
    );
    steps.push({
      purpose: 'document',
      method: 'POST',
      resourceType: 'DocumentReference',
      ifNoneExist: identifierQuery(version),
      resource,
    });
  }
  for (const prior of replaced) {
    steps.push(statusUpdate(await fullDocument(client, prior), 'superseded', 'supersede'));
  }
  for (const prior of misfiled) {
    steps.push(statusUpdate(await fullDocument(client, prior), 'entered-in-error', 'misfiled'));
  }
  return { steps, unchanged };
}

async function planObservation(client: FhirClient, mapped: MappedObservation): Promise<PartialPlan> {
  const identifier = requireIdentifier(mapped.identifier, `an identifier for observation "${mapped.key}"`);
  const found = await search<Observation>(client, 'Observation', { identifier: identifierToken(identifier) });
  if (found.length > 1) {
    throw new BridgeError(
      'ehr-conflict',
      `${found.length} Observations carry the identifier of mapping entry "${mapped.key}"; resolve the duplicates in the EHR`,
      {
        detail: { key: mapped.key, observationIds: found.map((o) => o.id) },
      },
    );
  }
  const existing = found[0];
  const none: PartialPlan = { steps: [], unchanged: [] };
  const unchanged = (inForce: boolean): PartialPlan => ({
    steps: [],
    unchanged: [{ purpose: 'observation', key: mapped.key, id: existing?.id as string, inForce }],
  });

  if (!mapped.resource) {
    if (!existing) {
      return none;
    }
    if (existing.status === 'entered-in-error') {
      return unchanged(false);
    }
    return mapped.onRemoved === 'entered-in-error'
      ? { steps: [statusUpdate(existing, 'entered-in-error', 'retract', mapped.key)], unchanged: [] }
      : unchanged(true);
  }
  const resource = withIdentifier(mapped.resource, identifier);
  if (!existing) {
    return {
      steps: [
        {
          purpose: 'observation',
          key: mapped.key,
          method: 'POST',
          resourceType: 'Observation',
          ifNoneExist: identifierQuery(identifier),
          resource,
        },
      ],
      unchanged: [],
    };
  }
  if (sameObservationContent(existing, resource)) {
    return unchanged(true);
  }
  const update: Observation = { ...resource, id: existing.id, meta: writableMeta(existing.meta) };
  return {
    steps: [
      {
        purpose: 'observation',
        key: mapped.key,
        method: 'PUT',
        resourceType: 'Observation',
        id: existing.id,
        versionId: existing.meta?.versionId,
        resource: update,
      },
    ],
    unchanged: [],
  };
}

/**
 * Reads what the EHR holds for this delivery (by the bridge's identifiers, never from our
 * own ledger) and plans the writes that bring it up to date. Reads only.
 */
export async function planWrites(client: FhirClient, request: WriteRequest): Promise<WritePlan> {
  const parts = await Promise.all([
    planDocument(client, request),
    ...request.resources.observations.map((o) => planObservation(client, o)),
  ]);
  return { steps: parts.flatMap((p) => p.steps), unchanged: parts.flatMap((p) => p.unchanged) };
}
