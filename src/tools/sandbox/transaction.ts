import { allOk, badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { processBatch } from '@medplum/fhir-router';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { SandboxRepository } from './sandbox-repository';

/**
 * Runs a transaction Bundle all-or-nothing.
 *
 * Medplum's own transaction mode (`config.transactions`) refuses any transaction with a
 * conditional create or update and more than 8 entries, a limit of Medplum's database
 * isolation that HAPI and other R4 servers do not have; one delivery (a document plus
 * an Observation per timestamp) can exceed it. So the entries run through Medplum's
 * batch processor, which rewrites `urn:uuid` references and resolves conditional
 * entries exactly as in a transaction, inside the repository's atomic unit of work; the
 * first failed entry aborts the unit, which restores storage and answers with that
 * entry's OperationOutcome and status.
 */
export async function executeTransaction(
  bundle: Bundle,
  request: FhirRequest,
  repo: SandboxRepository,
  router: FhirRouter,
): Promise<FhirResponse> {
  try {
    const response = await repo.withTransaction(async () => {
      assertUniqueFullUrls(bundle.entry ?? []);
      const result = await processBatch(
        { ...request, config: { ...request.config, transactions: false } },
        repo,
        router,
        bundle,
      );
      const failure = firstFailure(bundle.entry ?? [], result);
      if (failure) {
        throw new OperationOutcomeError(failure);
      }
      return result;
    });
    return [allOk, response];
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return [err.outcome];
    }
    throw err;
  }
}

function assertUniqueFullUrls(entries: BundleEntry[]): void {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (entry.fullUrl) {
      if (seen.has(entry.fullUrl)) {
        throw new OperationOutcomeError(
          badRequest('Duplicate fullUrl in transaction Bundle', `Bundle.entry[${index}].fullUrl`),
        );
      }
      seen.add(entry.fullUrl);
    }
  });
}

/** The outcome of the first entry (in Bundle order) that did not succeed, located in the Bundle. */
function firstFailure(requestEntries: BundleEntry[], response: Bundle): OperationOutcome | undefined {
  const responseEntries = response.entry ?? [];
  for (let index = 0; index < responseEntries.length; index++) {
    const answer = responseEntries[index]?.response;
    const status = Number.parseInt(answer?.status ?? '', 10);
    if (status >= 200 && status < 300) {
      continue;
    }
    const outcome = (answer?.outcome as OperationOutcome | undefined) ?? badRequest('Entry failed');
    const request = requestEntries[index]?.request;
    const where = `Bundle.entry[${index}] (${request?.method ?? '?'} ${request?.url ?? '?'})`;
    return {
      ...outcome,
      issue: (outcome.issue ?? []).map((issue) => ({
        ...issue,
        diagnostics: issue.diagnostics ? `${where}: ${issue.diagnostics}` : where,
      })),
    };
  }
  return undefined;
}
