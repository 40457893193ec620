import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import express from 'express';
import { createPulsaraClient } from '../../../src/pulsara/pulsara-client';
import type { PulsaraClientOptions } from '../../../src/pulsara/pulsara-client';
import { BridgeError } from '../../../src/shared/errors';
import { createLogger } from '../../../src/shared/logger';
import { startSimulator } from '../../../src/tools/simulator/simulator-app';
import type { RunningSimulator } from '../../../src/tools/simulator/simulator-app';
import { renderSummaryReport } from '../../../src/tools/simulator/summary-report';
import { waitUntil } from '../../support/wait-until';

const TOKEN = 'tok_client_test_5f2e';
const CHANNEL = 'pc_7f3a9c21';
let sim: RunningSimulator;

function client(overrides: Partial<PulsaraClientOptions> = {}): ReturnType<typeof createPulsaraClient> {
  return createPulsaraClient({ baseUrl: sim.baseUrl, token: TOKEN, ...overrides });
}

async function admin(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${sim.baseUrl}/_sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
}

/** Runs `call` and returns the BridgeError it must reject with. */
async function failure(call: Promise<unknown>): Promise<BridgeError> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(BridgeError);
    return err as BridgeError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  sim = await startSimulator({ token: TOKEN });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await admin('POST', '/reset');
});

