import type { VendorProfile } from './types';

/**
 * Epic-like writes, from the public Epic catalogue as gathered in fhir-notes.md ("Real EHRs
 * differ", Epic: medium confidence) and integrators' notes on Epic's error answers:
 *
 * - Clinical Notes: `DocumentReference.Create` takes base64 `text/plain` only, keeps only the
 *   first attachment, needs `status` current, `docStatus` final or preliminary, and an
 *   existing encounter of that patient. No dedupe: a repeated create files a second note.
 * - Vitals: `Observation.Create` files one reading to a flowsheet row named by one coding;
 *   `status` final; an encounter of the patient; a second reading of the same row at the
 *   same instant is refused with error 59189.
 * - No transactions or batch, no conditional create (`If-None-Exist` has no effect), no
 *   update or delete of notes and vitals, no Binary, Media or Provenance create.
 * - A create answers 201 with an empty body and a relative Location unless the client
 *   sends `Prefer: return=representation`.
 * - Searches: Patient by identifier (MRN), Encounter by identifier and patient, notes by
 *   patient, encounter, category or type. A parameter Epic does not know is dropped with a
 *   warning (4122) in the Bundle, so `DocumentReference?identifier=` is not a filter here.
 */
export const EPIC_PROFILE: VendorProfile = {
  name: 'epic',
  title: 'Epic-like: notes as text/plain, vitals to flowsheet rows, no transactions, no conditional create',
  refusalStyle: 'epic',
  contentRefusalStatus: 400,
  bundles: 'refuse',
  conditionalCreate: 'ignore',
  createAnswer: { body: 'prefer', location: 'relative' },
  unknownSearchParameter: 'ignore-with-warning',
  warnOnEmptySearch: true,
  otherResourceTypes: ['read', 'search'],
  resources: {
    Patient: {
      interactions: ['read', 'search'],
      search: {
        parameters: ['_id', 'identifier', 'family', 'given', 'name', 'birthdate', 'gender', '_count'],
        requireOneOf: ['_id', 'identifier', 'family', 'given', 'name', 'birthdate'],
      },
    },
    Encounter: {
      interactions: ['read', 'search'],
      search: {
        parameters: ['_id', 'patient', 'subject', 'identifier', 'date', 'status', '_count'],
        requireOneOf: ['_id', 'patient', 'subject'],
      },
    },
    DocumentReference: {
      interactions: ['read', 'search', 'create'],
      search: {
        parameters: [
          '_id',
          'patient',
          'subject',
          'encounter',
          'category',
          'type',
          'date',
          'period',
          'docstatus',
          '_count',
        ],
        requireOneOf: ['_id', 'patient', 'subject'],
      },
      write: {
        keepFirst: ['content'],
        rules: [
          { check: 'required', path: 'subject', message: 'A patient (subject) is required to file a note.' },
          { check: 'reference-type', path: 'subject', types: ['Patient'], message: 'The subject must be a Patient.' },
          { check: 'required', path: 'type.coding', message: 'A note type is required.' },
          { check: 'required', path: 'status', message: 'status is required.' },
          {
            check: 'one-of',
            path: 'status',
            values: ['current'],
            message: 'Only notes with status "current" can be created.',
          },
          { check: 'required', path: 'docStatus', message: 'docStatus is required (final or preliminary).' },
          {
            check: 'one-of',
            path: 'docStatus',
            values: ['final', 'preliminary'],
            message: 'docStatus must be "final" (signed note) or "preliminary" (draft).',
          },
          {
            check: 'required',
            path: 'content.attachment.data',
            message: 'The note text must be sent inline as base64 data.',
          },
          {
            check: 'pattern',
            path: 'content.attachment.contentType',
            pattern: /^text\/plain(\s*;\s*charset=utf-8)?$/i,
            message: 'Unsupported content type: only text/plain notes can be filed through FHIR.',
          },
          {
            check: 'count',
            path: 'context.encounter',
            min: 1,
            max: 1,
            message: 'The note must name exactly one encounter (context.encounter).',
          },
          {
            check: 'encounter-of-subject',
            path: 'context.encounter',
            message: 'The encounter does not exist or does not belong to this patient.',
          },
        ],
      },
    },
    Observation: {
      interactions: ['read', 'search', 'create'],
      search: {
        parameters: ['_id', 'patient', 'subject', 'category', 'code', 'date', 'encounter', '_count'],
        requireOneOf: ['_id', 'patient', 'subject'],
      },
      write: {
        rules: [
          { check: 'required', path: 'subject', message: 'A patient (subject) is required.' },
          { check: 'reference-type', path: 'subject', types: ['Patient'], message: 'The subject must be a Patient.' },
          {
            check: 'required',
            path: "category.coding.where(code = 'vital-signs')",
            element: 'category',
            message: 'Only vital-signs Observations (flowsheet rows) can be created.',
          },
          {
            check: 'count',
            path: 'code.coding',
            min: 1,
            max: 1,
            message: 'code must carry exactly one coding: the flowsheet row.',
          },
          { check: 'required', path: 'status', message: 'status is required.' },
          { check: 'one-of', path: 'status', values: ['final'], message: 'Only final readings can be filed.' },
          { check: 'count', path: 'encounter', min: 1, max: 1, message: 'An encounter is required to file a reading.' },
          {
            check: 'encounter-of-subject',
            path: 'encounter',
            open: true,
            message: 'The encounter does not exist, does not belong to this patient, or is closed.',
          },
          {
            check: 'choice',
            element: 'value',
            allowed: ['Quantity', 'String', 'CodeableConcept', 'DateTime'],
            required: true,
            message: 'The reading needs one value: valueQuantity, valueString, valueCodeableConcept or valueDateTime.',
          },
        ],
        duplicate: {
          key: ['subject.reference', 'encounter.reference', 'code.coding.system', 'code.coding.code', 'effective'],
          status: 400,
          vendorCode: '59189',
          message: 'A value has already been filed to this flowsheet row at this time.',
        },
      },
    },
  },
};
