import { getStatus, isOk } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import type { FhirResponse } from '@medplum/fhir-router';
import type { ResourceRules, VendorProfile } from '../profiles/types';
import { vendorOutcome } from './refusals';
import type { Refusal } from './refusals';
import type { GateAnswer } from './vendor-write';

/** Runs a search (path and query relative to the FHIR base) through the FHIR router. */
export type RunSearch = (url: string) => Promise<FhirResponse>;

/**
 * A search as the vendor runs it: only the parameters it supports, at least one of those it
 * requires; Epic drops an unknown parameter with a warning (so the search is wider than
 * asked) and warns on an empty result, Millennium refuses an unknown parameter.
 */
export async function vendorSearch(
  profile: VendorProfile,
  resourceType: string,
  search: NonNullable<ResourceRules['search']>,
  query: URLSearchParams,
  run: RunSearch,
): Promise<GateAnswer> {
  const kept = new URLSearchParams();
  const dropped: string[] = [];
  for (const [name, value] of query) {
    if (search.parameters.includes(name.split(':')[0])) {
      kept.append(name, withReferenceType(name, value));
    } else if (!dropped.includes(name)) {
      dropped.push(name);
    }
  }
  const unknown: Refusal[] = dropped.map((name) => ({
    kind: 'search-unknown-parameter',
    message: `The search parameter ${name} is not supported for ${resourceType}.`,
    expression: name,
  }));
  if (unknown.length > 0 && profile.unknownSearchParameter === 'refuse') {
    return { status: 400, body: vendorOutcome(profile.refusalStyle, unknown) };
  }
  const required = search.requireOneOf;
  if (required && !required.some((name) => [...kept.keys()].some((key) => key.split(':')[0] === name))) {
    const missing: Refusal = {
      kind: 'search-missing-parameter',
      message: `A search of ${resourceType} needs one of: ${required.join(', ')}.`,
      expression: required[0],
    };
    return { status: 400, body: vendorOutcome(profile.refusalStyle, [missing]) };
  }

  const [outcome, result] = await run(`/${resourceType}?${kept.toString()}`);
  if (!isOk(outcome) || result?.resourceType !== 'Bundle') {
    const refusal: Refusal = { kind: 'invalid', message: describe(outcome) };
    return { status: isOk(outcome) ? 500 : getStatus(outcome), body: vendorOutcome(profile.refusalStyle, [refusal]) };
  }
  const bundle = result as Bundle;
  const warnings = [...unknown];
  if (profile.warnOnEmptySearch && (bundle.entry ?? []).length === 0) {
    warnings.push({ kind: 'search-no-results', message: 'No resources matched the search.' });
  }
  const outcomes: BundleEntry[] = warnings.map((warning) => ({
    resource: vendorOutcome(profile.refusalStyle, [warning], true),
    search: { mode: 'outcome' },
  }));
  return { status: 200, body: { ...bundle, entry: [...(bundle.entry ?? []), ...outcomes] } };
}

/** Reference parameters the vendors take as bare ids (`patient=123`), as the in-memory search needs them. */
const BARE_ID_TARGETS: Readonly<Record<string, string>> = {
  patient: 'Patient',
  subject: 'Patient',
  encounter: 'Encounter',
};

function withReferenceType(name: string, value: string): string {
  const target = BARE_ID_TARGETS[name];
  return target && /^[A-Za-z0-9\-.]+$/.test(value) ? `${target}/${value}` : value;
}

function describe(outcome: OperationOutcome): string {
  return outcome.issue.map((issue) => issue.details?.text ?? issue.diagnostics ?? issue.code).join('; ');
}
