import type { PatientChannel } from '../pulsara/types';
import type { MappingFile } from './types';

/** The value a user typed into a channel identifier, or undefined while it is empty. */
export function identifierValue(channel: PatientChannel, name: string): string | undefined {
  const entry = (channel.identifiers ?? []).find((i) => i.name === name);
  const value = typeof entry?.value === 'string' ? entry.value.trim() : '';
  return value === '' ? undefined : value;
}

/**
 * The identifiers a delivery looks the patient and visit up with, as the mapping names
 * them, and which one is missing when the delivery cannot go on yet: the MRN always, the
 * visit number when the mapping requires the visit. The delivery pipeline and the preview
 * both decide with this, so a preview says "ignored" exactly when a delivery would be.
 */
export interface SubjectIdentifiers {
  mrn?: string;
  csn?: string;
  /** Set when a delivery would end `ignored` now (the user may still be typing). */
  missing?: 'patient' | 'encounter';
}

export function subjectIdentifiers(mapping: MappingFile, channel: PatientChannel): SubjectIdentifiers {
  const mrn = identifierValue(channel, mapping.patient.identifierName);
  const csn = mapping.encounter ? identifierValue(channel, mapping.encounter.identifierName) : undefined;
  const missing =
    mrn === undefined ? 'patient' : mapping.encounter?.required && csn === undefined ? 'encounter' : undefined;
  return { mrn, csn, ...(missing !== undefined && { missing }) };
}
