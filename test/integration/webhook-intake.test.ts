import request from 'supertest';
import type { Express } from 'express';
import { signWebhook, buildIdentifierEvent } from '../../src/tools/simulator';
import { createBridgeApp } from '../../src/server/app';
import { createMetrics } from '../../src/server/metrics';
import { openStore } from '../../src/store/open-store';
import type { DeliveryStore } from '../../src/store/types';
import { silentLogger } from '../../src/shared/logger';
import { BridgeError } from '../../src/shared/errors';

const SECRET = 'whsec_intake_test';
const triggers = {
  events: ['patient_channel.identifier.created', 'patient_channel.identifier.updated'],
  identifierNames: ['MRN', 'CSN'],
};

function appFor(store: DeliveryStore, onStored?: () => void): Express {
  return createBridgeApp({
    store,
    logger: silentLogger(),
    metrics: createMetrics(store),
    signature: { scheme: 'timestamped', secrets: ['whsec_old', SECRET], toleranceSeconds: 300 },
    triggers,
    fhirCheck: async () => ({}),
    adminToken: 'admin-token',
    onStored,
  });
}

function post(app: Express, body: string, signature?: string) {
  const req = request(app).post('/webhooks/pulsara').set('Content-Type', 'application/json');
  return (signature === undefined ? req : req.set('Pulsara-Signature', signature)).send(body);
}

const event = () =>
  buildIdentifierEvent({ channelId: 'pc_7f3a9c21', identifier: { id: 'cid_501', name: 'MRN', category: 'hospital' } });

