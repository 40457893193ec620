import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { BridgeError } from '../../shared/errors';
import type { FhirClient } from '../types';
import { idFromLocation, statusCode, stepResult } from './step-response';
import type { StepResult, WriteStep } from './write-plan';

function entryOf(step: WriteStep, baseUrl: string): BundleEntry {
  if (step.method === 'POST') {
    return {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: step.resource,
      request: { method: 'POST', url: step.resourceType, ...(step.ifNoneExist && { ifNoneExist: step.ifNoneExist }) },
    };
  }
  return {
    fullUrl: `${baseUrl}/${step.resourceType}/${step.id}`,
    resource: step.resource,
    request: { method: 'PUT', url: `${step.resourceType}/${step.id}`, ...(step.versionId && { ifMatch: `W/"${step.versionId}"` }) },
  };
}

/** The R4 transaction Bundle that carries every step of a plan. */
export function buildTransaction(steps: readonly WriteStep[], baseUrl: string): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry: steps.map((s) => entryOf(s, baseUrl)) };
}

function unreadable(reason: string): BridgeError {
  // The transaction may have committed; the next run re-plans from the EHR and writes nothing twice.
  return new BridgeError('ehr-unavailable', `The EHR's transaction-response could not be read (${reason}); the delivery will be re-planned`, { schedule: 'backoff' });
}

/**
 * Executes a plan as ONE transaction Bundle (all or nothing on a conforming server) and
 * reads ids and created/updated results from the transaction-response, entry by entry.
 */
export async function executeAsTransaction(client: FhirClient, steps: readonly WriteStep[]): Promise<StepResult[]> {
  if (steps.length === 0) {
    return [];
  }
  const response = await client.post<Bundle>('', buildTransaction(steps, client.baseUrl));
  const entries = response.body?.resourceType === 'Bundle' ? (response.body.entry ?? []) : undefined;
  if (!entries || entries.length !== steps.length) {
    throw unreadable(entries ? `${entries.length} entries for ${steps.length} requests` : 'no Bundle');
  }
  return steps.map((step, i) => {
    const entry = entries[i];
    const status = statusCode(entry.response?.status);
    const resource = entry.resource as Resource | undefined;
    const id = idFromLocation(entry.response?.location, step.resourceType) ?? resource?.id ?? step.id;
    if (status === undefined || status >= 300 || !id) {
      throw unreadable(`entry ${i} has status ${entry.response?.status ?? 'none'}`);
    }
    return stepResult(step, status, id);
  });
}
