/** EHR authentication: one EhrAuth per `FHIR_AUTH` mode (settings read by config/ehr-auth-config.ts). */
export type { EhrAuth } from './types';
export { createEhrAuth } from './create-ehr-auth';