describe('POST /webhooks/pulsara', () => {
  let store: DeliveryStore;
  let app: Express;
  let woken = 0;

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    await store.init();
    woken = 0;
    app = appFor(store, () => woken++);
  });
  afterEach(async () => {
    await store.close();
  });

  it('answers 202 once the event is stored, and wakes the workers', async () => {
    const body = JSON.stringify(event());
    const res = await post(app, body, signWebhook(body, SECRET, 'timestamped'));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending', duplicate: false });
    const [stored] = await store.list();
    expect(stored).toMatchObject({
      id: res.body.deliveryId,
      channelId: 'pc_7f3a9c21',
      status: 'pending',
      payload: body,
    });
    expect(woken).toBe(1);
  });

  it('dedupes a redelivery of the same event id', async () => {
    const body = JSON.stringify(event());
    const sig = signWebhook(body, SECRET, 'timestamped');
    const first = await post(app, body, sig);
    const second = await post(app, body, sig);
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ deliveryId: first.body.deliveryId, duplicate: true });
    expect(await store.list()).toHaveLength(1);
  });

  describe('rejects with 401 and stores nothing', () => {
    const body = JSON.stringify(event());
    const now = Math.floor(Date.now() / 1000);
    it.each([
      ['a missing signature', undefined],
      ['an empty signature', ''],
      ['a garbage signature', 'not-a-signature'],
      ['a wrong secret', signWebhook(body, 'whsec_wrong', 'timestamped')],
      ['a stale timestamp', signWebhook(body, SECRET, 'timestamped', now - 3600)],
      ['a future timestamp', signWebhook(body, SECRET, 'timestamped', now + 3600)],
      ['a wrong-length v1', `t=${now},v1=abcdef`],
    ])('%s', async (_label, signature) => {
      const res = await post(app, body, signature);
      expect(res.status).toBe(401);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(await store.list()).toHaveLength(0);
    });

    it('a tampered body', async () => {
      const sig = signWebhook(body, SECRET, 'timestamped');
      const res = await post(app, body.replace('"MRN"', '"CSN"'), sig);
      expect(res.status).toBe(401);
      expect(await store.list()).toHaveLength(0);
    });
  });

  it('accepts a signature made with any configured secret', async () => {
    const body = JSON.stringify(event());
    const res = await post(app, body, signWebhook(body, 'whsec_old', 'timestamped'));
    expect(res.status).toBe(202);
  });

  it.each([
    ['non-JSON', 'this is not json'],
    ['a JSON array', '[1,2]'],
    ['an event without id', JSON.stringify({ type: 'patient_channel.identifier.updated', data: {} })],
    [
      'a trigger event without channel',
      JSON.stringify({
        id: 'evt_1',
        type: 'patient_channel.identifier.updated',
        data: { identifier: { name: 'MRN' } },
      }),
    ],
    [
      'a trigger event without identifier name',
      JSON.stringify({ id: 'evt_2', type: 'patient_channel.identifier.created', data: { patient_channel_id: 'pc_1' } }),
    ],
  ])('answers 400 to %s and stores nothing', async (_label, body) => {
    const res = await post(app, body, signWebhook(body, SECRET, 'timestamped'));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('invalid');
    expect(await store.list()).toHaveLength(0);
  });

  it('acknowledges an unknown event type with 202 and records it as ignored', async () => {
    const body = JSON.stringify({
      id: 'evt_other',
      type: 'patient_channel.message.created',
      data: { patient_channel_id: 'pc_1' },
      extra: true,
    });
    const res = await post(app, body, signWebhook(body, SECRET, 'timestamped'));
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('ignored');
    const [stored] = await store.list();
    expect(stored.status).toBe('ignored');
    expect(await store.claim('w', 1000)).toBeNull();
    expect(woken).toBe(0);
  });

  it('records an identifier the mapping does not trigger on as ignored', async () => {
    const ev = buildIdentifierEvent({ channelId: 'pc_1', identifier: { id: 'cid_9', name: 'Wristband' } });
    const body = JSON.stringify(ev);
    const res = await post(app, body, signWebhook(body, SECRET, 'timestamped'));
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('ignored');
  });

  it('answers 413 to a body over 1 MB, stores nothing', async () => {
    const big = JSON.stringify({ ...event(), padding: 'x'.repeat(1024 * 1024) });
    const res = await post(app, big, signWebhook(big, SECRET, 'timestamped'));
    expect(res.status).toBe(413);
    expect(await store.list()).toHaveLength(0);
  });

  it('answers 503, never 202, when the store cannot commit', async () => {
    const failing = Object.create(store) as DeliveryStore;
    failing.recordEvent = async () => {
      throw new BridgeError('store-unavailable', 'disk full', { schedule: 'backoff' });
    };
    const body = JSON.stringify(event());
    const res = await post(appFor(failing), body, signWebhook(body, SECRET, 'timestamped'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });
});

describe('health, readiness, metrics, admin', () => {
  let store: DeliveryStore;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    await store.init();
  });
  afterAll(async () => store.close());

  it('serves /healthz, /readyz and /metrics', async () => {
    const app = appFor(store);
    expect((await request(app).get('/healthz')).status).toBe(200);
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ ready: true, store: 'ok', fhir: 'ok' });
    const metrics = await request(app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('pulsara_bridge_deliveries');
  });

  it('reports 503 with the reason when the FHIR endpoint is down', async () => {
    const app = createBridgeApp({
      store,
      logger: silentLogger(),
      metrics: createMetrics(store),
      signature: { scheme: 'timestamped', secrets: [SECRET], toleranceSeconds: 300 },
      triggers,
      fhirCheck: async () => {
        throw new BridgeError('ehr-unavailable', 'connection refused', { schedule: 'backoff' });
      },
    });
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.fhir).toContain('connection refused');
  });

  it('keeps /admin behind the bearer token', async () => {
    const app = appFor(store);
    expect((await request(app).get('/admin/deliveries')).status).toBe(401);
    expect((await request(app).get('/admin/deliveries').set('Authorization', 'Bearer nope')).status).toBe(401);
    const ok = await request(app).get('/admin/deliveries').set('Authorization', 'Bearer admin-token');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ deliveries: [] });
    const bad = await request(app).get('/admin/deliveries?status=bogus').set('Authorization', 'Bearer admin-token');
    expect(bad.status).toBe(400);
  });
});
