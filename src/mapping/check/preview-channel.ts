import { localTimeText } from '../build/time-zone';
import { timelineKeysRead } from '../build/timeline-keys';
import { timelineLabel } from '../pulsara-catalogue';
import { subjectIdentifiers } from '../subject-identifiers';
import type { MappedResources, MappingFile } from '../types';
import type { PatientChannel } from '../../pulsara/types';

/** A time of care as a preview shows it: as sent, and in the site's local time. */
export interface PreviewTime {
  key: string;
  label?: string;
  time: string;
  local: string;
}

/** One identifier lookup a delivery makes; the value itself is never shown. */
export interface PreviewIdentifierLookup {
  identifierName: string;
  system: string;
  /** Whether the channel's identifier field holds a value. */
  filledIn: boolean;
  /** The search, with the value left as a placeholder. */
  search: string;
}

export interface PreviewLookup {
  patient: PreviewIdentifierLookup;
  encounter?: PreviewIdentifierLookup & { required: boolean };
  /** Set when a delivery of this channel would end ignored now, and why. */
  ignored?: string;
}

/**
 * The patient and visit lookup a delivery would make for this channel, and whether it
 * would be ignored for now (an empty MRN, or an empty visit number the mapping requires).
 * Identifier values are PHI: only whether they are filled in is shown.
 */
export function previewLookup(mapping: MappingFile, channel: PatientChannel): PreviewLookup {
  const found = subjectIdentifiers(mapping, channel);
  const lookup: PreviewLookup = {
    patient: {
      identifierName: mapping.patient.identifierName,
      system: mapping.patient.system,
      filledIn: found.mrn !== undefined,
      search: `Patient?identifier=${mapping.patient.system}|<${mapping.patient.identifierName}>`,
    },
  };
  if (mapping.encounter) {
    lookup.encounter = {
      identifierName: mapping.encounter.identifierName,
      system: mapping.encounter.system,
      filledIn: found.csn !== undefined,
      required: mapping.encounter.required ?? false,
      search: `Encounter?identifier=${mapping.encounter.system}|<${mapping.encounter.identifierName}>&patient=<the patient found>`,
    };
  }
  if (found.missing !== undefined) {
    const name = found.missing === 'patient' ? mapping.patient.identifierName : mapping.encounter?.identifierName;
    lookup.ignored = `the channel's "${name}" identifier is empty, so a delivery would end ignored (identifier-empty) until it is filled in`;
  }
  return lookup;
}

/**
 * Times set in the channel that no entry writes for it: keys that no applicable entry
 * reads. They may be worth an entry, or be fine to leave out; the preview lists them.
 */
export function unmappedTimes(mapping: MappingFile, channel: PatientChannel, built: MappedResources): PreviewTime[] {
  const applicable = new Set(built.observations.filter((o) => o.notApplicable === undefined).map((o) => o.key));
  const read = new Set<string>();
  for (const entry of mapping.observations) {
    if (!applicable.has(entry.key)) {
      continue;
    }
    const expressions = [entry.time, entry.effective, entry.value?.type === 'dateTime' ? undefined : entry.value?.from];
    for (const key of expressions.flatMap((e) => timelineKeysRead(e))) {
      read.add(key);
    }
  }
  return (channel.timeline ?? [])
    .filter((entry) => typeof entry.time === 'string' && entry.time !== '' && !read.has(entry.key))
    .map((entry) => ({
      key: entry.key,
      label: entry.label ?? timelineLabel(entry.key),
      time: entry.time as string,
      local: localTimeText(entry.time as string, mapping.timeZone),
    }));
}
