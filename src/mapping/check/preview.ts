import type { DocumentReference, Identifier, Observation } from '@medplum/fhirtypes';
import { buildResourcesReportingErrors } from '../build/build-resources';
import { missingTimeText, programmeHint } from '../build/missing-time';
import { localTimeText } from '../build/time-zone';
import type { MappedObservation, MappedResources, MappingFile, MappingWarning } from '../types';
import type { PatientChannel } from '../../pulsara/types';
import { previewLookup, unmappedTimes } from './preview-channel';
import type { PreviewLookup, PreviewTime } from './preview-channel';

export type { PreviewLookup, PreviewTime } from './preview-channel';

/** Why an entry is not written, as a stable word a page can style and a test can assert. */
export type SkipReason =
  'not-applicable' | 'time-not-set' | 'no-timeline-entry' | 'no-time-zone' | 'warnings' | 'error';

export interface PreviewEntry {
  key: string;
  identifier: Identifier;
  status: 'written' | 'skipped';
  resource?: Observation;
  /** The value for people: a local time, or an interval such as `16 min`. */
  valueText?: string;
  skipReason?: SkipReason;
  /** For a skipped entry: why, and what becomes of an Observation filed earlier, in plain words. */
  notWritten?: string;
}

/** A builder warning with its times shown as local times too. */
export interface PreviewWarning extends Omit<MappingWarning, 'times'> {
  times?: PreviewTime[];
}

/** What `mapping preview` shows: every entry's fate, the warnings, the lookup, the unmapped times. */
export interface MappingPreview {
  /** `name vversion`. */
  mapping: string;
  mappingName: string;
  mappingVersion: string;
  channel: string;
  patientType?: string;
  timeZone?: string;
  lookup: PreviewLookup;
  document: {
    status: 'written' | 'skipped';
    skipReason?: 'no-document-section' | 'not-applicable' | 'no-pdf' | 'error';
    reason?: string;
  };
  /** The DocumentReference that would be written, its PDF cut short. */
  documentReference?: DocumentReference;
  observations: PreviewEntry[];
  warnings: PreviewWarning[];
  /** Entries the mapping fails on with this channel: a delivery would stop with this error. */
  errors: { entry: string; message: string }[];
  /** Times set in the channel that no entry writes for it. */
  unmappedTimes: PreviewTime[];
}

export interface PreviewOptions {
  /** The PSR; without it the DocumentReference is not shown. */
  summary?: Buffer;
  /** Subject and visit references to write; default a placeholder patient, no visit. */
  patient?: string;
  encounter?: string;
  /** DocumentReference.date. */
  now: Date;
}

export const PLACEHOLDER_PATIENT = 'Patient/preview-patient';

/** Base64 characters of the PDF kept in a preview: enough to see it starts with %PDF. */
const SHOWN_BASE64 = 24;

/** A copy of the DocumentReference with its inline PDF shortened and the size said. */
function shortenAttachment(doc: DocumentReference): DocumentReference {
  return {
    ...doc,
    content: doc.content.map((content) => {
      const data = content.attachment.data;
      if (data === undefined || data.length <= SHOWN_BASE64) {
        return content;
      }
      const bytes = content.attachment.size ?? Buffer.from(data, 'base64').length;
      return {
        ...content,
        attachment: {
          ...content.attachment,
          data: `${data.slice(0, SHOWN_BASE64)}…[truncated in this preview: ${bytes} bytes of PDF, ${data.length} base64 characters]`,
        },
      };
    }),
  };
}

function earlier(entry: MappedObservation): string {
  return `an Observation written earlier would be ${entry.onRemoved === 'keep' ? 'kept' : 'marked entered-in-error'}`;
}

function skipped(entry: MappedObservation, channelId: string, channel?: PatientChannel): PreviewEntry {
  const base = { key: entry.key, identifier: entry.identifier, status: 'skipped' as const };
  if (entry.notApplicable !== undefined) {
    return {
      ...base,
      skipReason: 'not-applicable',
      notWritten: `not for this channel: ${entry.notApplicable}; ${earlier(entry)}`,
    };
  }
  if (entry.skippedForWarnings) {
    return {
      ...base,
      skipReason: 'warnings',
      notWritten: `skipped for its warnings (onImplausible: skip); ${earlier(entry)}`,
    };
  }
  const missing = entry.missingTime;
  const reason: SkipReason =
    missing?.reason === 'no-timeline-entry'
      ? 'no-timeline-entry'
      : missing?.reason === 'no-time-zone'
        ? 'no-time-zone'
        : 'time-not-set';
  const why = missing
    ? `${missingTimeText(missing)}${channel ? programmeHint(missing.timelineKey, channel) : ''}`
    : `a time it needs is not set in channel ${channelId}`;
  return { ...base, skipReason: reason, notWritten: `${why}; ${earlier(entry)}` };
}

