/** The EHR side: FHIR client, authentication, patient/visit resolution, the delivery writer. */
export type { DeliveryWriter, EhrDialect, FhirClient, FhirResponse, ResolvedSubject, WriteRequest } from './types';
export { createFhirClient } from './fhir-client';
export type { FhirClientOptions } from './fhir-client';
export { resolveSubject } from './resolve-subject';
export type { SubjectQuery } from './resolve-subject';
export { createDeliveryWriter } from './writer';
export type { DeliveryWriterOptions } from './writer';
export * from './auth';
