import type {
  Coding,
  DocumentReference,
  Observation,
  Reference,
  Patient,
  Encounter,
  Identifier,
} from '@medplum/fhirtypes';
import type { PatientChannel } from '../pulsara/types';

/**
 * The declarative mapping file (mappings/*.json), as edited by clinical informatics.
 * mapping.schema.json is the authority for its shape; these types mirror it.
 */
export interface MappingFile {
  $schema?: string;
  /** Human name of this mapping, shown in logs and previews. */
  name: string;
  /** Free text; bump it when the mapping changes. Stored with every delivery. */
  version: string;

  /** Which webhooks start a delivery. */
  triggers: {
    /** Event types that start a delivery; any other type is acknowledged and ignored. */
    events: string[];
    /** Identifier names (as the organisation named them in Pulsara) whose entry starts a delivery. */
    identifierNames: string[];
  };

  /** How the patient is found in the EHR. */
  patient: {
    /** Name of the Pulsara identifier that holds the MRN (e.g. "MRN"). */
    identifierName: string;
    /** Identifier system of the MRN in the EHR (e.g. an Epic OID as urn:oid:…). */
    system: string;
  };

  /** How the visit is found in the EHR; optional. */
  encounter?: {
    /** Name of the Pulsara identifier that holds the CSN / FIN (e.g. "CSN"). */
    identifierName: string;
    system: string;
    /** If true, a missing encounter is waited for like a missing patient; default false (written without). */
    required?: boolean;
  };

  /** Base system for the identifiers the bridge puts on what it writes (idempotency keys). */
  identifierSystem: string;

  /** Named codings, kept apart from the logic so that clinical staff edit codes in one place. */
  codes: Record<string, Coding>;

  /** The DocumentReference that carries the PSR PDF; omit to write Observations only. */
  document?: DocumentMapping;

  /** One entry per timestamp written as an Observation. */
  observations: ObservationMapping[];
}

export interface DocumentMapping {
  /** Name of an entry in `codes` (LOINC 34133-9 by default). */
  type: string;
  /** Names of entries in `codes`. */
  category: string[];
  title: string;
  status?: 'current';
  docStatus?: 'preliminary' | 'final' | 'amended';
  /** FHIRPath over the channel for context.period.start / end. */
  periodStart?: string;
  periodEnd?: string;
  /** Optional custodian reference, e.g. "Organization/123". */
  custodian?: string;
  description?: string;
}

export interface ObservationMapping {
  /** Stable key of this entry, unique in the file; part of the Observation's identifier. */
  key: string;
  /** Name of an entry in `codes`. */
  code: string;
  /** Names of entries in `codes`. */
  category: string[];
  /** FHIRPath over the channel JSON giving the time; empty result or null means "not set". */
  time: string;
  /** How the value is written: the time itself, or minutes since another FHIRPath time. */
  value?: { type: 'dateTime' } | { type: 'minutesSince'; from: string };
  /** FHIRPath for effectiveDateTime; default: the same time. */
  effective?: string;
  status?: 'final' | 'preliminary' | 'amended';
  /** What happens to an Observation already written when its time is later removed. */
  onRemoved?: 'entered-in-error' | 'keep';
}

/** What the mapping needs to build resources for one delivery. */
export interface MappingInput {
  channel: PatientChannel;
  patient: Reference<Patient>;
  encounter?: Reference<Encounter>;
  /** The PSR bytes; absent when previewing without a PDF. */
  summary?: Buffer;
  /** When the reference is made (DocumentReference.date). */
  now: Date;
}

/** One mapped Observation entry, present or removed. */
export interface MappedObservation {
  key: string;
  /** The identifier that makes writes idempotent (system|value). */
  identifier: Identifier;
  /** The Observation to write; undefined when the time is not set (time: null). */
  resource?: Observation;
  onRemoved: 'entered-in-error' | 'keep';
  /** When `resource` is undefined: which expression found no time, and why (for previews). */
  missingTime?: MissingTime;
}

/**
 * Why an entry's time expression found no time. `no-timeline-entry`: it reads
 * `timeline.where(key='X')` and the channel has no entry X (often a misspelt key);
 * `not-set-yet`: entry X is there without a time; `no-result`: any other empty result.
 * Carries mapping keys only, never channel values.
 */
export interface MissingTime {
  field: 'time' | 'value.from';
  reason: 'no-timeline-entry' | 'not-set-yet' | 'no-result';
  timelineKey?: string;
}

export interface MappedResources {
  /** Undefined when the mapping has no document or no summary was given. */
  documentReference?: DocumentReference;
  /** Identifier naming this version of the document (masterIdentifier): channel + content hash. */
  documentVersionIdentifier?: Identifier;
  /** Identifier shared by every version of the document of one channel. */
  documentChannelIdentifier?: Identifier;
  observations: MappedObservation[];
}
