import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Bundle, DocumentReference, Observation, Resource } from '@medplum/fhirtypes';
import type { DeliveryView } from '../../src/store/delivery-view';
import { seedSandbox, startSandbox } from '../../src/tools/sandbox';
import type { RunningSandbox } from '../../src/tools/sandbox';
import { buildIdentifierEvent, sendWebhook, startSimulator, STROKE_CHANNEL_ID } from '../../src/tools/simulator';
import type { RunningSimulator, SendWebhookResult } from '../../src/tools/simulator';
import type { PatientChannel, WebhookEvent } from '../../src/pulsara/types';

/**
 * Runs the BUILT bridge (`node dist/cli/main.js …`) as child processes, so that tests can
 * kill it like an operator or a crashing machine would. Build first: `npm run build`.
 */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CLI_PATH = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
export const ADMIN_TOKEN = 'process-harness-admin';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Throws a clear message when dist/ has not been built; warns when it is older than src/. */
export function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run \`npm run build\` before these tests (they drive the built binary).`);
  }
  for (const module of ['bridge', 'store/sqlite-store', 'delivery/worker-pool', 'intake/webhook-route']) {
    const source = path.join(REPO_ROOT, 'src', `${module}.ts`);
    const output = path.join(REPO_ROOT, 'dist', `${module}.js`);
    if (existsSync(source) && (!existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs)) {
      console.warn(
        `dist/${module}.js is older than src/${module}.ts: these tests run the build; rebuild with \`npm run build\`.`,
      );
    }
  }
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Only what the CLI needs from our environment: no STORE_URL or other setting leaks in. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env };
}

const live = new Set<ServeProcess>();

/** One running `serve` child process. */
export class ServeProcess {
  readonly url: string;
  readonly exited: Promise<ExitInfo>;
  private output = '';
  private exitInfo: ExitInfo | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
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
    const child = spawn(process.execPath, [CLI_PATH, 'serve'], {
      cwd: REPO_ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const serve = new ServeProcess(child, port);
    live.add(serve);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (serve.exitInfo) {
        throw new Error(`serve exited (${JSON.stringify(serve.exitInfo)}) before it was healthy:\n${serve.logs()}`);
      }
      try {
        const res = await fetch(`${serve.url}/healthz`);
        if (res.status === 200) {
          return serve;
        }
      } catch {
        // Not listening yet.
      }
      await sleep(50);
    }
    await serve.kill('SIGKILL');
    throw new Error(`serve did not answer /healthz within ${timeoutMs} ms:\n${serve.logs()}`);
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the built CLI to completion. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: REPO_ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pulsara-fhir-bridge ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The ledger read straight from the store by `events list --json` (no serve needed). */
export async function listEvents(storeUrl: string): Promise<DeliveryView[]> {
  const result = await runCli(['events', 'list', '--json', '--limit', '1000'], { STORE_URL: storeUrl });
  if (result.code !== 0) {
    throw new Error(`events list exited ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as DeliveryView[];
}

/** Polls `read` until `done` holds, or fails with the last value seen. */
export async function waitUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      lastError = undefined;
      if (done(last)) {
        return last;
      }
    } catch (err) {
      lastError = err;
    }
    await sleep(everyMs);
  }
  const seen = lastError instanceof Error ? lastError.message : JSON.stringify(last);
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen?.slice(0, 2000)}`);
}

/* ---------- The outside world of the bridge: EHR sandbox and Pulsara simulator ---------- */

export const WEBHOOK_SECRET = 'whsec_process_harness';
export const API_TOKEN = 'process-harness-token';

/** One Pulsara case: a channel in the simulator and its patient and visit in the EHR. */
export interface CaseFixture {
  channelId: string;
  /** Opaque test values (not real PHI), distinct per case. */
  mrn: string;
  patientId: string;
  encounterId: string;
  /** The timeline times that are set; each must become exactly one Observation. */
  setTimes: string[];
}

/** What the EHR holds for one case's patient. */
export interface WrittenResources {
  documents: DocumentReference[];
  observations: Observation[];
}

/**
 * The sandbox and the simulator, in the test process, shared by every serve process a test
 * starts (as the real EHR and Pulsara outlive a crashing bridge).
 */
export class OutsideWorld {
  private cases = 0;

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

  /** A new channel (copied from the sample stroke case, own ids and times) plus its patient and visit. */
  async addCase(): Promise<CaseFixture> {
    this.cases += 1;
    const tag = `${randomBytes(3).toString('hex')}${this.cases}`;
    const channelId = `pc_crash_${tag}`;
    const mrn = `T${tag.toUpperCase()}`;
    const csn = `9${parseInt(tag, 16)}`;
    const minute = String(this.cases % 60).padStart(2, '0');
    const setTimes = [`2026-11-25T18:${minute}:00Z`, `2026-11-25T17:${minute}:00-06:00`, `2026-11-25T19:${minute}:30Z`];
    const sample = await this.sim<PatientChannel>('GET', `/channels/${STROKE_CHANNEL_ID}`);
    const channel: PatientChannel = {
      ...sample,
      id: channelId,
      identifiers: [
        { id: 'cid_501', name: 'MRN', category: 'hospital', value: mrn },
        { id: 'cid_502', name: 'CSN', category: 'hospital', value: csn },
      ],
      timeline: [
        { key: 'first_medical_contact', label: 'First Contact', time: setTimes[0], set_by: 'Metro EMS' },
        { key: 'last_known_well', label: 'Last Known Well', time: setTimes[1], set_by: 'Metro EMS' },
        { key: 'ed_arrival', label: 'ER Door', time: setTimes[2], set_by: 'Mercy General Hospital' },
        { key: 'ct_complete', label: 'CT/CTA Complete', time: null, set_by: null },
      ],
    };
    await this.sim('PUT', `/channels/${channelId}`, channel);
    const { patientId, encounterId } = await seedSandbox(this.sandbox.baseUrl, { mrn, csn });
    return { channelId, mrn, patientId, encounterId, setTimes };
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
  async writtenFor(fixture: CaseFixture): Promise<WrittenResources> {
    const search = async <T extends Resource>(type: string): Promise<T[]> => {
      const res = await fetch(`${this.sandbox.baseUrl}/${type}?subject=Patient/${fixture.patientId}&_count=1000`, {
        headers: { Accept: 'application/fhir+json' },
      });
      if (!res.ok) {
        throw new Error(`GET ${type} -> ${res.status}`);
      }
      const bundle = (await res.json()) as Bundle<T>;
      return (bundle.entry ?? []).map((entry) => entry.resource as T);
    };
    return {
      documents: await search<DocumentReference>('DocumentReference'),
      observations: await search<Observation>('Observation'),
    };
  }

  async close(): Promise<void> {
    await this.simulator.close();
    await this.sandbox.close();
  }
}
