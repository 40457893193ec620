import path from 'node:path';
import type { DeliveryView } from '../../src/store/delivery-view';
import { startSandbox } from '../../src/tools/sandbox';
import type { RunningSandbox } from '../../src/tools/sandbox';
import { buildIdentifierEvent, sendWebhook, startSimulator } from '../../src/tools/simulator';
import type { RunningSimulator, SendWebhookResult } from '../../src/tools/simulator';
import type { WebhookEvent } from '../../src/pulsara/types';
import { addCase, writtenFor } from './cases';
import type { CaseFixture, WrittenResources } from './cases';
import { REPO_ROOT, runCli, spawnCli } from './run-cli';
import type { CliProcess } from './run-cli';
import { waitUntil } from './wait-until';

/**
 * Runs the BUILT bridge (`node dist/cli/main.js serve`) as child processes, so that tests can
 * kill it like an operator or a crashing machine would. Build first: `npm run build`.
 */

export const ADMIN_TOKEN = 'process-harness-admin';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ServeProcess>();

/** One running `serve` child process. */
export class ServeProcess {
  readonly url: string;
  readonly exited: Promise<ExitInfo>;
  private output = '';
  private exitInfo: ExitInfo | undefined;

  private constructor(
    readonly child: CliProcess,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve(this.exitInfo);
      });
    });
  }

  /**
   * Spawns `serve` with exactly `env` (plus PATH and HOME) and resolves once GET /healthz
   * answers 200. Rejects with the process output when it exits or does not come up.
   */
  static async start(env: Record<string, string>, timeoutMs = 20000): Promise<ServeProcess> {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port <= 0) {
      throw new Error('ServeProcess.start needs a fixed PORT (use freePort()) so that it can poll /healthz');
    }
    const serve = new ServeProcess(spawnCli(['serve'], { env }), port);
    live.add(serve);
    try {
      await waitUntil(
        'serve to answer GET /healthz with 200',
        () => serve.health(),
        (status) => status === 200,
        {
          timeoutMs,
        },
      );
    } catch (err) {
      await serve.kill('SIGKILL');
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${serve.logs()}`);
    }
    return serve;
  }

  /** The status of GET /healthz, or why there is none yet; throws once the process has exited. */
  private async health(): Promise<number | string> {
    if (this.exitInfo) {
      throw new Error(`serve exited (${JSON.stringify(this.exitInfo)}) before it was healthy`);
    }
    try {
      const res = await fetch(`${this.url}/healthz`);
      await res.arrayBuffer(); // an unread body would hold the socket open
      return res.status;
    } catch (err) {
      return `not listening yet (${err instanceof Error ? err.message : String(err)})`;
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Everything the process wrote (JSON log lines on stderr, CLI output on stdout). */
  logs(): string {
    return this.output;
  }

  /** Sends a signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals): Promise<ExitInfo> {
    if (!this.exitInfo) {
      this.child.kill(signal);
    }
    return this.exited;
  }

  /** GET or POST on the admin API (ADMIN_TOKEN must be in the env it was started with). */
  async admin<T>(pathAndQuery: string, method = 'GET'): Promise<T> {
    const res = await fetch(`${this.url}${pathAndQuery}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    if (!res.ok) {
      throw new Error(`${method} ${pathAndQuery} -> ${res.status}`);
    }
    return (await res.json()) as T;
  }

  /** The ledger as the admin API shows it. */
  async deliveries(): Promise<DeliveryView[]> {
    return (await this.admin<{ deliveries: DeliveryView[] }>('/admin/deliveries?limit=1000')).deliveries;
  }
}

/** SIGKILLs every serve process still running (for afterEach/afterAll) and waits for each. */
export async function killAllServes(): Promise<void> {
  await Promise.all([...live].map((serve) => serve.kill('SIGKILL')));
}

/** The ledger read straight from the store by `events list --json` (no serve needed). */
export async function listEvents(storeUrl: string): Promise<DeliveryView[]> {
  const result = await runCli(['events', 'list', '--json', '--limit', '1000'], { env: { STORE_URL: storeUrl } });
  if (result.code !== 0) {
    throw new Error(`events list exited ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as DeliveryView[];
}

/* ---------- The outside world of the bridge: EHR sandbox and Pulsara simulator ---------- */

export const WEBHOOK_SECRET = 'whsec_process_harness';
export const API_TOKEN = 'process-harness-token';

/**
 * The sandbox and the simulator, in the test process, shared by every serve process a test
 * starts (as the real EHR and Pulsara outlive a crashing bridge).
 */
export class OutsideWorld {
  private constructor(
    readonly sandbox: RunningSandbox,
    readonly simulator: RunningSimulator,
  ) {}

  static async start(): Promise<OutsideWorld> {
    const sandbox = await startSandbox({ port: 0 });
    const simulator = await startSimulator({ port: 0, token: API_TOKEN });
    return new OutsideWorld(sandbox, simulator);
  }

  /** The environment of `serve` from the brief, pointed at this world. */
  serveEnv(port: number, storeUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
    return {
      PORT: String(port),
      PULSARA_API_BASE_URL: this.simulator.baseUrl,
      PULSARA_API_TOKEN: API_TOKEN,
      PULSARA_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      FHIR_BASE_URL: this.sandbox.baseUrl,
      STORE_URL: storeUrl,
      MAPPING_FILE: path.join(REPO_ROOT, 'mappings', 'default.json'),
      LEASE_SECONDS: '5',
      POLL_INTERVAL_MS: '100',
      RETRY_BASE_DELAY_MS: '100',
      RETRY_MAX_DELAY_MS: '1000',
      LOG_LEVEL: 'info',
      ADMIN_TOKEN,
      ...overrides,
    };
  }

  /** Calls the simulator's /_sim admin API; throws on a non-2xx answer. */
  async sim<T = unknown>(method: string, pathAndQuery: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.simulator.baseUrl}/_sim${pathAndQuery}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      throw new Error(`${method} /_sim${pathAndQuery} -> ${res.status} ${await res.text()}`);
    }
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  /** A new case of its own: a channel (the sample stroke case, own ids and times) plus its patient and visit. */
  addCase(): Promise<CaseFixture> {
    return addCase(this.simulator, this.sandbox);
  }

  /** A fresh identifier event (MRN entered) for a case. */
  mrnEvent(fixture: CaseFixture): WebhookEvent {
    return buildIdentifierEvent({
      channelId: fixture.channelId,
      identifier: { id: 'cid_501', name: 'MRN', category: 'hospital' },
    });
  }

  /** Posts one signed webhook to a running bridge. */
  send(bridgeUrl: string, event: WebhookEvent): Promise<SendWebhookResult> {
    return sendWebhook({
      url: `${bridgeUrl}/webhooks/pulsara`,
      secret: WEBHOOK_SECRET,
      scheme: 'timestamped',
      event,
      timeoutMs: 5000,
    });
  }

  /** Every DocumentReference and Observation the EHR holds for the case's patient. */
  writtenFor(fixture: CaseFixture): Promise<WrittenResources> {
    return writtenFor(this.sandbox.baseUrl, fixture);
  }

  async close(): Promise<void> {
    await this.simulator.close();
    await this.sandbox.close();
  }
}
