import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PatientChannel } from '../../../src/pulsara/types';
import { buildIdentifierEvent, sendWebhook } from '../../../src/tools/simulator/webhook-sender';
import { seedChannels, STROKE_CHANNEL_ID } from '../../../src/tools/simulator/seed-channels';
import type { SendWebhookResult } from '../../../src/tools/simulator/webhook-sender';
import type { WebhookEvent } from '../../../src/pulsara/types';
import type { DeliveryView } from '../../../src/store/delivery-view';
import { freePort } from '../../support/free-port';
import { ADMIN_TOKEN, ServeProcess } from '../../support/process-harness';
import { assertBuilt, spawnCli } from '../../support/run-cli';
import type { CliProcess } from '../../support/run-cli';
import { waitUntil } from '../../support/wait-until';
import { HAPI_BASE_URL, registerPatientAndVisit } from './hapi';

/**
 * The whole pipeline as an operator runs it: the built CLI's `simulator` and `serve`
 * commands as child processes, the bridge writing to the HAPI server at HAPI_BASE_URL.
 */

export const WEBHOOK_SECRET = 'whsec_interop_test';
export const PULSARA_TOKEN = 'interop-token';

/** One patient case of a test: a channel in the simulator, its MRN and CSN. */
export interface InteropCase {
  channelId: string;
  mrn: string;
  csn: string;
}

let caseCounter = 0;

/** Fresh ids for one test, unique across runs against the same (long-lived) HAPI server. */
export function newCase(): InteropCase {
  caseCounter += 1;
  const suffix = `${Date.now().toString(36)}${process.pid.toString(36)}${caseCounter}`.toUpperCase();
  return { channelId: `pc_it_${suffix.toLowerCase()}`, mrn: `IT${suffix}`, csn: `CSN${suffix}` };
}

/** The contract's sample stroke channel (as the simulator seeds it), re-keyed to a test case. */
export function strokeChannel(c: InteropCase): PatientChannel {
  const sample = seedChannels().find((channel) => channel.id === STROKE_CHANNEL_ID);
  if (!sample) {
    throw new Error(`the simulator no longer seeds ${STROKE_CHANNEL_ID}`);
  }
  return {
    ...sample,
    id: c.channelId,
    identifiers: [
      { id: 'cid_501', name: 'MRN', category: 'hospital', value: c.mrn },
      { id: 'cid_502', name: 'CSN', category: 'hospital', value: c.csn },
    ],
  };
}

/** `pulsara-fhir-bridge simulator` as a child process. */
class SimulatorProcess {
  private output = '';
  private exited = false;

  private constructor(
    private readonly child: CliProcess,
    readonly url: string,
  ) {
    child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.once('exit', () => (this.exited = true));
  }

  static async start(): Promise<SimulatorProcess> {
    const port = await freePort();
    const child = spawnCli(['simulator', '--port', String(port), '--token', PULSARA_TOKEN]);
    const simulator = new SimulatorProcess(child, `http://127.0.0.1:${port}`);
    await waitUntil(
      'the simulator to answer',
      async () => {
        if (simulator.exited) {
          throw new Error(`simulator exited:\n${simulator.output}`);
        }
        try {
          const res = await fetch(`${simulator.url}/_sim/channels`);
          await res.arrayBuffer(); // an unread body would hold the socket open
          return res.status;
        } catch (err) {
          return `not listening yet (${err instanceof Error ? err.message : String(err)})`;
        }
      },
      (status) => status === 200,
      { timeoutMs: 20000, everyMs: 100 },
    );
    return simulator;
  }

  async stop(): Promise<void> {
    if (this.exited) {
      return;
    }
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await gone;
  }
}

export interface DeliveredCase extends InteropCase {
  patientId: string;
  encounterId: string;
  eventId: string;
  delivery: DeliveryView;
}

const settled = (d: DeliveryView): boolean => d.status === 'delivered' || d.status === 'dead';

