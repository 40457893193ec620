import type { DocumentReference, Identifier, Observation } from '@medplum/fhirtypes';
import { missingTimeText } from '../build/missing-time';
import type { MappedResources, MappingFile } from '../types';

/** What `mapping preview` prints: the resources, readable, with the PDF cut short. */
export interface MappingPreview {
  mapping: string;
  channel: string;
  documentReference?: DocumentReference;
  observations: { key: string; identifier: Identifier; resource?: Observation; notWritten?: string }[];
}

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

/**
 * Turns built resources into the preview shape. An entry whose time is not set shows
 * why nothing would be written (a timeline key the channel lacks reads differently from
 * a time not entered yet), and what would happen to an Observation written before.
 */
export function toPreview(mapping: MappingFile, channelId: string, built: MappedResources): MappingPreview {
  return {
    mapping: `${mapping.name} v${mapping.version}`,
    channel: channelId,
    ...(built.documentReference && { documentReference: shortenAttachment(built.documentReference) }),
    observations: built.observations.map((entry) =>
      entry.resource
        ? { key: entry.key, identifier: entry.identifier, resource: entry.resource }
        : {
            key: entry.key,
            identifier: entry.identifier,
            notWritten: `${entry.missingTime ? missingTimeText(entry.missingTime) : 'a time it needs is not set in this channel'}; an Observation written earlier would be ${entry.onRemoved === 'keep' ? 'kept' : 'marked entered-in-error'}`,
          },
    ),
  };
}
