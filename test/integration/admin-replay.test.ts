import { startHarness } from '../support/bridge-harness';
import type { Harness } from '../support/bridge-harness';
import { STROKE_CHANNEL_ID } from '../../src/tools/simulator';
import type { Bundle } from '@medplum/fhirtypes';

const PSR_SYSTEM = 'https://pulsara-fhir-bridge.example.org/fhir/psr';

/** Operators fix the cause of a dead letter, then retry it or replay the channel over /admin. */
describe('admin API: retry and replay', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ RETRY_MAX_ATTEMPTS: '2' });
  });
  afterAll(async () => h?.close());

  const admin = (method: string, path: string): Promise<Response> =>
    fetch(`${h.bridge.url}/admin${path}`, { method, headers: { Authorization: 'Bearer admin-secret' } });

  /** The id of the sample channel's current PSR DocumentReference in the EHR. */
  async function currentPsrIds(): Promise<(string | undefined)[]> {
    const bundle = await h.fhirGet<Bundle>(
      `DocumentReference?identifier=${encodeURIComponent(`${PSR_SYSTEM}|${STROKE_CHANNEL_ID}`)}&status=current`,
    );
    return (bundle.entry ?? []).map((e) => e.resource?.id);
  }

  it('retries a dead letter after the cause is fixed', async () => {
    // Pulsara answers 500 to every call for a while: the delivery runs out of attempts.
    await fetch(`${h.simulator.baseUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: 'channel', status: 500, count: 2 }),
    });
    const event = h.mrnEvent();
    await h.send(event);
    const dead = await h.waitFor(event.id, ['dead']);
    expect(dead.lastError?.code).toBe('pulsara-unavailable');
    expect(dead.lastError?.message).toMatch(/gave up after 2 attempts/);

    const list = (await (await admin('GET', '/deliveries?status=dead')).json()) as { deliveries: { id: string }[] };
    expect(list.deliveries.map((d) => d.id)).toContain(dead.id);

    const retry = await admin('POST', `/deliveries/${dead.id}/retry`);
    expect(retry.status).toBe(202);
    const delivered = await h.waitFor(event.id, ['delivered']);
    expect(await currentPsrIds()).toEqual([delivered.outcome?.documentReferenceId]);

    const one = await (await admin('GET', `/deliveries/${dead.id}`)).json();
    expect(one).toMatchObject({ id: dead.id, status: 'delivered' });
    expect((await admin('POST', '/deliveries/dlv_unknown/retry')).status).toBe(404);
  });

  it('replays a whole channel, writing nothing when nothing changed', async () => {
    // Delivered first by this test itself, so that it does not rely on the one above.
    const event = h.mrnEvent();
    expect((await h.send(event)).status).toBe(202);
    const first = await h.waitFor(event.id, ['delivered']);

    const replay = await admin('POST', `/channels/${STROKE_CHANNEL_ID}/replay`);
    expect(replay.status).toBe(202);
    const { eventId } = (await replay.json()) as { eventId: string };
    const delivered = await h.waitFor(eventId, ['delivered']);
    expect(delivered.outcome).toMatchObject({
      created: 0,
      updated: 0,
      documentReferenceId: first.outcome?.documentReferenceId,
    });
    expect((await admin('POST', '/channels/pc_unknown/replay')).status).toBe(404);
    const status = (await (await admin('GET', '/status')).json()) as { mapping: unknown };
    expect(status.mapping).toMatchObject({ name: 'Default stroke and STEMI mapping' });
  });
});
