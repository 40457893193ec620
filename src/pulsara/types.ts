/** Shapes of Pulsara's webhooks and API as assumed in docs/pulsara-api.md. */

export const IDENTIFIER_CREATED = 'patient_channel.identifier.created';
export const IDENTIFIER_UPDATED = 'patient_channel.identifier.updated';

/** A webhook body. Unknown extra fields are kept, never rejected. */
export interface WebhookEvent {
  id: string;
  type: string;
  created_at?: string;
  data?: {
    patient_channel_id?: string;
    identifier?: { id?: string; name?: string; category?: string };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ChannelIdentifier {
  id: string;
  name: string;
  category?: string;
  /** May be missing or empty while the user is still typing. */
  value?: string | null;
}

export interface TimelineEntry {
  key: string;
  label?: string;
  /** ISO date-time with offset or Z; null while not set. */
  time: string | null;
  set_by?: string | null;
}

/** GET /api/v1/patient-channels/<id>. Extra fields are kept for FHIRPath expressions. */
export interface PatientChannel {
  id: string;
  status?: string;
  patient_type?: string;
  method_of_arrival?: string;
  created_at?: string;
  updated_at?: string;
  organization?: { id?: string; name?: string };
  patient?: Record<string, unknown>;
  identifiers?: ChannelIdentifier[];
  timeline?: TimelineEntry[];
  [key: string]: unknown;
}
