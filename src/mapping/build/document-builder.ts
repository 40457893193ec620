import { createHash } from 'node:crypto';
import type { DocumentReference, DocumentReferenceContext, Identifier, Period } from '@medplum/fhirtypes';
import { readChannelTime } from './fhirpath';
import { codeableConcept } from './codes';
import { mappingMeta } from './mapping-tag';
import { hasTimeWithoutOffset, inSiteZone, readAsSiteTime } from './time-zone';
import type { DocumentMapping, MappingFile, MappingInput, MappingWarning } from '../types';

/** Suffixes of the bridge's identifier systems; the writer reads the returned identifiers. */
export const DOCUMENT_VERSION_SUFFIX = '/psr-version';
export const DOCUMENT_CHANNEL_SUFFIX = '/psr';

const DEFAULT_PERIOD_START = 'created_at';
const DEFAULT_PERIOD_END = 'updated_at';

export interface BuiltDocument {
  documentReference: DocumentReference;
  /** Period times sent without an offset: read in the site's zone, or left out without one. */
  warnings: MappingWarning[];
  /** channel id + SHA-1 of the PDF: one version of the report. */
  versionIdentifier: Identifier;
  /** channel id: every version of the report of one channel. */
  channelIdentifier: Identifier;
}

function periodBound(
  field: 'periodStart' | 'periodEnd',
  expression: string,
  mapping: MappingFile,
  input: MappingInput,
  warnings: MappingWarning[],
): string | undefined {
  const read = readChannelTime(expression, input.channel, `document.${field}`, mapping.timeZone);
  if (read.kind === 'none') {
    return undefined;
  }
  if (read.kind === 'no-offset') {
    warnings.push({
      entry: 'document',
      kind: 'time-without-offset',
      message: `${field} was sent without a time zone offset and the mapping has no "timeZone" to read it in, so it is left out; set "timeZone" at the top of the mapping (e.g. "America/Chicago")`,
      action: 'written',
    });
    return undefined;
  }
  if (read.readAsLocal) {
    warnings.push({
      entry: 'document',
      kind: 'time-without-offset',
      message: `${field} was sent without a time zone offset; it was read as ${mapping.timeZone} local time`,
      action: 'written',
      times: [{ key: field, time: read.value }],
    });
  }
  return read.value;
}

function period(
  mapping: MappingFile,
  document: DocumentMapping,
  input: MappingInput,
  warnings: MappingWarning[],
): Period | undefined {
  const start = periodBound('periodStart', document.periodStart ?? DEFAULT_PERIOD_START, mapping, input, warnings);
  const end = periodBound('periodEnd', document.periodEnd ?? DEFAULT_PERIOD_END, mapping, input, warnings);
  if (start === undefined && end === undefined) {
    return undefined;
  }
  return { ...(start !== undefined && { start }), ...(end !== undefined && { end }) };
}

/** The attachment's creation time: when the channel last changed, in the site's offset when set. */
function creation(mapping: MappingFile, input: MappingInput): string {
  const updated = input.channel.updated_at;
  if (typeof updated !== 'string' || updated === '') {
    return input.now.toISOString();
  }
  if (mapping.timeZone === undefined) {
    // A time without an offset is no FHIR dateTime; the report's own time is the next best.
    return hasTimeWithoutOffset(updated) ? input.now.toISOString() : updated;
  }
  return hasTimeWithoutOffset(updated)
    ? readAsSiteTime(updated, mapping.timeZone)
    : inSiteZone(updated, mapping.timeZone);
}

/**
 * The DocumentReference that carries the PSR PDF inline. Pure: the same mapping, input
 * and `now` give the same resource. Its masterIdentifier changes with the PDF's content,
 * so a regenerated report is recognised as a new version of the same channel's document.
 */
export function buildDocumentReference(
  mapping: MappingFile,
  document: DocumentMapping,
  input: MappingInput,
  summary: Buffer,
): BuiltDocument {
  const channelId = input.channel.id;
  const sha1 = createHash('sha1').update(summary).digest();
  const versionIdentifier: Identifier = {
    system: `${mapping.identifierSystem}${DOCUMENT_VERSION_SUFFIX}`,
    value: `${channelId}.${sha1.toString('hex')}`,
  };
  const channelIdentifier: Identifier = {
    system: `${mapping.identifierSystem}${DOCUMENT_CHANNEL_SUFFIX}`,
    value: channelId,
  };

  const context: DocumentReferenceContext = {};
  if (input.encounter) {
    context.encounter = [{ ...input.encounter }];
  }
  const warnings: MappingWarning[] = [];
  const clinicalPeriod = period(mapping, document, input, warnings);
  if (clinicalPeriod) {
    context.period = clinicalPeriod;
  }

  const documentReference: DocumentReference = {
    resourceType: 'DocumentReference',
    meta: mappingMeta(mapping),
    masterIdentifier: { ...versionIdentifier },
    identifier: [{ ...channelIdentifier }],
    status: document.status ?? 'current',
    docStatus: document.docStatus ?? 'final',
    type: codeableConcept(mapping, document.type, 'document.type'),
    category: document.category.map((name, i) => codeableConcept(mapping, name, `document.category[${i}]`)),
    subject: { ...input.patient },
    date: input.now.toISOString(),
    ...(document.custodian !== undefined && { custodian: { reference: document.custodian } }),
    ...(document.description !== undefined && { description: document.description }),
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          data: summary.toString('base64'),
          size: summary.length,
          hash: sha1.toString('base64'),
          title: document.title,
          creation: creation(mapping, input),
        },
      },
    ],
    ...(Object.keys(context).length > 0 && { context }),
  };
  return { documentReference, versionIdentifier, channelIdentifier, warnings };
}
