import type { Encounter, Patient } from '@medplum/fhirtypes';
import { matchesOf } from './search-results';
import { BridgeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { FhirClient, ResolvedSubject } from './types';

/** What identifies the patient (and optionally the visit) of one delivery. */
export interface SubjectQuery {
  /** Identifier system of the MRN in the EHR. */
  patientSystem: string;
  mrn: string;
  encounterSystem?: string;
  csn?: string;
  /** Wait for a missing encounter like for a missing patient, instead of writing without it. */
  encounterRequired?: boolean;
}

export interface ResolveSubjectOptions {
  logger?: Logger;
}

function referencesPatient(encounter: Encounter, patientId: string): boolean {
  const reference = encounter.subject?.reference;
  // Servers may answer with absolute references; compare the Type/id tail.
  return (
    reference !== undefined && (reference === `Patient/${patientId}` || reference.endsWith(`/Patient/${patientId}`))
  );
}

/**
 * Finds the EHR Patient by MRN and, when a CSN is given, its Encounter. A patient not yet
 * registered is worth waiting for ('patient-wait'); several matches never resolve by
 * themselves (permanent). Messages and logs name systems and counts, never MRN/CSN values.
 */
export async function resolveSubject(
  client: FhirClient,
  query: SubjectQuery,
  options: ResolveSubjectOptions = {},
): Promise<ResolvedSubject> {
  if (query.mrn.trim() === '') {
    throw new BridgeError('identifier-empty', 'The channel has no MRN value to look the patient up with');
  }
  const patients = matchesOf<Patient>(
    await client.search('Patient', { identifier: `${query.patientSystem}|${query.mrn}` }),
    'Patient',
  );
  if (patients.length === 0) {
    throw new BridgeError(
      'patient-not-found',
      `No Patient with identifier system ${query.patientSystem} and the channel's MRN yet; waiting for registration`,
      {
        schedule: 'patient-wait',
      },
    );
  }
  if (patients.length > 1) {
    throw new BridgeError(
      'patient-ambiguous',
      `ambiguous patient: ${patients.length} matches for identifier system ${query.patientSystem} and the channel's MRN; merge or correct them in the EHR`,
      {
        detail: { patientIds: patients.map((p) => p.id) },
      },
    );
  }
  const patientId = patients[0].id as string;
  const subject: ResolvedSubject = { patient: { reference: `Patient/${patientId}` }, patientId };

  if (!query.encounterSystem || !query.csn?.trim()) {
    if (query.encounterRequired) {
      throw new BridgeError(
        'encounter-not-found',
        'The channel has no CSN yet and the mapping requires an encounter; waiting for it',
        { schedule: 'patient-wait' },
      );
    }
    options.logger?.debug('subject resolved', { patientId });
    return subject;
  }

  const found = matchesOf<Encounter>(
    await client.search('Encounter', {
      identifier: `${query.encounterSystem}|${query.csn}`,
      patient: `Patient/${patientId}`,
    }),
    'Encounter',
  );
  // Some servers ignore the patient parameter; never link another patient's visit.
  const encounters = found.filter((e) => referencesPatient(e, patientId));
  if (encounters.length > 1) {
    throw new BridgeError(
      'encounter-ambiguous',
      `ambiguous encounter: ${encounters.length} matches for identifier system ${query.encounterSystem} and the channel's CSN on Patient/${patientId}`,
      {
        detail: { patientId, encounterIds: encounters.map((e) => e.id) },
      },
    );
  }
  if (encounters.length === 0) {
    if (query.encounterRequired) {
      throw new BridgeError(
        'encounter-not-found',
        `No Encounter with identifier system ${query.encounterSystem} and the channel's CSN on Patient/${patientId} yet; waiting for it`,
        {
          schedule: 'patient-wait',
          detail: { patientId },
        },
      );
    }
    options.logger?.info('encounter not found, writing without it', { patientId });
    return subject;
  }
  const encounterId = encounters[0].id as string;
  options.logger?.debug('subject resolved', { patientId, encounterId });
  return { ...subject, encounter: { reference: `Encounter/${encounterId}` }, encounterId };
}
