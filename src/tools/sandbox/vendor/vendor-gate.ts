import type { IncomingHttpHeaders } from 'node:http';
import type { FhirRouter, HttpMethod } from '@medplum/fhir-router';
import { interactionOf } from '../interactions';
import type { VendorProfile } from '../profiles/types';
import type { SandboxRepository } from '../sandbox-repository';
import { vendorOutcome } from './refusals';
import { vendorSearch } from './vendor-search';
import { VendorWriter } from './vendor-write';
import type { GateAnswer } from './vendor-write';

export type { GateAnswer } from './vendor-write';

/** One FHIR request as the sandbox received it. */
export interface GateRequest {
  method: HttpMethod;
  /** Path segments after the FHIR base, e.g. `['DocumentReference', '12']`. */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The FHIR base URL as the client addressed it. */
  baseUrl: string;
}

/**
 * Answers a request the vendor's way, or returns undefined to let the sandbox's FHIR router
 * run it unchanged (reads, and searches of types the profile says nothing about).
 */
export type VendorGate = (request: GateRequest) => Promise<GateAnswer | undefined>;

export function createVendorGate(
  profile: VendorProfile,
  repo: SandboxRepository,
  runSearch: (url: string, headers: IncomingHttpHeaders) => ReturnType<FhirRouter['handleRequest']>,
): VendorGate {
  const writer = new VendorWriter(profile, repo);
  const refuse = (status: number, message: string): GateAnswer => ({
    status,
    body: vendorOutcome(profile.refusalStyle, [{ kind: 'not-supported', message }]),
  });

  return async (request) => {
    const [resourceType, id] = request.segments;
    if (resourceType === undefined) {
      return request.method === 'POST' ? refuse(405, 'Transactions and batches are not supported.') : undefined;
    }
    const interaction = interactionOf(request.method, request.segments);
    if (interaction === undefined) {
      return refuse(405, `${request.method} ${request.segments.join('/')} is not supported.`);
    }
    const rules = profile.resources[resourceType];
    const allowed = rules?.interactions ?? profile.otherResourceTypes;
    if (!allowed.includes(interaction)) {
      return refuse(405, `${interaction} of ${resourceType} is not supported.`);
    }
    const write = { resourceType, id, body: request.body, headers: request.headers, baseUrl: request.baseUrl };
    switch (interaction) {
      case 'search':
        return rules?.search
          ? vendorSearch(profile, resourceType, rules.search, request.query, (url) => runSearch(url, request.headers))
          : undefined;
      case 'create':
        return rules ? writer.create(write, rules) : undefined;
      case 'update':
        return rules && id ? writer.update(write, rules) : refuse(405, `Conditional update is not supported.`);
      default:
        return undefined;
    }
  };
}