function valueText(resource: Observation, timeZone: string | undefined): string | undefined {
  if (resource.valueDateTime !== undefined) {
    return localTimeText(resource.valueDateTime, timeZone);
  }
  const quantity = resource.valueQuantity;
  return quantity?.value === undefined ? undefined : `${quantity.value} ${quantity.unit ?? ''}`.trim();
}

function previewWarning(warning: MappingWarning, timeZone: string | undefined): PreviewWarning {
  const { times, ...rest } = warning;
  return times ? { ...rest, times: times.map((t) => previewTimeOf(t.key, t.time, timeZone)) } : rest;
}

function previewTimeOf(key: string, time: string, timeZone: string | undefined): PreviewTime {
  return { key, time, local: localTimeText(time, timeZone) };
}

/**
 * The entries and warnings of built resources, for a preview. An entry that is not set
 * shows why nothing would be written (a timeline key the channel lacks reads differently
 * from a time not entered yet, and from an entry that is not for this channel), and what
 * would happen to an Observation written before.
 */
export function toPreview(
  mapping: MappingFile,
  channelId: string,
  built: MappedResources,
  channel?: PatientChannel,
): Pick<MappingPreview, 'mapping' | 'channel' | 'documentReference' | 'observations' | 'warnings'> {
  return {
    mapping: `${mapping.name} v${mapping.version}`,
    channel: channelId,
    ...(built.documentReference && { documentReference: shortenAttachment(built.documentReference) }),
    observations: built.observations.map((entry) =>
      entry.resource
        ? {
            key: entry.key,
            identifier: entry.identifier,
            status: 'written',
            resource: entry.resource,
            valueText: valueText(entry.resource, mapping.timeZone),
          }
        : skipped(entry, channelId, channel),
    ),
    warnings: (built.warnings ?? []).map((w) => previewWarning(w, mapping.timeZone)),
  };
}

function documentStatus(
  mapping: MappingFile,
  built: MappedResources,
  summary: Buffer | undefined,
): MappingPreview['document'] {
  if (built.documentReference) {
    return { status: 'written' };
  }
  if (!mapping.document) {
    return {
      status: 'skipped',
      skipReason: 'no-document-section',
      reason: 'this mapping has no document section: only Observations are written',
    };
  }
  if (built.documentNotApplicable !== undefined) {
    return {
      status: 'skipped',
      skipReason: 'not-applicable',
      reason: `not for this channel: ${built.documentNotApplicable}`,
    };
  }
  return summary
    ? { status: 'skipped', skipReason: 'error', reason: 'the document could not be built (see errors)' }
    : { status: 'skipped', skipReason: 'no-pdf', reason: 'no PDF given: the summary DocumentReference is not shown' };
}

/**
 * What a mapping makes of a saved channel, with no EHR: the dry run's pure part, which the
 * CLI prints and a page can render. Never throws for a mapping that fails on the channel:
 * the failing entries are listed in `errors`.
 */
export function previewMapping(mapping: MappingFile, channel: PatientChannel, options: PreviewOptions): MappingPreview {
  const { resources, errors } = buildResourcesReportingErrors(mapping, {
    channel,
    patient: { reference: options.patient ?? PLACEHOLDER_PATIENT },
    ...(options.encounter !== undefined && { encounter: { reference: options.encounter } }),
    summary: options.summary,
    now: options.now,
  });
  const core = toPreview(mapping, channel.id, resources, channel);
  const failed = new Map(errors.map((e) => [e.entry, e.error.message]));
  const observations = mapping.observations.map(
    (entry) =>
      core.observations.find((o) => o.key === entry.key) ?? {
        key: entry.key,
        identifier: { system: `${mapping.identifierSystem}/timeline`, value: `${channel.id}.${entry.key}` },
        status: 'skipped' as const,
        skipReason: 'error' as const,
        notWritten: failed.get(`observations[key=${entry.key}]`) ?? 'the entry could not be built',
      },
  );
  return {
    ...core,
    mappingName: mapping.name,
    mappingVersion: mapping.version,
    ...(typeof channel.patient_type === 'string' && { patientType: channel.patient_type }),
    ...(mapping.timeZone !== undefined && { timeZone: mapping.timeZone }),
    lookup: previewLookup(mapping, channel),
    document: documentStatus(mapping, resources, options.summary),
    observations,
    errors: errors.map((e) => ({ entry: e.entry, message: e.error.message })),
    unmappedTimes: unmappedTimes(mapping, channel, resources),
  };
}
