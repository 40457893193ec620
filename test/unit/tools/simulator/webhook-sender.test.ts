import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { buildIdentifierEvent, sendWebhook, signWebhook } from '../../../../src/tools/simulator/webhook-sender';

/** The contract's example event, keys in the order shown there. */
const CONTRACT_EVENT = {
  id: 'evt_01JD8X4Q2M7V3K9T',
  type: 'patient_channel.identifier.updated',
  created_at: '2026-11-25T19:03:11Z',
  data: {
    patient_channel_id: 'pc_7f3a9c21',
    identifier: { id: 'cid_501', name: 'MRN', category: 'hospital' },
  },
};
const SECRET = 'whsec_bridge_test_vector';
const T = 1764097391;
const BODY = JSON.stringify(CONTRACT_EVENT);
const V1 = '971a2fac5f9b7b0fc39834dfdf1b2bb56a913ca7e77eee107323c2c397b57ace';

describe('signWebhook', () => {
  it('matches the contract test vector for the timestamped scheme', () => {
    expect(signWebhook(BODY, SECRET, 'timestamped', T)).toBe(`t=${T},v1=${V1}`);
  });

  it('matches the contract test vector for the plain scheme (hex and base64 forms)', () => {
    const hex = signWebhook(BODY, SECRET, 'hmac-sha256');
    expect(hex).toBe('7f7d98d9c5f7add5922fc8be51770d53190f1db5f6974f3b9c6263e7b0b6e59d');
    expect(Buffer.from(hex, 'hex').toString('base64')).toBe('f32Y2cX3rdWSL8i+UXcNUxkPHbX2l087nGJj57C25Z0=');
  });

  it('gives a different signature when one space is added to the body', () => {
    const spaced = BODY.replace('"type":', '"type": ');
    expect(spaced).not.toBe(BODY);
    expect(signWebhook(spaced, SECRET, 'timestamped', T)).not.toBe(`t=${T},v1=${V1}`);
    expect(signWebhook(spaced, SECRET, 'hmac-sha256')).not.toBe(signWebhook(BODY, SECRET, 'hmac-sha256'));
  });

  it('uses the current time when no timestamp is given', () => {
    const before = Math.floor(Date.now() / 1000);
    const header = signWebhook(BODY, SECRET, 'timestamped');
    const t = Number(/^t=(\d+),v1=[0-9a-f]{64}$/.exec(header)?.[1]);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(before + 2);
  });
});

describe('buildIdentifierEvent', () => {
  it('builds the contract event shape with the key order of the example', () => {
    const event = buildIdentifierEvent({
      channelId: 'pc_7f3a9c21',
      identifier: { id: 'cid_501', name: 'MRN', category: 'hospital' },
      eventId: 'evt_01JD8X4Q2M7V3K9T',
      createdAt: new Date('2026-11-25T19:03:11.000Z'),
    });
    expect(JSON.stringify(event)).toBe(BODY);
  });

  it('makes a fresh evt_ id per event and honours the created type', () => {
    const a = buildIdentifierEvent({ channelId: 'pc_1', identifier: { id: 'cid_1', name: 'CSN' }, type: 'created' });
    const b = buildIdentifierEvent({ channelId: 'pc_1', identifier: { id: 'cid_1', name: 'CSN' } });
    expect(a.id).toMatch(/^evt_[0-9A-F]{16}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.type).toBe('patient_channel.identifier.created');
    expect(b.type).toBe('patient_channel.identifier.updated');
    expect(a.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });
});

describe('sendWebhook', () => {
  let server: Server;
  let url: string;
  const received: { raw: string; signature: string | undefined; contentType: string | undefined }[] = [];

  beforeAll(async () => {
    const app = express();
    app.post('/webhooks/pulsara', express.raw({ type: '*/*' }), (req, res) => {
      const raw = (req.body as Buffer).toString('utf8');
      const signature = req.get('pulsara-signature');
      received.push({ raw, signature, contentType: req.get('content-type') });
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature ?? '');
      const expected = match && createHmac('sha256', SECRET).update(`${match[1]}.${raw}`).digest('hex');
      if (!match || expected !== match[2]) {
        res.status(401).send('bad signature');
        return;
      }
      res.status(202).send('accepted');
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/pulsara`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('posts exactly the bytes it signed, as JSON', async () => {
    const result = await sendWebhook({ url, secret: SECRET, scheme: 'timestamped', event: CONTRACT_EVENT, t: T });
    expect(result).toEqual({ status: 202, body: 'accepted' });
    const last = received[received.length - 1];
    expect(last.raw).toBe(BODY);
    expect(last.signature).toBe(`t=${T},v1=${V1}`);
    expect(last.contentType).toMatch(/^application\/json/);
  });

  it('sends a raw string body untouched', async () => {
    const raw = '{"id": "evt_spaced", "type": "x"}';
    const result = await sendWebhook({ url, secret: SECRET, scheme: 'timestamped', event: raw });
    expect(result.status).toBe(202);
    expect(received[received.length - 1].raw).toBe(raw);
  });

  it('can send a bad signature, which the receiver rejects', async () => {
    const result = await sendWebhook({
      url,
      secret: SECRET,
      scheme: 'timestamped',
      event: CONTRACT_EVENT,
      badSignature: true,
    });
    expect(result).toEqual({ status: 401, body: 'bad signature' });
  });
});
