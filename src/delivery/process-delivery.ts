import type { PatientChannel, WebhookEvent } from '../pulsara/types';
import type { MappingFile } from '../mapping/types';
import { documentApplies } from '../mapping/build/build-resources';
import type { DeliveryWriter, FhirClient } from '../ehr/types';
import { resolveSubject } from '../ehr/resolve-subject';
import type { Delivery } from '../store/types';
import type { WriteOutcome } from '../shared/write-outcome';
import { BridgeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { ledgerWarnings, mapForSubject, subjectQueryFor, writeRequestFor } from './delivery-steps';

/** What the pipeline needs of the Pulsara API. */
export interface PulsaraApi {
  getChannel(channelId: string): Promise<PatientChannel>;
  getSummary(channelId: string): Promise<Buffer>;
}

export interface PipelineDeps {
  pulsara: PulsaraApi;
  mapping: MappingFile;
  fhir: FhirClient;
  writer: DeliveryWriter;
  logger: Logger;
  now?: () => Date;
}

function channelIdOf(delivery: Delivery): string {
  if (delivery.channelId) {
    return delivery.channelId;
  }
  const event = JSON.parse(delivery.payload) as WebhookEvent;
  const id = event.data?.patient_channel_id;
  if (typeof id !== 'string' || id === '') {
    throw new BridgeError('event-invalid', `Event ${delivery.eventId} names no patient channel`);
  }
  return id;
}

/**
 * One delivery, start to end: read the channel, fetch the PSR, find the patient and visit,
 * map, write. Re-running it for the same event writes nothing new (the writer is idempotent),
 * which is what makes retries and crash recovery safe.
 */
export async function processDelivery(delivery: Delivery, deps: PipelineDeps): Promise<WriteOutcome> {
  const phi: string[] = [];
  try {
    return await runPipeline(delivery, deps, phi);
  } catch (err) {
    throw redactError(err, phi);
  }
}

/**
 * Errors end in the ledger and the logs; an EHR's diagnostics may echo what it was sent.
 * Every PHI value this delivery handled is masked out of the message and detail.
 */
function redactError(err: unknown, phi: readonly string[]): unknown {
  const values = phi.filter((v) => v.length >= 2);
  if (!(err instanceof BridgeError) || values.length === 0) {
    return err;
  }
  const scrub = (text: string): string => values.reduce((acc, v) => acc.split(v).join('[redacted]'), text);
  const detail = err.detail === undefined ? undefined : (JSON.parse(scrub(JSON.stringify(err.detail))) as unknown);
  return new BridgeError(err.code, scrub(err.message), {
    schedule: err.schedule,
    retryAfterMs: err.retryAfterMs,
    detail,
  });
}

function personalValues(channel: PatientChannel): string[] {
  const values: string[] = [];
  for (const identifier of channel.identifiers ?? []) {
    if (typeof identifier.value === 'string' && identifier.value.trim() !== '') {
      values.push(identifier.value.trim());
    }
  }
  for (const value of Object.values(channel.patient ?? {})) {
    if (typeof value === 'string' && value.trim() !== '') {
      values.push(value.trim());
    }
  }
  return values;
}

async function runPipeline(delivery: Delivery, deps: PipelineDeps, phi: string[]): Promise<WriteOutcome> {
  const { mapping, logger } = deps;
  const now = deps.now?.() ?? new Date();
  const channelId = channelIdOf(delivery);
  const log = logger.child({ deliveryId: delivery.id, eventId: delivery.eventId, channelId });

  const channel = await deps.pulsara.getChannel(channelId);
  phi.push(...personalValues(channel));
  log.debug('channel read');

  // Before the PDF is fetched: a channel still being typed into ends ignored at once.
  const query = subjectQueryFor(mapping, channel, channelId);

  const summary = documentApplies(mapping, channel) ? await deps.pulsara.getSummary(channelId) : undefined;
  if (summary) {
    log.debug('summary fetched', { bytes: summary.length });
  }

  const subject = await resolveSubject(deps.fhir, query);
  const resources = mapForSubject(mapping, channel, subject, summary, now);
  const warnings = ledgerWarnings(resources.warnings);
  if (warnings) {
    // Entries and kinds only: the messages stay in the ledger, the times nowhere.
    log.warn('mapping warnings', { warnings: warnings.map((w) => `${w.entry}:${w.kind}:${w.action}`) });
  }

  const outcome = await deps.writer(writeRequestFor(channelId, subject, resources, mapping));
  return {
    ...outcome,
    patientId: outcome.patientId ?? subject.patientId,
    encounterId: outcome.encounterId ?? subject.encounterId,
    mappingName: mapping.name,
    mappingVersion: mapping.version,
    ...(warnings && { warnings }),
  };
}
