import type { ContentRule, VendorProfile } from './types';

/** A date-time with seconds and a zone, as Millennium requires of every date it is sent. */
const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Code set 72 (event codes) of one Millennium tenant. */
const CODE_SET_72 = /^https:\/\/fhir\.cerner\.com\/[^/]+\/codeSet\/72$/;

const TRANSMITTER = "agent.where(type.coding.where(code = 'transmitter').exists())";

/** One rule per date element, so that a refusal names the element at fault. */
function datesWithTime(...paths: string[]): ContentRule[] {
  return paths.map((path) => ({
    check: 'pattern',
    path,
    pattern: DATE_TIME_WITH_ZONE,
    message: 'All provided dates must have a time component with seconds and a time zone.',
  }));
}

/**
 * Oracle Health Millennium R4 writes, from cerner/fhir.cerner.com (high confidence, see
 * fhir-notes.md "Real EHRs differ"):
 *
 * - DocumentReference create: `application/pdf` (no charset) or text types with
 *   `;charset=utf-8`; exactly one `content` with `data` and `contentType`; `status` current;
 *   `docStatus` required (final or amended); `context` with `context.period.end`; at most
 *   one encounter; every date with a time; `type` one LOINC or code set 72 coding.
 * - Observation create: one category, vital-signs or laboratory; vitals take only
 *   `valueQuantity` and need `performer` and `identifier`.
 * - Provenance create: exactly one target (DocumentReference or Observation), a
 *   `transmitter` agent whose `who` is an Organization.
 * - Business-rule failures answer 422 with an OperationOutcome; a bad search 400; an
 *   update with an out-of-date version 409 (the "Client Errors" list of the R4 overview).
 *
 * Two choices the notes leave open, decided from the R4 docs: the documented create answer
 * is `201` with `Content-Length: 0`, an absolute `Location` and an `Etag`, and no `Prefer`
 * header is documented, so this profile answers every create that way whatever `Prefer`
 * says; and no create documents `If-None-Exist` ("only the body fields mentioned below are
 * supported"), so a conditional create is not honoured: the header is ignored and a second
 * create files a second resource, as on Epic. A writer must dedupe by its own ledger and a
 * reconciliation read on both vendors.
 */
