import type { WebhookEvent } from '../pulsara/types';

/**
 * Checks that a parsed body is a Pulsara event the bridge can store, and decides whether the
 * mapping wants it. Unknown extra fields are ignored, never rejected.
 */
export type EventCheck =
  { ok: true; event: WebhookEvent; channelId: string | null; ignoredReason?: string } | { ok: false; problem: string };

export interface TriggerSettings {
  events: readonly string[];
  identifierNames: readonly string[];
}

const MAX_ID_LENGTH = 200;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_ID_LENGTH;
}

export function checkWebhookEvent(body: unknown, triggers: TriggerSettings): EventCheck {
  if (!isRecord(body)) {
    return { ok: false, problem: 'the body must be a JSON object' };
  }
  if (!nonEmptyString(body.id)) {
    return { ok: false, problem: `"id" must be a non-empty string of at most ${MAX_ID_LENGTH} characters` };
  }
  if (!nonEmptyString(body.type)) {
    return { ok: false, problem: '"type" must be a non-empty string' };
  }
  const event = body as WebhookEvent;
  const data = isRecord(body.data) ? body.data : undefined;
  const channelId = data && nonEmptyString(data.patient_channel_id) ? data.patient_channel_id : null;

  if (!triggers.events.includes(event.type)) {
    return { ok: true, event, channelId, ignoredReason: `event type ${event.type} is not a trigger in the mapping` };
  }
  if (channelId === null) {
    return { ok: false, problem: '"data.patient_channel_id" must be a non-empty string' };
  }
  const identifier = data && isRecord(data.identifier) ? data.identifier : undefined;
  if (!identifier || !nonEmptyString(identifier.name)) {
    return { ok: false, problem: '"data.identifier.name" must be a non-empty string' };
  }
  if (!triggers.identifierNames.includes(identifier.name)) {
    return {
      ok: true,
      event,
      channelId,
      ignoredReason: `identifier ${identifier.name} is not a trigger in the mapping`,
    };
  }
  return { ok: true, event, channelId };
}