describe('createPulsaraClient against the simulator', () => {
  it('reads the channel and its PSR, with the right Accept headers', async () => {
    const pulsara = client({ baseUrl: `${sim.baseUrl}/` });
    const channel = await pulsara.getChannel(CHANNEL);
    expect(channel.id).toBe(CHANNEL);
    expect(channel.identifiers?.find((i) => i.name === 'MRN')?.value).toBe('E4410982');
    const pdf = await pulsara.getSummary(CHANNEL);
    expect(pdf.equals(await renderSummaryReport(channel))).toBe(true);

    expect(sim.state.requests.map((r) => [r.path, r.accept, r.status])).toEqual([
      [`/api/v1/patient-channels/${CHANNEL}`, 'application/json', 200],
      [`/api/v1/patient-channels/${CHANNEL}/summary`, 'application/pdf', 200],
    ]);
  });

  it('sends Bearer tokens when the header is Authorization, in any case', async () => {
    const bearerSim = await startSimulator({ token: TOKEN, tokenHeader: 'authorization' });
    try {
      const pulsara = createPulsaraClient({ baseUrl: bearerSim.baseUrl, token: TOKEN, tokenHeader: 'AUTHORIZATION' });
      expect((await pulsara.getChannel(CHANNEL)).id).toBe(CHANNEL);
    } finally {
      await bearerSim.close();
    }
  });

  it('URL-encodes the channel id and refuses ids that would change the path', async () => {
    const err = await failure(client().getChannel('pc/../x y'));
    expect(err.code).toBe('pulsara-not-found');
    expect(sim.state.requests[0].path).toBe('/api/v1/patient-channels/pc%2F..%2Fx%20y');
    expect((await failure(client().getSummary('..'))).code).toBe('event-invalid');
    expect(sim.state.requests).toHaveLength(1);
  });

  it('shows the simulator answers 406 to a summary request without Accept: application/pdf', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${sim.baseUrl}/api/v1/patient-channels/${CHANNEL}/summary`,
        { headers: { 'x-api-key': TOKEN } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(406);
    expect(sim.state.requests[0].accept).toBeNull();
  });

  it('maps a 406 to a permanent bad-response naming the Accept header', async () => {
    await admin('POST', '/faults', { path: 'summary', status: 406 });
    const err = await failure(client().getSummary(CHANNEL));
    expect(err.code).toBe('pulsara-bad-response');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('Accept: application/pdf');
  });

  it('maps 401 to a permanent auth error that names the setting but not the token', async () => {
    const err = await failure(client({ token: 'tok_wrong_9d1c' }).getChannel(CHANNEL));
    expect(err.code).toBe('pulsara-auth');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('PULSARA_API_TOKEN');
    expect(err.message).toContain('"x-api-key"');
    expect(err.message).not.toContain('tok_wrong_9d1c');
    expect(JSON.stringify(err.detail)).not.toContain('tok_wrong_9d1c');
  });

  it('maps 404 to a permanent not-found', async () => {
    const err = await failure(client().getSummary('pc_unknown'));
    expect(err.code).toBe('pulsara-not-found');
    expect(err.retryable).toBe(false);
  });

  it('maps 429 with Retry-After to rate-limited with backoff and retryAfterMs', async () => {
    await admin('POST', '/faults', { path: 'channel', status: 429, retryAfter: 7 });
    const err = await failure(client().getChannel(CHANNEL));
    expect(err.code).toBe('pulsara-rate-limited');
    expect(err.schedule).toBe('backoff');
    expect(err.retryAfterMs).toBe(7000);
  });

  it('maps 500 and 503 to unavailable with backoff', async () => {
    await admin('POST', '/faults', { status: 500 });
    const err500 = await failure(client().getSummary(CHANNEL));
    expect([err500.code, err500.schedule, err500.retryAfterMs]).toEqual(['pulsara-unavailable', 'backoff', undefined]);
    await admin('POST', '/faults', { status: 503, retryAfter: 30 });
    const err503 = await failure(client().getChannel(CHANNEL));
    expect([err503.code, err503.schedule, err503.retryAfterMs]).toEqual(['pulsara-unavailable', 'backoff', 30000]);
  });

  it('gives up after its deadline on a slow answer, as unavailable with backoff', async () => {
    await admin('POST', '/faults', { path: 'channel', delayMs: 5000 });
    const started = Date.now();
    const err = await failure(client({ timeoutMs: 200 }).getChannel(CHANNEL));
    expect(Date.now() - started).toBeLessThan(2000);
    expect([err.code, err.schedule]).toEqual(['pulsara-unavailable', 'backoff']);
    expect(err.message).toContain('within 200 ms');

    await admin('POST', '/faults', { path: 'summary', delayMs: 5000 });
    const summaryErr = await failure(client({ summaryTimeoutMs: 300 }).getSummary(CHANNEL));
    expect(summaryErr.message).toContain('within 300 ms');

    // The simulator logs a request once it sees the client hang up, which can come after the
    // client gave up: wait for both, or they would land in the next test's request log.
    const abandoned = await waitUntil(
      'the simulator to log both abandoned requests',
      () => sim.state.requests.filter((r) => r.status === 0).map((r) => r.path),
      (paths) => paths.length === 2,
      { everyMs: 10 },
    );
    expect(abandoned).toEqual([`/api/v1/patient-channels/${CHANNEL}`, `/api/v1/patient-channels/${CHANNEL}/summary`]);
  });

  it('reports a refused connection as unavailable', async () => {
    const closed = await startSimulator();
    const url = closed.baseUrl;
    await closed.close();
    const err = await failure(createPulsaraClient({ baseUrl: url, token: TOKEN }).getChannel(CHANNEL));
    expect([err.code, err.schedule]).toEqual(['pulsara-unavailable', 'backoff']);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('rejects a summary that is not a PDF, naming the content type but not the bytes', async () => {
    await admin('POST', '/summary-override/' + CHANNEL, {
      text: '<html>secret-page-body</html>',
      contentType: 'text/html; charset=utf-8',
    });
    const err = await failure(client().getSummary(CHANNEL));
    expect(err.code).toBe('summary-not-pdf');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('text/html; charset=utf-8');
    expect(err.message).not.toContain('secret-page-body');
  });

  it('rejects an oversized summary, declared or streamed, past a small cap', async () => {
    await admin('POST', '/summary-override/' + CHANNEL, { oversizeBytes: 5_000_000, contentLength: true });
    const declared = await failure(client({ maxSummaryBytes: 64 * 1024 }).getSummary(CHANNEL));
    expect([declared.code, declared.retryable]).toEqual(['summary-too-large', false]);

    await admin('POST', '/summary-override/' + CHANNEL, { oversizeBytes: 5_000_000 });
    const streamed = await failure(client({ maxSummaryBytes: 64 * 1024 }).getSummary(CHANNEL));
    expect(streamed.code).toBe('summary-too-large');
    expect(streamed.message).toContain('65536 bytes');

    // Right at the cap is still accepted.
    await admin('POST', '/summary-override/' + CHANNEL, { oversizeBytes: 64 * 1024 });
    expect((await client({ maxSummaryBytes: 64 * 1024 }).getSummary(CHANNEL)).length).toBe(64 * 1024);
  });

  it('rejects channels of the wrong shape', async () => {
    await admin('PUT', '/channels/pc_noids', { status: 'active' });
    const err = await failure(client().getChannel('pc_noids'));
    expect(err.code).toBe('pulsara-bad-response');
    expect(err.message).toContain('identifiers is not an array');
  });

  it('never logs the token or channel content', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const logger = createLogger({ level: 'debug', stream });
    const pulsara = client({ logger });
    await pulsara.getChannel(CHANNEL);
    await pulsara.getSummary(CHANNEL);
    await failure(client({ logger, token: 'tok_logged_never' }).getChannel(CHANNEL));
    await new Promise((resolve) => setImmediate(resolve));
    const text = lines.join('');
    expect(text).toContain(CHANNEL);
    expect(text).toContain('pulsara-auth');
    for (const secret of [TOKEN, 'tok_logged_never', 'E4410982', 'Ruiz', '%PDF']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('createPulsaraClient against a misbehaving server', () => {
  let server: Server;
  let baseUrl: string;
  let answer: { status: number; contentType: string; body: string } = {
    status: 200,
    contentType: 'application/json',
    body: '{}',
  };

  beforeAll(async () => {
    const app = express();
    app.use((_req, res) => {
      res.status(answer.status).type(answer.contentType).send(answer.body);
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reports malformed JSON as a bad response with the content type', async () => {
    answer = { status: 200, contentType: 'text/html', body: '<html>login</html>' };
    const err = await failure(createPulsaraClient({ baseUrl, token: TOKEN }).getChannel(CHANNEL));
    expect(err.code).toBe('pulsara-bad-response');
    expect(err.message).toContain('not JSON');
    expect(err.message).toContain('text/html');
  });

  it('refuses an answer for another channel than the one asked for', async () => {
    answer = {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ id: 'pc_other', identifiers: [] }),
    };
    const err = await failure(createPulsaraClient({ baseUrl, token: TOKEN }).getChannel(CHANNEL));
    expect(err.code).toBe('pulsara-bad-response');
    expect(err.message).toContain('another channel');
  });

  it('does not follow redirects, which would carry the token elsewhere', async () => {
    answer = { status: 302, contentType: 'text/plain', body: 'moved' };
    const err = await failure(createPulsaraClient({ baseUrl, token: TOKEN }).getChannel(CHANNEL));
    expect(err.code).toBe('pulsara-bad-response');
    expect(err.message).toContain('redirect');
  });

  it('reports an empty summary body as not a PDF', async () => {
    answer = { status: 200, contentType: 'application/pdf', body: '' };
    const err = await failure(createPulsaraClient({ baseUrl, token: TOKEN }).getSummary(CHANNEL));
    expect(err.code).toBe('summary-not-pdf');
    expect(err.message).toContain('application/pdf');
  });
});
