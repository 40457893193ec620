import type { WriteOutcome } from '../../shared/write-outcome';
import type { WriteRequest } from '../types';
import type { StepResult, WritePlan } from './write-plan';

/** The hex SHA-1 at the end of a version identifier value (`<channel>.<sha1>`). */
export function summarySha1Of(versionValue: string | undefined): string | undefined {
  const tail = versionValue?.slice(versionValue.lastIndexOf('.') + 1);
  return tail && /^[0-9a-f]{40}$/i.test(tail) ? tail.toLowerCase() : undefined;
}

/** Summarises a plan and how the EHR answered each of its steps, for the ledger. */
export function buildWriteOutcome(
  request: WriteRequest,
  plan: WritePlan,
  results: readonly StepResult[],
): WriteOutcome {
  const outcome: WriteOutcome = {
    patientId: request.subject.patientId,
    encounterId: request.subject.encounterId,
    created: 0,
    updated: 0,
    unchanged: 0,
    mappingVersion: request.mappingVersion,
  };
  const observationIds: Record<string, string> = {};
  const supersededIds: string[] = [];
  const retractedIds: string[] = [];
  const misfiledDocumentIds: string[] = [];

  for (const item of plan.unchanged) {
    outcome.unchanged += 1;
    if (item.purpose === 'document') {
      outcome.documentReferenceId = item.id;
    } else if (item.key !== undefined && item.inForce) {
      observationIds[item.key] = item.id;
    }
  }
  plan.steps.forEach((step, i) => {
    const { id, result } = results[i];
    outcome[result] += 1;
    switch (step.purpose) {
      case 'document':
        outcome.documentReferenceId = id;
        break;
      case 'supersede':
        supersededIds.push(id);
        break;
      case 'misfiled':
        misfiledDocumentIds.push(id);
        break;
      case 'observation':
        observationIds[step.key as string] = id;
        break;
      case 'retract':
        retractedIds.push(id);
        break;
    }
  });

  if (request.resources.documentReference) {
    outcome.summarySha1 = summarySha1Of(request.resources.documentVersionIdentifier?.value);
  }
  if (Object.keys(observationIds).length > 0) {
    outcome.observationIds = observationIds;
  }
  if (supersededIds.length > 0) {
    outcome.supersededIds = supersededIds;
  }
  if (retractedIds.length > 0) {
    outcome.retractedIds = retractedIds;
  }
  if (misfiledDocumentIds.length > 0) {
    outcome.misfiledDocumentIds = misfiledDocumentIds;
  }
  return outcome;
}
