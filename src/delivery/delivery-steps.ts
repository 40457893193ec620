import type { SubjectQuery } from '../ehr/resolve-subject';
import type { ResolvedSubject, WriteRequest } from '../ehr/types';
import { buildResources } from '../mapping/build/build-resources';
import { subjectIdentifiers } from '../mapping/subject-identifiers';
import type { MappedResources, MappingFile, MappingWarning } from '../mapping/types';
import type { PatientChannel } from '../pulsara/types';
import { BridgeError } from '../shared/errors';
import type { DeliveryWarning } from '../shared/write-outcome';

/*
 * The steps a delivery and its dry run (`mapping preview --ehr`) share, so that a dry run
 * plans exactly what the delivery then writes.
 */

/**
 * How the patient and visit of a channel are looked up, or the 'identifier-empty' error
 * (schedule skip: the delivery ends ignored) while an identifier it needs is still empty.
 */
export function subjectQueryFor(mapping: MappingFile, channel: PatientChannel, channelId: string): SubjectQuery {
  const { mrn, csn, missing } = subjectIdentifiers(mapping, channel);
  if (missing !== undefined || mrn === undefined) {
    const name = missing === 'encounter' ? mapping.encounter?.identifierName : mapping.patient.identifierName;
    const required = missing === 'encounter' ? ', which the mapping requires' : '';
    throw new BridgeError(
      'identifier-empty',
      `Channel ${channelId} has no value in its "${name}" identifier yet${missing === 'encounter' ? required : ' (the user may still be typing)'}; ` +
        'the identifier event Pulsara sends when it is filled in will deliver the channel.',
      { schedule: 'skip' },
    );
  }
  return {
    patientSystem: mapping.patient.system,
    mrn,
    encounterSystem: mapping.encounter?.system,
    csn,
    encounterRequired: mapping.encounter?.required ?? false,
  };
}

/** The resources of one delivery, for the subject found in the EHR. */
export function mapForSubject(
  mapping: MappingFile,
  channel: PatientChannel,
  subject: ResolvedSubject,
  summary: Buffer | undefined,
  now: Date,
): MappedResources {
  return buildResources(mapping, { channel, patient: subject.patient, encounter: subject.encounter, summary, now });
}

export function writeRequestFor(
  channelId: string,
  subject: ResolvedSubject,
  resources: MappedResources,
  mapping: MappingFile,
): WriteRequest {
  return { channelId, subject, resources, mappingVersion: mapping.version };
}

/** The mapping's warnings as the ledger keeps them: without the times of care behind them. */
export function ledgerWarnings(warnings: readonly MappingWarning[] | undefined): DeliveryWarning[] | undefined {
  if (!warnings || warnings.length === 0) {
    return undefined;
  }
  return warnings.map(({ entry, kind, message, action }) => ({ entry, kind, message, action }));
}
