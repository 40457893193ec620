/**
 * The simulator's side of Pulsara webhooks: builds identifier events, signs them the way
 * docs/pulsara-api.md describes, and posts the exact bytes that were signed.
 */
import { createHmac, randomBytes } from 'node:crypto';
import axios from 'axios';
import { IDENTIFIER_CREATED, IDENTIFIER_UPDATED } from '../../pulsara/types';
import type { WebhookEvent } from '../../pulsara/types';
import type { SignatureScheme } from '../../config/settings';

/** The two signature schemes of the contract. */

/** Header that carries the signature. */
export const SIGNATURE_HEADER = 'Pulsara-Signature';

function hmacSha256(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload, 'utf8').digest();
}

/**
 * Computes the `Pulsara-Signature` header value for a raw body.
 * - `timestamped`: `t=<t>,v1=<hex HMAC of "<t>.<body>">`, `t` in Unix seconds (default now).
 * - `hmac-sha256`: the lowercase hex HMAC of the body alone (`t` is ignored).
 */
export function signWebhook(body: string, secret: string, scheme: SignatureScheme, t?: number): string {
  if (scheme === 'hmac-sha256') {
    return hmacSha256(secret, body).toString('hex');
  }
  const timestamp = t ?? Math.floor(Date.now() / 1000);
  return `t=${timestamp},v1=${hmacSha256(secret, `${timestamp}.${body}`).toString('hex')}`;
}

/** A new random event id in the contract's style: `evt_` and 16 upper-case hex characters. */
export function newEventId(): string {
  return `evt_${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`;
}

export interface IdentifierEventInput {
  channelId: string;
  identifier: { id: string; name: string; category?: string };
  /** `created` or `updated` (default `updated`). */
  type?: 'created' | 'updated';
  /** Reuse an id to simulate a redelivery; a fresh one is made otherwise. */
  eventId?: string;
  /** Event time; default now (seconds precision, `Z`). */
  createdAt?: Date;
}

/** Builds a `patient_channel.identifier.created|updated` event with the contract's key order. */
export function buildIdentifierEvent(input: IdentifierEventInput): WebhookEvent {
  const createdAt = (input.createdAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const identifier: { id: string; name: string; category?: string } = {
    id: input.identifier.id,
    name: input.identifier.name,
  };
  if (input.identifier.category !== undefined) {
    identifier.category = input.identifier.category;
  }
  return {
    id: input.eventId ?? newEventId(),
    type: input.type === 'created' ? IDENTIFIER_CREATED : IDENTIFIER_UPDATED,
    created_at: createdAt,
    data: { patient_channel_id: input.channelId, identifier },
  };
}

export interface SendWebhookOptions {
  url: string;
  secret: string;
  scheme: SignatureScheme;
  /** An event object (serialised once with JSON.stringify) or a raw body sent as is. */
  event: WebhookEvent | string;
  /** Signature timestamp in Unix seconds, for replay and tolerance tests. */
  t?: number;
  /** Sign with a wrong secret, to exercise the receiver's 401 path. */
  badSignature?: boolean;
  timeoutMs?: number;
}

export interface SendWebhookResult {
  status: number;
  body: string;
}

/** Posts one signed webhook. Any HTTP answer resolves; only transport failures reject. */
export async function sendWebhook(options: SendWebhookOptions): Promise<SendWebhookResult> {
  const body = typeof options.event === 'string' ? options.event : JSON.stringify(options.event);
  const secret = options.badSignature ? `${options.secret}-wrong` : options.secret;
  const response = await axios.post<string>(options.url, body, {
    headers: {
      'Content-Type': 'application/json',
      [SIGNATURE_HEADER]: signWebhook(body, secret, options.scheme, options.t),
    },
    // The body must leave exactly as signed: no re-serialisation on either side.
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    responseType: 'text',
    validateStatus: () => true,
    maxRedirects: 0,
    timeout: options.timeoutMs ?? 10_000,
  });
  return {
    status: response.status,
    body: typeof response.data === 'string' ? response.data : String(response.data ?? ''),
  };
}
