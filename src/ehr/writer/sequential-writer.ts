import { BridgeError } from '../../shared/errors';
import type { FhirClient } from '../types';
import { idFromLocation, stepResult } from './step-response';
import type { StepResult, WriteStep } from './write-plan';

export interface SequentialOptions {
  /** Send If-None-Exist on creates; servers without conditional create rely on the plan's search. */
  conditionalCreate?: boolean;
}

/**
 * Executes a plan one request at a time, in plan order (new document, prior versions,
 * observations): if a request fails midway, the next run re-plans from the EHR and picks
 * up where this one stopped. Asks for the written resource back, since Epic otherwise
 * answers 201 with an empty body; the Location header names the id when the body is empty.
 */
export async function executeSequentially(
  client: FhirClient,
  steps: readonly WriteStep[],
  options: SequentialOptions = {},
): Promise<StepResult[]> {
  const conditionalCreate = options.conditionalCreate ?? true;
  const results: StepResult[] = [];
  for (const step of steps) {
    const headers: Record<string, string> = { Prefer: 'return=representation' };
    let response;
    if (step.method === 'POST') {
      if (conditionalCreate && step.ifNoneExist) {
        headers['If-None-Exist'] = step.ifNoneExist;
      }
      response = await client.post(step.resourceType, step.resource, headers);
    } else {
      if (step.versionId) {
        headers['If-Match'] = `W/"${step.versionId}"`;
      }
      response = await client.put(`${step.resourceType}/${step.id}`, step.resource, headers);
    }
    const id =
      (response.body?.resourceType === step.resourceType ? response.body.id : undefined) ??
      idFromLocation(response.headers.location ?? response.headers['content-location'], step.resourceType) ??
      step.id;
    if (!id) {
      throw new BridgeError(
        'ehr-unavailable',
        `The EHR answered ${step.method} ${step.resourceType} (${response.status}) without an id in its body or Location; the delivery will be re-planned`,
        {
          schedule: 'backoff',
        },
      );
    }
    results.push(stepResult(step, response.status, id));
  }
  return results;
}
