import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSearchRequest } from '@medplum/core';
import type { DocumentReference, Observation } from '@medplum/fhirtypes';
import { startSimulator, buildIdentifierEvent, sendWebhook, STROKE_CHANNEL_ID } from '../simulator';
import { loadServeConfig } from '../../config/serve-config';
import { startBridge } from '../../bridge';
import type { RunningBridge } from '../../bridge';
import type { Delivery } from '../../store/types';
import { createLogger } from '../../shared/logger';
import { registerDemoSubject, startDemoEhr } from './demo-ehr';
import type { DemoEhr, DemoSigningKey } from './demo-ehr';

export interface DemoOptions {
  keepRunning: boolean;
  /** Where progress lines go (stdout in the CLI). */
  out: (line: string) => void;
  /** Mapping used; default the shipped mapping of the EHR (mappings/default.json, epic.json, oracle.json). */
  mappingFile?: string;
  logLevel?: string;
  /** Play Epic or Oracle Health: the vendor emulator, SMART auth with `signingKey`, that dialect. */
  ehr?: DemoEhr;
  signingKey?: DemoSigningKey;
}

export interface DemoResult {
  delivery: Delivery;
  documentReferenceId?: string;
  observationIds: string[];
  /** Closes everything the demo started (already done unless keepRunning). */
  close(): Promise<void>;
}

const DEMO_SECRET = 'whsec_demo_only_not_for_production';
const DEMO_TOKEN = 'demo-token';
const DEMO_ADMIN_TOKEN = 'demo-admin';

