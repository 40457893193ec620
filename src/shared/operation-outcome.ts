import type { OperationOutcome } from '@medplum/fhirtypes';

/** The bridge's own HTTP errors use FHIR's OperationOutcome shape, like the EHR's. */
export function outcome(
  code: 'invalid' | 'security' | 'too-costly' | 'transient' | 'not-found' | 'processing' | 'exception',
  diagnostics: string,
  severity: 'error' | 'information' = 'error',
): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}
