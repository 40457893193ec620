/**
 * The shape check on a patient channel read from Pulsara. Only what the bridge relies on
 * is checked (an id, identifiers as an array of named entries, timeline entries with a key
 * and a string or null time);
 * extra fields are kept for the mapping's FHIRPath expressions. Messages carry ids and
 * field names, never values.
 */
import { BridgeError } from '../shared/errors';
import type { PatientChannel } from './types';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badShape(channelId: string, problem: string): BridgeError {
  return new BridgeError(
    'pulsara-bad-response',
    `Pulsara answered channel ${channelId} with JSON of an unexpected shape: ${problem}. Check PULSARA_API_BASE_URL points at the Pulsara API.`,
    { detail: { channelId, problem } },
  );
}

/** Returns the channel when it has the shape the bridge needs; else a 'pulsara-bad-response' error. */
export function checkChannelShape(value: unknown, requestedId: string): PatientChannel {
  if (!isRecord(value)) {
    throw badShape(requestedId, 'the body is not a JSON object');
  }
  if (typeof value.id !== 'string' || value.id === '') {
    throw badShape(requestedId, 'no id');
  }
  // A different channel in the answer means something between us and Pulsara mixed up
  // requests: never file one patient's data under another's identifiers.
  if (value.id !== requestedId) {
    throw badShape(requestedId, `the answer is for another channel (${value.id})`);
  }
  if (!Array.isArray(value.identifiers)) {
    throw badShape(requestedId, 'identifiers is not an array');
  }
  value.identifiers.forEach((identifier, index) => {
    if (!isRecord(identifier) || typeof identifier.name !== 'string') {
      throw badShape(requestedId, `identifiers[${index}] has no name`);
    }
  });
  if (value.timeline !== undefined) {
    if (!Array.isArray(value.timeline)) {
      throw badShape(requestedId, 'timeline is not an array');
    }
    value.timeline.forEach((entry, index) => {
      if (!isRecord(entry) || typeof entry.key !== 'string') {
        throw badShape(requestedId, `timeline[${index}] has no key`);
      }
      if (entry.time !== null && entry.time !== undefined && typeof entry.time !== 'string') {
        throw badShape(requestedId, `timeline[${index}].time is neither a string nor null`);
      }
    });
  }
  return value as PatientChannel;
}
