import type { PatientChannel } from '../../pulsara/types';
import { BridgeError } from '../../shared/errors';
import { notApplicableReason } from './conditions';
import { buildDocumentReference } from './document-builder';
import { buildObservation, entryName } from './observation-builder';
import type { EntryContext } from './observation-builder';
import { assertValidResource } from './resource-validation';
import { outOfOrderTimes } from './time-order';
import type { MappedResources, MappingFile, MappingInput, MappingWarning } from '../types';

/** An entry that could not be built: its name (`document`, `observations[key=…]`) and why. */
export interface EntryError {
  entry: string;
  error: BridgeError;
}

/**
 * Whether the mapping's document applies to the channel (its patientTypes and when), so
 * that a delivery fetches the PSR only when it will be written.
 */
export function documentApplies(mapping: MappingFile, channel: PatientChannel): boolean {
  return mapping.document !== undefined && notApplicableReason(mapping.document, channel, 'document') === undefined;
}

/** Runs one entry's build; an error is thrown on, or handed to `onError` and the entry left out. */
function attempt<T>(entry: string, build: () => T, onError?: (error: EntryError) => void): T | undefined {
  if (!onError) {
    return build();
  }
  try {
    return build();
  } catch (err) {
    if (!(err instanceof BridgeError)) {
      throw err;
    }
    onError({ entry, error: err });
    return undefined;
  }
}

function build(mapping: MappingFile, input: MappingInput, onError?: (error: EntryError) => void): MappedResources {
  const result: MappedResources = { observations: [] };
  const warnings: MappingWarning[] = [];
  const document = mapping.document;
  if (document) {
    const reason = attempt('document', () => notApplicableReason(document, input.channel, 'document'), onError);
    if (reason !== undefined) {
      result.documentNotApplicable = reason;
    } else if (input.summary) {
      const summary = input.summary;
      const built = attempt(
        'document',
        () => {
          const made = buildDocumentReference(mapping, document, input, summary);
          assertValidResource(made.documentReference, 'document');
          return made;
        },
        onError,
      );
      if (built) {
        result.documentReference = built.documentReference;
        result.documentVersionIdentifier = built.versionIdentifier;
        result.documentChannelIdentifier = built.channelIdentifier;
        warnings.push(...built.warnings);
      }
    }
  }
  const context: EntryContext = { mapping, input, outOfOrder: outOfOrderTimes(input.channel, mapping.timeZone) };
  for (const entry of mapping.observations) {
    const built = attempt(
      entryName(entry),
      () => {
        const made = buildObservation(context, entry);
        if (made.mapped.resource) {
          assertValidResource(made.mapped.resource, entryName(entry));
        }
        return made;
      },
      onError,
    );
    if (built) {
      result.observations.push(built.mapped);
      warnings.push(...built.warnings);
    }
  }
  if (warnings.length > 0) {
    result.warnings = warnings;
  }
  return result;
}

/**
 * Everything the mapping makes for one delivery: the DocumentReference (when the mapping
 * has a document that applies to the channel and the PSR was given), one entry per
 * timestamp, and the warnings raised on the way. Pure and deterministic: no I/O, no clock
 * (the time comes in as `input.now`). Every resource is checked against FHIR R4 before it
 * is returned; a mapping that builds an invalid one fails with 'mapping-invalid-resource'
 * naming its entry.
 */
export function buildResources(mapping: MappingFile, input: MappingInput): MappedResources {
  return build(mapping, input);
}

/**
 * As buildResources, but an entry that fails is reported and left out instead of failing
 * the whole build: a preview shows every entry's fate at once.
 */
export function buildResourcesReportingErrors(
  mapping: MappingFile,
  input: MappingInput,
): { resources: MappedResources; errors: EntryError[] } {
  const errors: EntryError[] = [];
  const resources = build(mapping, input, (error) => errors.push(error));
  return { resources, errors };
}
