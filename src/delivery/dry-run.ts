import type { Resource } from '@medplum/fhirtypes';
import { resolveSubject } from '../ehr/resolve-subject';
import type { FhirClient, ResolvedSubject } from '../ehr/types';
import { planWrites } from '../ehr/writer';
import type { StepPurpose, WritePlan } from '../ehr/writer';
import type { MappedResources, MappingFile } from '../mapping/types';
import type { PatientChannel } from '../pulsara/types';
import { BridgeError } from '../shared/errors';
import { mapForSubject, subjectQueryFor, writeRequestFor } from './delivery-steps';

/**
 * A delivery run up to the write and no further: the same lookup of patient and visit,
 * the same resources and the same plan as processDelivery, against a real (test) EHR,
 * reading only. `mapping preview --ehr` shows it; a playground page can render it too.
 */

export type DryRunAction = 'create' | 'update' | 'make-current' | 'supersede' | 'entered-in-error' | 'unchanged';

export interface DryRunStep {
  action: DryRunAction;
  resourceType: 'DocumentReference' | 'Observation';
  /** The resource in the EHR, for every action but create. */
  id?: string;
  /** The mapping entry's key, for Observations. */
  key?: string;
  /** Why, in plain words. */
  why: string;
}

export interface DryRunLookup {
  /** `found`: the delivery would go on to write; `stopped`: it would end here (ignored, waiting or failed). */
  outcome: 'found' | 'stopped';
  patientId?: string;
  /** Undefined when found without a visit (not given, or not found and not required). */
  encounterId?: string;
  /** For `stopped`: the error code the delivery would end with (identifier-empty, patient-not-found…). */
  code?: string;
  /** For `stopped`: what the ledger would say; names systems and counts, never identifier values. */
  message?: string;
}

export interface DryRun {
  ehr: string;
  lookup: DryRunLookup;
  /** The writes in the order a delivery makes them, then what it would leave as it is. */
  plan?: DryRunStep[];
  /** Set when the mapping fails on this channel: the delivery would end with this error. */
  mappingError?: { code: string; message: string };
  /** False when no PDF was given: the document part of the plan is then left out. */
  documentPlanned: boolean;
}

export interface DryRunInput {
  fhir: FhirClient;
  mapping: MappingFile;
  channel: PatientChannel;
  /** The PSR; without it the document is not planned (a delivery always fetches it). */
  summary?: Buffer;
  now: Date;
}

/** A client that can read but fails any write: a dry run must never change the chart. */
export function readOnlyClient(client: FhirClient): FhirClient {
  const refuse = (): never => {
    throw new BridgeError('internal', 'A dry run tried to write to the EHR; nothing was sent');
  };
  return {
    baseUrl: client.baseUrl,
    get: <T extends Resource = Resource>(path: string) => client.get<T>(path),
    search: (resourceType, query) => client.search(resourceType, query),
    post: refuse,
    put: refuse,
    capabilities: () => client.capabilities(),
  };
}

const WHY: Record<StepPurpose, { action: DryRunAction; why: string }> = {
  document: { action: 'create', why: 'a new version of the summary report' },
  supersede: { action: 'supersede', why: 'an older version of the report, replaced by this one' },
  misfiled: {
    action: 'entered-in-error',
    why: "a version filed on another patient (the channel's MRN was corrected)",
  },
  observation: { action: 'create', why: 'not in the chart yet' },
  retract: { action: 'entered-in-error', why: 'its time was removed in Pulsara' },
};

/** The plan in plain actions: what would be created, updated, superseded or retracted. */
export function describePlan(plan: WritePlan): DryRunStep[] {
  const steps: DryRunStep[] = plan.steps.map((step) => {
    const resourceType = step.resourceType as DryRunStep['resourceType'];
    const base = { resourceType, ...(step.id !== undefined && { id: step.id }), ...(step.key && { key: step.key }) };
    if (step.purpose === 'document' && step.method === 'PUT') {
      return { ...base, action: 'make-current', why: 'this version of the report is there but was superseded' };
    }
    if (step.purpose === 'observation' && step.method === 'PUT') {
      return { ...base, action: 'update', why: 'in the chart with another value or time' };
    }
    return { ...base, ...WHY[step.purpose] };
  });
  for (const item of plan.unchanged) {
    steps.push({
      action: 'unchanged',
      resourceType: item.purpose === 'document' ? 'DocumentReference' : 'Observation',
      id: item.id,
      ...(item.key !== undefined && { key: item.key }),
      why: item.inForce
        ? 'already in the chart as it would be written'
        : 'marked entered-in-error in the chart; left so',
    });
  }
  return steps;
}

function stopped(err: unknown): DryRunLookup {
  if (err instanceof BridgeError) {
    return { outcome: 'stopped', code: err.code, message: err.message };
  }
  throw err;
}

/**
 * Runs a delivery of `channel` against the EHR without writing: finds the patient and visit,
 * maps, and plans. A stop (no MRN yet, patient not registered, ambiguous match) is the
 * result, not an error; so is a mapping that fails on this channel.
 */
export async function dryRunDelivery(input: DryRunInput): Promise<DryRun> {
  const fhir = readOnlyClient(input.fhir);
  const result: DryRun = { ehr: fhir.baseUrl, lookup: { outcome: 'stopped' }, documentPlanned: false };
  let subject: ResolvedSubject;
  try {
    subject = await resolveSubject(fhir, subjectQueryFor(input.mapping, input.channel, input.channel.id));
  } catch (err) {
    return { ...result, lookup: stopped(err) };
  }
  result.lookup = {
    outcome: 'found',
    patientId: subject.patientId,
    ...(subject.encounterId !== undefined && { encounterId: subject.encounterId }),
  };
  let resources: MappedResources;
  try {
    resources = mapForSubject(input.mapping, input.channel, subject, input.summary, input.now);
  } catch (err) {
    if (!(err instanceof BridgeError)) {
      throw err;
    }
    return { ...result, mappingError: { code: err.code, message: err.message } };
  }
  const plan = await planWrites(fhir, writeRequestFor(input.channel.id, subject, resources, input.mapping));
  return {
    ...result,
    plan: describePlan(plan),
    documentPlanned: resources.documentReference !== undefined,
  };
}
