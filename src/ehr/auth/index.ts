/** EHR authentication: one EhrAuth per `FHIR_AUTH` mode, and the parsing of its variables. */
export type { EhrAuth, EhrAuthConfig, EhrAuthMode, SmartSigningAlgorithm } from './types';
export { EHR_AUTH_MODES } from './types';
export { createEhrAuth } from './create-ehr-auth';
export { parseEhrAuthConfig, describeEhrAuthEnv } from './auth-config';
export type { EhrAuthEnvDescription } from './auth-config';
export { DEFAULT_SMART_SCOPES } from './smart-backend-auth';
