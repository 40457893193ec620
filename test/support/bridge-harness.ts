import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { startSandbox, seedSandbox } from '../../src/tools/sandbox';
import { startSimulator, buildIdentifierEvent, sendWebhook, STROKE_CHANNEL_ID } from '../../src/tools/simulator';
import type { RunningSimulator } from '../../src/tools/simulator';
import { loadServeConfig } from '../../src/config/serve-config';
import { startBridge } from '../../src/bridge';
import type { RunningBridge } from '../../src/bridge';
import { createLogger } from '../../src/shared/logger';
import type { Delivery } from '../../src/store/types';
import type { WebhookEvent } from '../../src/pulsara/types';
import { addCase, writtenFor } from './cases';
import type { CaseFixture, WrittenResources } from './cases';
import { REPO_ROOT } from './run-cli';
import { waitUntil } from './wait-until';

export const SECRET = 'whsec_integration_test';
export const TOKEN = 'integration-token';

/** Where a delivery has nothing more to do. */
const SETTLED: Delivery['status'][] = ['delivered', 'dead', 'ignored'];

export interface Harness {
  sandbox: { baseUrl: string; close(): Promise<void> };
  simulator: RunningSimulator;
  bridge: RunningBridge;
  patientId: string;
  encounterId: string;
  /** Everything the bridge logged, as text. */
  logs(): string;
  send(
    event: WebhookEvent | string,
    opts?: { badSignature?: boolean; t?: number },
  ): Promise<{ status: number; body: string }>;
  mrnEvent(overrides?: { eventId?: string; channelId?: string; name?: string }): WebhookEvent;
  /** The ledger row of an event, if the bridge has stored it. */
  delivery(eventId: string): Promise<Delivery | undefined>;
  /** Waits until the event's delivery has one of `statuses` (default: settled) and returns it. */
  waitFor(eventId: string, statuses?: Delivery['status'][], timeoutMs?: number): Promise<Delivery>;
  fhirGet<T>(pathAndQuery: string): Promise<T>;
  /** A case of its own (channel, patient, visit), for tests that must not share the sample one. */
  addCase(): Promise<CaseFixture>;
  /** What the sandbox holds for a case's patient. */
  writtenFor(fixture: CaseFixture): Promise<WrittenResources>;
  close(): Promise<void>;
}

/** Starts sandbox + simulator + bridge in this process, each on an ephemeral port. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pfb-harness-'));
  const sandbox = await startSandbox({ port: 0 });
  const seeded = await seedSandbox(sandbox.baseUrl);
  const simulator = await startSimulator({ port: 0, token: TOKEN });
  const logStream = new PassThrough();
  let logText = '';
  logStream.on('data', (chunk: Buffer) => {
    logText += chunk.toString('utf8');
  });
  const config = loadServeConfig({
    PORT: '0',
    PULSARA_API_BASE_URL: simulator.baseUrl,
    PULSARA_API_TOKEN: TOKEN,
    PULSARA_WEBHOOK_SECRETS: SECRET,
    FHIR_BASE_URL: sandbox.baseUrl,
    MAPPING_FILE: path.join(REPO_ROOT, 'mappings', 'default.json'),
    STORE_URL: `sqlite:${path.join(dir, 'bridge.sqlite')}`,
    WORKER_CONCURRENCY: '2',
    POLL_INTERVAL_MS: '50',
    RETRY_BASE_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '200',
    PATIENT_RETRY_MINUTES: '0',
    LOG_LEVEL: 'debug',
    ADMIN_TOKEN: 'admin-secret',
    ...env,
  });
  const bridge = await startBridge(config, createLogger({ level: 'debug', stream: logStream }), { host: '127.0.0.1' });
  const webhookUrl = `${bridge.url}/webhooks/pulsara`;
  const delivery = async (eventId: string): Promise<Delivery | undefined> =>
    (await bridge.store.list({ limit: 1000 })).find((d) => d.eventId === eventId);

  return {
    sandbox,
    simulator,
    bridge,
    patientId: seeded.patientId,
    encounterId: seeded.encounterId,
    logs: () => logText,
    send: (event, opts = {}) => sendWebhook({ url: webhookUrl, secret: SECRET, scheme: 'timestamped', event, ...opts }),
    mrnEvent: (o = {}) =>
      buildIdentifierEvent({
        channelId: o.channelId ?? STROKE_CHANNEL_ID,
        identifier: { id: 'cid_501', name: o.name ?? 'MRN', category: 'hospital' },
        eventId: o.eventId,
      }),
    delivery,
    waitFor: (eventId, statuses = SETTLED, timeoutMs = 20000) =>
      waitUntil(
        `event ${eventId} to reach ${statuses.join('/')}`,
        () => delivery(eventId),
        (d): d is Delivery => d !== undefined && statuses.includes(d.status),
        { timeoutMs },
      ),
    fhirGet: async <T>(p: string): Promise<T> => {
      const res = await fetch(`${sandbox.baseUrl}/${p.replace(/^\//, '')}`, {
        headers: { Accept: 'application/fhir+json' },
      });
      if (!res.ok) throw new Error(`GET ${p} -> ${res.status}`);
      return (await res.json()) as T;
    },
    addCase: () => addCase(simulator, sandbox),
    writtenFor: (fixture) => writtenFor(sandbox.baseUrl, fixture),
    close: async () => {
      await bridge.close();
      await simulator.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
