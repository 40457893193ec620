import type { Bundle, Encounter, Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { MappedResources } from '../mapping/types';
import type { WriteOutcome } from '../shared/write-outcome';

export interface FhirResponse<T = Resource> {
  status: number;
  headers: Record<string, string>;
  body: T | undefined;
}

/** A thin, authenticated FHIR R4 HTTP client. Errors become BridgeErrors (ehr-*). */
export interface FhirClient {
  readonly baseUrl: string;
  /** GET `<base>/<path>` (path may hold a query string), returns the parsed JSON. */
  get<T extends Resource = Resource>(path: string): Promise<T>;
  /** Search returning a Bundle. */
  search(resourceType: string, query: Record<string, string>): Promise<Bundle>;
  post<T extends Resource = Resource>(
    path: string,
    body: Resource,
    headers?: Record<string, string>,
  ): Promise<FhirResponse<T>>;
  put<T extends Resource = Resource>(
    path: string,
    body: Resource,
    headers?: Record<string, string>,
  ): Promise<FhirResponse<T>>;
  /** GET metadata (CapabilityStatement): used by /readyz. */
  capabilities(): Promise<Resource>;
}

export interface ResolvedSubject {
  patient: Reference<Patient> & { reference: string };
  patientId: string;
  encounter?: Reference<Encounter> & { reference: string };
  encounterId?: string;
}

export interface WriteRequest {
  channelId: string;
  subject: ResolvedSubject;
  resources: MappedResources;
  mappingVersion: string;
}

/** Writes one delivery's resources; processing the same request twice writes nothing new. */
export type DeliveryWriter = (request: WriteRequest) => Promise<WriteOutcome>;