export interface Pipeline {
  serve: ServeProcess;
  simulatorUrl: string;
  storeUrl: string;
  /** Registers the case's Patient (by MRN) and Encounter (by CSN) in HAPI. */
  registerInEhr(c: InteropCase): Promise<{ patientId: string; encounterId: string }>;
  /** Creates or replaces the case's channel in the simulator. */
  putChannel(channel: PatientChannel): Promise<void>;
  /** Sets one timeline time in the simulator, as an edit in Pulsara would. */
  setTime(channelId: string, key: string, time: string | null): Promise<void>;
  /** A signed MRN `identifier.updated` event (reuse `eventId` for a redelivery). */
  mrnEvent(channelId: string, eventId?: string): WebhookEvent;
  send(event: WebhookEvent): Promise<SendWebhookResult>;
  /** The ledger rows of one channel, newest first. */
  deliveriesOf(channelId: string): Promise<DeliveryView[]>;
  /** Waits until the event's delivery satisfies `done`. */
  waitForDelivery(eventId: string, done: (d: DeliveryView) => boolean, what: string): Promise<DeliveryView>;
  /** Sends the MRN event of a channel and waits until its delivery is delivered or dead. */
  sendAndSettle(channelId: string): Promise<DeliveryView>;
  /** Registers a new case in HAPI and the simulator, sends its MRN event, waits for it to settle. */
  deliverNewCase(): Promise<DeliveredCase>;
  /** The PSR PDF the simulator serves for a channel now. */
  summaryPdf(channelId: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Starts simulator + serve (SQLite ledger in a temp dir) against HAPI. */
export async function startPipeline(extraEnv: Record<string, string> = {}): Promise<Pipeline> {
  assertBuilt();
  const dir = mkdtempSync(path.join(tmpdir(), 'pfb-interop-'));
  const storeUrl = `sqlite:${path.join(dir, 'bridge.sqlite')}`;
  const simulator = await SimulatorProcess.start();
  let serve: ServeProcess;
  try {
    serve = await ServeProcess.start(
      {
        PORT: String(await freePort()),
        PULSARA_API_BASE_URL: simulator.url,
        PULSARA_API_TOKEN: PULSARA_TOKEN,
        PULSARA_WEBHOOK_SECRETS: WEBHOOK_SECRET,
        FHIR_BASE_URL: HAPI_BASE_URL,
        STORE_URL: storeUrl,
        MAPPING_FILE: 'mappings/default.json',
        ADMIN_TOKEN,
        LOG_LEVEL: 'info',
        // Quick turns for a test; the production defaults are seconds to minutes.
        POLL_INTERVAL_MS: '100',
        RETRY_BASE_DELAY_MS: '200',
        RETRY_MAX_DELAY_MS: '2000',
        ...extraEnv,
      },
      30000,
    );
  } catch (err) {
    await simulator.stop();
    throw err;
  }

  const sim = async (method: string, simPath: string, body: unknown): Promise<void> => {
    const res = await fetch(`${simulator.url}/_sim${simPath}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      throw new Error(`${method} /_sim${simPath} answered ${res.status}: ${await res.text()}`);
    }
  };

  const deliveriesOf = async (channelId: string): Promise<DeliveryView[]> =>
    (
      await serve.admin<{ deliveries: DeliveryView[] }>(
        `/admin/deliveries?channel=${encodeURIComponent(channelId)}&limit=1000`,
      )
    ).deliveries;

  const mrnEvent = (channelId: string, eventId?: string): WebhookEvent =>
    buildIdentifierEvent({ channelId, identifier: { id: 'cid_501', name: 'MRN', category: 'hospital' }, eventId });
  const send = (event: WebhookEvent): Promise<SendWebhookResult> =>
    sendWebhook({ url: `${serve.url}/webhooks/pulsara`, secret: WEBHOOK_SECRET, scheme: 'timestamped', event });
  const waitForDelivery = (eventId: string, done: (d: DeliveryView) => boolean, what: string): Promise<DeliveryView> =>
    waitUntil(
      `${what} (event ${eventId})`,
      async () =>
        (await serve.admin<{ deliveries: DeliveryView[] }>('/admin/deliveries?limit=1000')).deliveries.find(
          (d) => d.eventId === eventId,
        ),
      (found): found is DeliveryView => found !== undefined && done(found),
      { timeoutMs: 60000, everyMs: 200, ignoreErrors: true },
    );
  const sendAndSettle = async (channelId: string): Promise<DeliveryView> => {
    const event = mrnEvent(channelId);
    const answer = await send(event);
    if (answer.status !== 202) {
      throw new Error(`the webhook answered ${answer.status}: ${answer.body}`);
    }
    return waitForDelivery(event.id, settled, 'the delivery to settle');
  };

  return {
    serve,
    simulatorUrl: simulator.url,
    storeUrl,
    registerInEhr: (c) => registerPatientAndVisit(c.mrn, c.csn),
    putChannel: (channel) => sim('PUT', `/channels/${encodeURIComponent(channel.id)}`, channel),
    setTime: (channelId, key, time) =>
      sim('PATCH', `/channels/${encodeURIComponent(channelId)}/timeline/${encodeURIComponent(key)}`, { time }),
    mrnEvent,
    send,
    deliveriesOf,
    waitForDelivery,
    sendAndSettle,
    deliverNewCase: async () => {
      const c = newCase();
      const { patientId, encounterId } = await registerPatientAndVisit(c.mrn, c.csn);
      await sim('PUT', `/channels/${encodeURIComponent(c.channelId)}`, strokeChannel(c));
      const delivery = await sendAndSettle(c.channelId);
      return { ...c, patientId, encounterId, eventId: delivery.eventId, delivery };
    },
    summaryPdf: async (channelId) => {
      const res = await fetch(`${simulator.url}/api/v1/patient-channels/${encodeURIComponent(channelId)}/summary`, {
        headers: { Accept: 'application/pdf', 'x-api-key': PULSARA_TOKEN },
      });
      if (res.status !== 200) {
        throw new Error(`the simulator's summary answered ${res.status}`);
      }
      return Buffer.from(await res.arrayBuffer());
    },
    close: async () => {
      // SIGTERM, as an orchestrator stops it: serve drains and exits on its own.
      await serve.kill('SIGTERM');
      await simulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
