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

  /**
   * The site's IANA time zone (e.g. America/Chicago). When set, every time written is given
   * in the site's offset at that instant (the instant is kept), previews show local times,
   * and a channel time sent without an offset is read as local time (with a warning).
   */
  timeZone?: string;

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
  /** Pulsara patient types (any case) this document is made for; absent: every channel. */
  patientTypes?: string[];
  /** FHIRPath condition over the channel; the document is made only when it gives true. */
  when?: string;
}

/** How an interval is rounded: as measured, whole minutes as registries abstract, or to the nearest unit. */
export type IntervalRounding = 'exact' | 'whole-minutes' | 'nearest';

/** An interval value: the time since another time, in minutes or hours. */
export interface IntervalValue {
  type: 'minutesSince' | 'hoursSince';
  /** FHIRPath giving the start of the interval. */
  from: string;
  /** Default 'exact' (minutes to one decimal, hours to two). */
  rounding?: IntervalRounding;
  /** Values outside this range (in the interval's unit) are warned about; default 0 to 24 hours. */
  expectedRange?: { min?: number; max?: number };
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
  /** How the value is written: the time itself, or the minutes or hours since another FHIRPath time. */
  value?: { type: 'dateTime' } | IntervalValue;
  /** FHIRPath for effectiveDateTime; default: the same time. */
  effective?: string;
  status?: 'final' | 'preliminary' | 'amended';
  /** What happens to an Observation already written when its time is later removed. */
  onRemoved?: 'entered-in-error' | 'keep';
  /** Pulsara patient types (any case) this entry is written for; absent: every channel. */
  patientTypes?: string[];
  /** FHIRPath condition over the channel; the entry is written only when it gives true. */
  when?: string;
  /** What happens to an Observation already written when the entry no longer applies (the channel's type changed); default keep. */
  onNotApplicable?: 'keep' | 'entered-in-error';
  /** Timeline keys this entry reads that are the organisation's own items, not Pulsara's. */
  customTimelineKeys?: string[];
  /** Whether an entry with a sanity warning (negative, implausible, out of order) is written anyway (default) or skipped. */
  onImplausible?: 'write' | 'skip';
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
  /**
   * What the writer does with an Observation already in the EHR when `resource` is
   * undefined: the entry's onRemoved when its time was removed, its onNotApplicable (default
   * keep) when the entry no longer applies to the channel, keep when a time is unreadable.
   */
  onRemoved: 'entered-in-error' | 'keep';
  /** When `resource` is undefined: which expression found no time, and why (for previews). */
  missingTime?: MissingTime;
  /** When the entry's patientTypes or when do not hold for this channel: why, in plain words. */
  notApplicable?: string;
  /** True when the entry was not written because of its warnings (onImplausible: skip). */
  skippedForWarnings?: boolean;
}

/**
 * Why an entry's time expression found no time. `no-timeline-entry`: it reads
 * `timeline.where(key='X')` and the channel has no entry X (often a misspelt key);
 * `not-set-yet`: entry X is there without a time; `no-result`: any other empty result.
 * Carries mapping keys only, never channel values.
 */
export interface MissingTime {
  field: 'time' | 'value.from';
  /** `no-time-zone`: the time has no offset and the mapping no timeZone to read it in. */
  reason: 'no-timeline-entry' | 'not-set-yet' | 'no-result' | 'no-time-zone';
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
  /** When the mapping has a document that does not apply to this channel: why, in plain words. */
  documentNotApplicable?: string;
  /** What looked wrong while mapping this channel (builder output; absent means none). */
  warnings?: MappingWarning[];
}

/**
 * What a warning is about. Sanity: `negative-interval`, `implausible-interval` (outside the
 * entry's expected range), `out-of-order` (two times against their usual order). Zone:
 * `time-without-offset`. Mapping fit: `missing-timeline-entry` (the channel lacks a key an
 * applicable entry reads).
 */
export type MappingWarningKind =
  'negative-interval' | 'implausible-interval' | 'out-of-order' | 'time-without-offset' | 'missing-timeline-entry';

/**
 * One warning of the builder, as data: shown by preview, kept in the ledger. `message`
 * never holds PHI (no names, identifiers or dates; interval lengths only); the times
 * behind it are in `times`, which previews show and the ledger drops.
 */
export interface MappingWarning {
  /** The observation key, or `document`. */
  entry: string;
  kind: MappingWarningKind;
  message: string;
  /** What became of the entry: written anyway, skipped for this warning, or not written (its time could not be read). */
  action: 'written' | 'skipped' | 'not-written';
  /** The times of care behind the warning, by timeline key: for previews only. */
  times?: { key: string; time: string }[];
}