async function waitForFinal(bridge: RunningBridge, eventId: string, timeoutMs: number): Promise<Delivery> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [delivery] = (await bridge.store.list({ limit: 1000 })).filter((d) => d.eventId === eventId);
    if (delivery && ['delivered', 'dead', 'ignored'].includes(delivery.status)) {
      return delivery;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the demo delivery did not finish within ${timeoutMs / 1000} s`);
}

/**
 * Sandbox + simulator + bridge in one process: seeds the sample patient and visit, sends a
 * signed stroke-case webhook, waits for the delivery, and shows what the EHR now holds.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { out, keepRunning } = options;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulsara-bridge-demo-'));
  const closers: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true })];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      await close().catch(() => undefined);
    }
    closers.length = 0;
  };

  try {
    const ehrName = options.ehr ? `an ${options.ehr}-like EHR emulator` : 'the embedded FHIR sandbox';
    out(`1/5 starting ${ehrName} (the demo EHR)…`);
    const ehr = await startDemoEhr({ ehr: options.ehr, signingKey: options.signingKey, keepRunning, dataDir });
    const { sandbox } = ehr;
    closers.push(() => sandbox.close());
    out(`    FHIR R4 at ${sandbox.baseUrl}`);
    if (sandbox.tokenUrl) {
      out(`    SMART token endpoint at ${sandbox.tokenUrl}; the bridge's public key is registered there`);
    }

    out('2/5 starting the Pulsara simulator…');
    const simulator = await startSimulator({ port: keepRunning ? 8070 : 0, token: DEMO_TOKEN });
    closers.push(() => simulator.close());
    out(`    Pulsara API at ${simulator.baseUrl} (sample stroke channel ${STROKE_CHANNEL_ID})`);

    out('3/5 starting the bridge…');
    const config = loadServeConfig({
      PORT: keepRunning ? '8080' : '0',
      PULSARA_API_BASE_URL: simulator.baseUrl,
      PULSARA_API_TOKEN: DEMO_TOKEN,
      PULSARA_WEBHOOK_SECRETS: DEMO_SECRET,
      ...ehr.env,
      ...(options.mappingFile ? { MAPPING_FILE: options.mappingFile } : {}),
      STORE_URL: `sqlite:${path.join(dataDir, 'bridge.sqlite')}`,
      WORKER_CONCURRENCY: '2',
      POLL_INTERVAL_MS: '100',
      RETRY_BASE_DELAY_MS: '200',
      LOG_LEVEL: options.logLevel ?? 'warn',
      // Only a demo left running is explored by hand; a throw-away token, printed below.
      ...(keepRunning ? { ADMIN_TOKEN: DEMO_ADMIN_TOKEN } : {}),
    });
    const bridge = await startBridge(config, createLogger({ level: config.logLevel }), { host: '127.0.0.1' });
    closers.push(() => bridge.close());
    out(
      `    webhook intake at ${bridge.url}/webhooks/pulsara, mapping "${bridge.mapping.name}" v${bridge.mapping.version}`,
    );
    out(`    connects to the EHR by ${ehr.connection}`);
    const seeded = await registerDemoSubject(sandbox, simulator.state, STROKE_CHANNEL_ID, bridge.mapping);
    out(
      `    the EHR has the sample Patient/${seeded.patientId} and Encounter/${seeded.encounterId}, under the mapping's identifier systems`,
    );

    out('4/5 a nurse types the MRN into the stroke channel: Pulsara sends a signed webhook…');
    const event = buildIdentifierEvent({
      channelId: STROKE_CHANNEL_ID,
      identifier: { id: 'cid_501', name: 'MRN', category: 'hospital' },
    });
    const sent = await sendWebhook({
      url: `${bridge.url}/webhooks/pulsara`,
      secret: DEMO_SECRET,
      scheme: 'timestamped',
      event,
    });
    out(`    bridge answered ${sent.status} ${sent.body}`);
    const delivery = await waitForFinal(bridge, event.id, 60000);
    if (delivery.status !== 'delivered' || !delivery.outcome) {
      throw new Error(
        `the demo delivery ended ${delivery.status}: ${delivery.lastError?.code ?? ''} ${delivery.lastError?.message ?? ''}`,
      );
    }

    out('5/5 what the EHR now holds:');
    const outcome = delivery.outcome;
    // Read the EHR's store directly: a vendor emulator wants a token for HTTP reads.
    if (outcome.documentReferenceId) {
      const doc = await sandbox.repo.readResource<DocumentReference>('DocumentReference', outcome.documentReferenceId);
      const attachment = doc.content?.[0]?.attachment;
      out(
        `    DocumentReference/${doc.id}: "${attachment?.title ?? doc.description ?? ''}", ${attachment?.contentType}, ${attachment?.size} bytes, sha1 ${attachment?.hash}, status ${doc.status}/${doc.docStatus}`,
      );
      out(`      subject ${doc.subject?.reference}, encounter ${doc.context?.encounter?.[0]?.reference ?? '(none)'}`);
    }
    const observationIds = Object.values(outcome.observationIds ?? {});
    const observations = await sandbox.repo.searchResources<Observation>(
      parseSearchRequest('Observation', { subject: `Patient/${seeded.patientId}`, _count: '100' }),
    );
    for (const o of observations) {
      if (!observationIds.includes(o.id)) continue;
      const value =
        o.valueDateTime ??
        o.valueString ??
        (o.valueQuantity ? `${o.valueQuantity.value} ${o.valueQuantity.unit ?? ''}`.trim() : undefined) ??
        o.valueCodeableConcept?.text ??
        '';
      out(`    Observation/${o.id}: ${o.code?.coding?.[0]?.display ?? o.code?.coding?.[0]?.code} = ${value}`);
    }

    out('    sending the same case again (Pulsara retries, or the user enters the visit number)…');
    const visitName = bridge.mapping.encounter?.identifierName ?? 'CSN';
    const visit = simulator.state.channels.get(STROKE_CHANNEL_ID)?.identifiers?.find((i) => i.name === visitName);
    const again = buildIdentifierEvent({
      channelId: STROKE_CHANNEL_ID,
      identifier: { id: visit?.id ?? 'cid_502', name: visitName, category: 'hospital' },
    });
    await sendWebhook({
      url: `${bridge.url}/webhooks/pulsara`,
      secret: DEMO_SECRET,
      scheme: 'timestamped',
      event: again,
    });
    const second = await waitForFinal(bridge, again.id, 60000);
    out(
      `    second delivery ${second.status}: ${second.outcome?.created ?? 0} created, ${second.outcome?.updated ?? 0} updated, ${second.outcome?.unchanged ?? 0} unchanged`,
    );

    const held = sandbox.repo.countResources();
    out(
      `    in all the EHR holds ${['DocumentReference', 'Observation', 'Provenance'].map((type) => `${held[type] ?? 0} ${type}`).join(', ')}`,
    );
    if (sandbox.smart) {
      const { tokensIssued, unauthorizedRequests } = sandbox.smart.counters;
      out(
        `    the bridge obtained ${tokensIssued} access token(s); ${unauthorizedRequests} call(s) were refused for a token`,
      );
    }

    out('');
    out(
      `Summary: the stroke case's PSR (${outcome.documentReferenceId ? `DocumentReference/${outcome.documentReferenceId}` : 'no document'}) and ` +
        `${observationIds.length} timestamp Observation(s) were filed to the patient's chart and visit; ` +
        `a repeat delivery wrote ${second.outcome?.created ?? 0} new resources.`,
    );

    if (keepRunning) {
      out('');
      out(
        `Still running (Ctrl-C to stop): sandbox ${sandbox.baseUrl}, simulator ${simulator.baseUrl}, bridge ${bridge.url}`,
      );
      out(
        `  send another: npx pulsara-fhir-bridge simulator send --url ${bridge.url}/webhooks/pulsara --secret ${DEMO_SECRET}`,
      );
      out(`  the ledger:   npx pulsara-fhir-bridge events list --store ${config.storeUrl}`);
      out(`  admin API:    curl -H 'Authorization: Bearer ${DEMO_ADMIN_TOKEN}' ${bridge.url}/admin/deliveries`);
    } else {
      await closeAll();
    }
    return { delivery, documentReferenceId: outcome.documentReferenceId, observationIds, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
