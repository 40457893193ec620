import { startSimulator } from '../../src/tools/simulator/simulator-app';
import type { RunningSimulator } from '../../src/tools/simulator/simulator-app';

const TOKEN = 'test-token';
let sim: RunningSimulator;

function api(path: string, init: RequestInit = {}, token = TOKEN): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('x-api-key', token);
  return fetch(`${sim.baseUrl}/api/v1${path}`, { ...init, headers });
}

function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${sim.baseUrl}/_sim${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function summaryBytes(id = 'pc_7f3a9c21'): Promise<Buffer> {
  const res = await api(`/patient-channels/${id}/summary`, { headers: { accept: 'application/pdf' } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  sim = await startSimulator({ token: TOKEN });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  expect((await admin('POST', '/reset')).status).toBe(204);
});

describe('simulated Pulsara API', () => {
  it('serves the contract sample channel as JSON', async () => {
    const res = await api('/patient-channels/pc_7f3a9c21', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const channel = (await res.json()) as { id: string; timeline: { key: string; time: string | null }[] };
    expect(channel.id).toBe('pc_7f3a9c21');
    expect(channel.timeline.find((entry) => entry.key === 'ct_complete')?.time).toBeNull();
  });

  it('answers 401 without the token or with a wrong one, 404 for an unknown channel', async () => {
    expect((await fetch(`${sim.baseUrl}/api/v1/patient-channels/pc_7f3a9c21`)).status).toBe(401);
    expect((await api('/patient-channels/pc_7f3a9c21', {}, 'wrong')).status).toBe(401);
    expect((await api('/patient-channels/pc_nope')).status).toBe(404);
    expect((await api('/patient-channels/pc_nope/summary', { headers: { accept: 'application/pdf' } })).status).toBe(
      404,
    );
  });

  it('serves the PSR only with Accept: application/pdf, and logs what was asked', async () => {
    expect((await api('/patient-channels/pc_7f3a9c21/summary', { headers: { accept: '*/*' } })).status).toBe(406);
    expect(
      (await api('/patient-channels/pc_7f3a9c21/summary', { headers: { accept: 'application/json' } })).status,
    ).toBe(406);
    const ok = await api('/patient-channels/pc_7f3a9c21/summary', {
      headers: { accept: 'application/json, application/pdf;q=0.9' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await ok.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');

    const log = (await (await admin('GET', '/requests')).json()) as {
      requests: { path: string; accept: string; status: number }[];
    };
    expect(log.requests.map((r) => [r.path, r.accept, r.status])).toEqual([
      ['/api/v1/patient-channels/pc_7f3a9c21/summary', '*/*', 406],
      ['/api/v1/patient-channels/pc_7f3a9c21/summary', 'application/json', 406],
      ['/api/v1/patient-channels/pc_7f3a9c21/summary', 'application/json, application/pdf;q=0.9', 200],
    ]);
  });

  it('gives the same PDF bytes for the same content and new bytes once the timeline changes', async () => {
    const first = await summaryBytes();
    expect((await summaryBytes()).equals(first)).toBe(true);
    const patch = await admin('PATCH', '/channels/pc_7f3a9c21/timeline/ct_complete', {
      time: '2026-11-25T19:21:30Z',
      set_by: 'Mercy General Hospital',
      updated_at: '2026-11-25T19:22:00Z',
    });
    expect(patch.status).toBe(200);
    const changed = await summaryBytes();
    expect(changed.equals(first)).toBe(false);
    // Putting the original content back gives the original bytes again.
    await admin('PATCH', '/channels/pc_7f3a9c21/timeline/ct_complete', {
      time: null,
      set_by: null,
      updated_at: '2026-11-25T19:03:11Z',
    });
    expect((await summaryBytes()).equals(first)).toBe(true);
  });

  it('accepts a Bearer token when configured with the authorization header', async () => {
    const bearer = await startSimulator({ token: 'abc', tokenHeader: 'Authorization' });
    try {
      const url = `${bearer.baseUrl}/api/v1/patient-channels/pc_5b21e8d4`;
      expect((await fetch(url, { headers: { authorization: 'Bearer abc' } })).status).toBe(200);
      expect((await fetch(url, { headers: { authorization: 'abc' } })).status).toBe(401);
      expect((await fetch(url, { headers: { 'x-api-key': 'abc' } })).status).toBe(401);
    } finally {
      await bearer.close();
    }
  });
});

describe('simulator admin API', () => {
  it('creates channels and edits identifiers, bumping updated_at', async () => {
    const put = await admin('PUT', '/channels/pc_new', { status: 'active', identifiers: [], timeline: [] });
    expect(put.status).toBe(201);
    const patched = await admin('PATCH', '/channels/pc_new/identifiers/MRN', { value: '' });
    const body = (await patched.json()) as {
      identifier: { id: string; value: string };
      channel: { updated_at: string };
    };
    expect(body.identifier).toEqual({ id: 'cid_501', name: 'MRN', category: 'hospital', value: '' });
    expect(Date.parse(body.channel.updated_at)).toBeGreaterThan(Date.now() - 5000);
    const channel = (await (await api('/patient-channels/pc_new')).json()) as { identifiers: unknown[] };
    expect(channel.identifiers).toEqual([{ id: 'cid_501', name: 'MRN', category: 'hospital', value: '' }]);
  });

  it('rejects bad admin bodies with 400', async () => {
    expect((await admin('PUT', '/channels/pc_a', { id: 'pc_b' })).status).toBe(400);
    expect((await admin('PUT', '/channels/pc_a', { identifiers: {} })).status).toBe(400);
    expect((await admin('POST', '/faults', { path: 'nowhere', status: 500 })).status).toBe(400);
    expect((await admin('POST', '/faults', { count: 2 })).status).toBe(400);
    expect((await admin('PATCH', '/channels/pc_7f3a9c21/timeline/ct_complete', { time: 5 })).status).toBe(400);
    const badJson = await fetch(`${sim.baseUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
  });

  it('injects n faults on one path, with Retry-After, then recovers', async () => {
    await admin('POST', '/faults', { path: 'channel', status: 429, count: 2, retryAfter: 7 });
    const first = await api('/patient-channels/pc_7f3a9c21');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    const summary = await api('/patient-channels/pc_7f3a9c21/summary', { headers: { accept: 'application/pdf' } });
    expect(summary.status).toBe(200);
    expect((await api('/patient-channels/pc_7f3a9c21')).status).toBe(429);
    expect((await api('/patient-channels/pc_7f3a9c21')).status).toBe(200);
  });

  it('delays answers with delayMs and still answers normally without a status', async () => {
    await admin('POST', '/faults', { delayMs: 300 });
    const started = Date.now();
    const res = await api('/patient-channels/pc_7f3a9c21');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('serves summary overrides and drops them again', async () => {
    await admin('POST', '/summary-override/pc_7f3a9c21', { text: '<html>maintenance</html>' });
    const html = await api('/patient-channels/pc_7f3a9c21/summary', { headers: { accept: 'application/pdf' } });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toBe('<html>maintenance</html>');

    await admin('POST', '/summary-override/pc_7f3a9c21', { oversizeBytes: 200_000, contentLength: true });
    const big = await api('/patient-channels/pc_7f3a9c21/summary', { headers: { accept: 'application/pdf' } });
    expect(big.headers.get('content-length')).toBe('200000');
    const bigBytes = Buffer.from(await big.arrayBuffer());
    expect(bigBytes.length).toBe(200_000);
    expect(bigBytes.subarray(0, 5).toString()).toBe('%PDF-');

    await admin('DELETE', '/summary-override/pc_7f3a9c21');
    expect((await summaryBytes()).length).toBeLessThan(20_000);
  });
});
