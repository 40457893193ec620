import { createHash } from 'node:crypto';
import type { DocumentReference, DocumentReferenceContext, Identifier, Period } from '@medplum/fhirtypes';
import { evaluateDateTime } from './fhirpath';
import { codeableConcept } from './codes';
import type { DocumentMapping, MappingFile, MappingInput } from '../types';

/** Suffixes of the bridge's identifier systems; the writer reads the returned identifiers. */
export const DOCUMENT_VERSION_SUFFIX = '/psr-version';
export const DOCUMENT_CHANNEL_SUFFIX = '/psr';

const DEFAULT_PERIOD_START = 'created_at';
const DEFAULT_PERIOD_END = 'updated_at';

export interface BuiltDocument {
  documentReference: DocumentReference;
  /** channel id + SHA-1 of the PDF: one version of the report. */
  versionIdentifier: Identifier;
  /** channel id: every version of the report of one channel. */
  channelIdentifier: Identifier;
}

function period(document: DocumentMapping, input: MappingInput): Period | undefined {
  const start = evaluateDateTime(document.periodStart ?? DEFAULT_PERIOD_START, input.channel, 'document.periodStart');
  const end = evaluateDateTime(document.periodEnd ?? DEFAULT_PERIOD_END, input.channel, 'document.periodEnd');
  if (start === undefined && end === undefined) {
    return undefined;
  }
  return { ...(start !== undefined && { start }), ...(end !== undefined && { end }) };
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
  const clinicalPeriod = period(document, input);
  if (clinicalPeriod) {
    context.period = clinicalPeriod;
  }

  const documentReference: DocumentReference = {
    resourceType: 'DocumentReference',
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
          creation: input.channel.updated_at ?? input.now.toISOString(),
        },
      },
    ],
    ...(Object.keys(context).length > 0 && { context }),
  };
  return { documentReference, versionIdentifier, channelIdentifier };
}
