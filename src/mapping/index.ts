/** The mapping file: JSON Schema, loader and validator, and the FHIR resource builder. */
export type * from './types';
export type { MappingProblem } from './problems';
export { loadMapping } from './loader';
export { validateMapping } from './validate';
export { MappingError, isMappingError, formatProblems } from './mapping-error';
export { buildResources } from './build-resources';
export { ensureFhirDefinitions } from '../shared/fhir-definitions';
export { MAPPING_SCHEMA_PATH } from './schema-validator';
export { DOCUMENT_CHANNEL_SUFFIX, DOCUMENT_VERSION_SUFFIX } from './document-builder';
export { TIMELINE_SUFFIX } from './observation-builder';