export const ORACLE_PROFILE: VendorProfile = {
  name: 'oracle',
  title: 'Oracle Health (Millennium)-like: PDF or charset text notes, Provenance, 422 on business rules',
  refusalStyle: 'oracle',
  contentRefusalStatus: 422,
  bundles: 'refuse',
  conditionalCreate: 'ignore',
  createAnswer: { body: 'empty', location: 'absolute' },
  unknownSearchParameter: 'refuse',
  warnOnEmptySearch: false,
  otherResourceTypes: ['read', 'search'],
  resources: {
    Patient: {
      interactions: ['read', 'search'],
      search: {
        parameters: ['_id', 'identifier', 'name', 'given', 'family', 'birthdate', 'gender', 'phone', 'email', '_count'],
        requireOneOf: ['_id', 'identifier', 'name', 'given', 'family', 'birthdate', 'phone', 'email'],
      },
    },
    Encounter: {
      interactions: ['read', 'search'],
      search: {
        parameters: ['_id', 'patient', 'subject', 'account', 'identifier', 'date', 'status', '_count'],
        requireOneOf: ['_id', 'patient', 'subject', 'account', 'identifier'],
      },
    },
    Organization: { interactions: ['read', 'search'] },
    DocumentReference: {
      interactions: ['read', 'search', 'create', 'update'],
      updateNeedsIfMatch: true,
      search: {
        parameters: ['_id', 'patient', 'encounter', 'period', 'type', 'category', '_count'],
        requireOneOf: ['_id', 'patient'],
      },
      write: {
        rules: [
          { check: 'required', path: 'subject', message: 'subject is required.' },
          {
            check: 'reference-type',
            path: 'subject',
            types: ['Patient'],
            message: 'subject must reference a Patient.',
          },
          { check: 'required', path: 'status', message: 'status is required.' },
          { check: 'one-of', path: 'status', values: ['current'], message: 'status must be current.' },
          { check: 'required', path: 'docStatus', message: 'docStatus is required.' },
          {
            check: 'one-of',
            path: 'docStatus',
            values: ['final', 'amended'],
            message: 'docStatus must be final or amended.',
          },
          {
            check: 'count',
            path: 'type.coding',
            min: 1,
            max: 1,
            message: 'type must have exactly one coding: a LOINC code or a code set 72 code, not both.',
          },
          {
            check: 'pattern',
            path: 'type.coding.system',
            pattern: new RegExp(`^http://loinc\\.org$|${CODE_SET_72.source}`),
            message: 'type must be coded in LOINC or code set 72.',
          },
          { check: 'count', path: 'content', min: 1, max: 1, message: 'Exactly one content is supported.' },
          { check: 'required', path: 'content.attachment.data', message: 'content.attachment.data is required.' },
          { check: 'required', path: 'content.attachment.contentType', message: 'contentType is required.' },
          {
            check: 'pattern',
            path: 'content.attachment.contentType',
            pattern:
              /^(application\/pdf|(text\/(plain|richtext|rtf|html)|application\/(xml|xhtml\+xml));\s*charset=utf-8)$/i,
            message: 'Unsupported contentType: use application/pdf (no charset) or a text type with ;charset=utf-8.',
          },
          { check: 'required', path: 'context', message: 'context is required.' },
          { check: 'required', path: 'context.period.end', message: 'context.period.end is required.' },
          { check: 'count', path: 'context.encounter', max: 1, message: 'At most one encounter is supported.' },
          {
            check: 'encounter-of-subject',
            path: 'context.encounter',
            message: 'The encounter is not valid for this patient.',
          },
          ...datesWithTime('date', 'context.period.start', 'context.period.end', 'content.attachment.creation'),
        ],
      },
    },
    Observation: {
      interactions: ['read', 'search', 'create'],
      search: {
        parameters: ['_id', 'patient', 'subject', 'category', 'code', 'date', '_count'],
        requireOneOf: ['_id', 'patient', 'subject'],
      },
      write: {
        rules: [
          { check: 'required', path: 'subject', message: 'subject is required.' },
          {
            check: 'reference-type',
            path: 'subject',
            types: ['Patient'],
            message: 'subject must reference a Patient.',
          },
          { check: 'required', path: 'status', message: 'status is required.' },
          { check: 'count', path: 'category', min: 1, max: 1, message: 'Exactly one category is supported.' },
          {
            check: 'one-of',
            path: 'category.coding.code',
            values: ['vital-signs', 'laboratory'],
            message: 'Only vital-signs and laboratory Observations can be created.',
          },
          { check: 'count', path: 'encounter', max: 1, message: 'At most one encounter is supported.' },
          { check: 'encounter-of-subject', path: 'encounter', message: 'The encounter is not valid for this patient.' },
          ...datesWithTime('effective', 'issued'),
          {
            check: 'when',
            condition: "category.coding.where(code = 'vital-signs').exists()",
            rules: [
              {
                check: 'choice',
                element: 'value',
                allowed: ['Quantity'],
                required: true,
                message: 'Vital signs support only valueQuantity.',
              },
              { check: 'required', path: 'performer', message: 'performer is required for vital signs.' },
              { check: 'required', path: 'identifier', message: 'identifier is required for vital signs.' },
            ],
          },
        ],
      },
    },
    Provenance: {
      interactions: ['read', 'search', 'create'],
      search: { parameters: ['_id', 'target', '_count'], requireOneOf: ['_id', 'target'] },
      write: {
        rules: [
          { check: 'count', path: 'target', min: 1, max: 1, message: 'Exactly one target is supported.' },
          {
            check: 'reference-type',
            path: 'target',
            types: ['DocumentReference', 'Observation'],
            message: 'target must reference a DocumentReference or an Observation.',
          },
          { check: 'required', path: 'recorded', message: 'recorded is required.' },
          ...datesWithTime('recorded'),
          { check: 'required', path: TRANSMITTER, element: 'agent', message: 'A transmitter agent is required.' },
          {
            check: 'reference-type',
            path: `${TRANSMITTER}.who`,
            element: 'agent.who',
            types: ['Organization'],
            message: 'The transmitter agent must be an Organization.',
          },
          {
            check: 'required',
            path: `${TRANSMITTER}.who`,
            element: 'agent.who',
            message: 'The transmitter agent needs who.',
          },
        ],
      },
    },
  },
};
