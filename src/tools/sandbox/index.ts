/** The embedded FHIR R4 sandbox: the demo's EHR and the integration tests' EHR. */
export { createSandboxApp, FHIR_BASE_PATH } from './sandbox-app';
export type { SandboxApp, SandboxAppOptions } from './sandbox-app';
export { startSandbox } from './sandbox-server';
export type { RunningSandbox, StartSandboxOptions } from './sandbox-server';
export { SandboxRepository } from './sandbox-repository';
export {
  DEFAULT_CSN_SYSTEM,
  DEFAULT_MRN_SYSTEM,
  SAMPLE_CSN,
  SAMPLE_MRN,
  SAMPLE_ORGANIZATION_SYSTEM,
  SAMPLE_ORGANIZATION_VALUE,
  seedOrganization,
  seedSandbox,
} from './seed';
export type { SeededSubject, SeedOptions } from './seed';
export { buildCapabilityStatement } from './capability-statement';
export { SANDBOX_PROFILES } from './profiles';
export type { SandboxProfileName } from './profiles';
export { EPIC_ERROR_SYSTEM } from './vendor/refusals';
export { JWT_BEARER, MAX_ASSERTION_SECONDS, TOKEN_PATH } from './smart';
export type { SmartAuthority, SmartClient, SmartCounters, SmartOptions } from './smart';
