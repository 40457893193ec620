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
    request: {
      method: 'PUT',
      url: `${step.resourceType}/${step.id}`,
      ...(step.versionId && { ifMatch: `W/"${step.versionId}"` }),
    },
  };
}

/** The R4 transaction Bundle that carries every step of a plan. */
export function buildTransaction(steps: readonly WriteStep[], baseUrl: string): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry: steps.map((s) => entryOf(s, baseUrl)) };
}

function unreadable(reason: string): BridgeError {
  // The transaction may have committed; the next run re-plans from the EHR and writes nothing twice.
  return new BridgeError(
    'ehr-unavailable',
    `The EHR's transaction-response could not be read (${reason}); the delivery will be re-planned`,
    { schedule: 'backoff' },
  );
}

export interface TransactionOptions {
  /**
   * Largest Bundle to send, in bytes of JSON (default 64 MiB). Superseding a 50 MB report
   * means sending the new and the old PDF inline, which servers' body limits refuse; such
   * a plan goes in several transactions, in plan order, which the planner can resume.
   */
  maxBundleBytes?: number;
}

const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** Steps grouped in plan order so that each group's resources stay under the byte limit. */
export function splitBySize(steps: readonly WriteStep[], maxBytes: number): WriteStep[][] {
  const groups: WriteStep[][] = [];
  let current: WriteStep[] = [];
  let bytes = 0;
  for (const step of steps) {
    const size = Buffer.byteLength(JSON.stringify(step.resource));
    if (current.length > 0 && bytes + size > maxBytes) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(step);
    bytes += size;
  }
  if (current.length > 0) {
    groups.push(current);
  }
  return groups;
}

async function executeOne(client: FhirClient, steps: readonly WriteStep[]): Promise<StepResult[]> {
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

/**
 * Executes a plan as ONE transaction Bundle (all or nothing on a conforming server), or
 * as a few in plan order when it is too large, and reads ids and created/updated results
 * from each transaction-response, entry by entry.
 */
export async function executeAsTransaction(
  client: FhirClient,
  steps: readonly WriteStep[],
  options: TransactionOptions = {},
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const group of splitBySize(steps, options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES)) {
    results.push(...(await executeOne(client, group)));
  }
  return results;
}
