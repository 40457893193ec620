import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { dryRunMappingAction } from '../../src/cli/commands/mapping';
import type { PreviewReport } from '../../src/cli/commands/mapping';
import type { DryRunStep } from '../../src/delivery/dry-run';
import type { WriteOutcome } from '../../src/shared/write-outcome';
import { TOKEN, startHarness } from '../support/bridge-harness';
import { REPO_ROOT } from '../support/run-cli';
import type { Harness } from '../support/bridge-harness';

/*
 * `mapping preview --ehr` on a real case against the sandbox plans exactly what the bridge
 * then writes when the case is delivered: the ready stroke mapping, its example channel
 * served by the simulator, the PSR the simulator renders.
 */
const MAPPING = path.join(REPO_ROOT, 'mappings/examples/stroke.json');
const CHANNEL_ID = 'pc_ex_stroke_01';
const TIMELINE_SYSTEM = 'https://fhir.mercy-general.example.org/pulsara/timeline';

describe('mapping preview --ehr (dry run) against the sandbox', () => {
  let h: Harness;
  let tmp: string;
  let channelFile: string;
  let pdfFile: string;
  let patientId: string;

  beforeAll(async () => {
    h = await startHarness({ MAPPING_FILE: MAPPING });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dry-run-'));
    const channel = fs.readFileSync(path.join(REPO_ROOT, 'mappings/examples/channels/stroke.json'), 'utf8');
    await sim('PUT', `/channels/${CHANNEL_ID}`, JSON.parse(channel));
    // The example stroke channel carries the MRN and CSN of the sandbox's seeded patient.
    patientId = h.patientId;
    channelFile = path.join(tmp, 'channel.json');
    pdfFile = path.join(tmp, 'psr.pdf');
    await saveFromPulsara();
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function sim(method: string, route: string, body?: unknown): Promise<void> {
    const res = await fetch(`${h.simulator.baseUrl}/_sim${route}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
  }

  /** Saves the channel and its PSR as an informaticist would, from the Pulsara API. */
  async function saveFromPulsara(): Promise<void> {
    const api = `${h.simulator.baseUrl}/api/v1/patient-channels/${CHANNEL_ID}`;
    const channel = await fetch(api, { headers: { 'x-api-key': TOKEN } });
    fs.writeFileSync(channelFile, Buffer.from(await channel.arrayBuffer()));
    const pdf = await fetch(`${api}/summary`, { headers: { 'x-api-key': TOKEN, Accept: 'application/pdf' } });
    fs.writeFileSync(pdfFile, Buffer.from(await pdf.arrayBuffer()));
  }

  async function dryRun(mapping = MAPPING, strict = false): Promise<{ code: number; report: PreviewReport }> {
    let stdout = '';
    const io = { out: (t: string) => void (stdout += t), err: () => undefined };
    const code = await dryRunMappingAction(
      mapping,
      { channel: channelFile, pdf: pdfFile, ehr: h.sandbox.baseUrl, format: 'json', strict },
      io,
    );
    return { code, report: JSON.parse(stdout) as PreviewReport };
  }

  async function deliver(): Promise<WriteOutcome> {
    const event = h.mrnEvent({ channelId: CHANNEL_ID });
    expect((await h.send(event)).status).toBe(202);
    const delivery = await h.waitFor(event.id);
    expect(delivery.status).toBe('delivered');
    return delivery.outcome as WriteOutcome;
  }

  const keysOf = (steps: DryRunStep[], action: string): string[] =>
    steps
      .filter((s) => s.action === action && s.resourceType === 'Observation')
      .map((s) => s.key as string)
      .sort();

  it('plans the first delivery, and the delivery writes exactly that', async () => {
    const { code, report } = await dryRun(MAPPING, true);
    expect(code).toBe(0);
    expect(report.dryRun?.lookup).toMatchObject({ outcome: 'found', patientId });
    const plan = report.dryRun?.plan ?? [];
    expect(plan.every((s) => s.action === 'create')).toBe(true);
    expect(plan.filter((s) => s.resourceType === 'DocumentReference')).toHaveLength(1);

    const outcome = await deliver();
    expect(outcome.created).toBe(plan.length);
    expect(outcome.updated).toBe(0);
    expect(Object.keys(outcome.observationIds ?? {}).sort()).toEqual(keysOf(plan, 'create'));
    expect(outcome.documentReferenceId).toBeDefined();
    expect(outcome.mappingName).toBe('Mercy General stroke programme (Epic flowsheet rows)');
    expect(outcome.mappingVersion).toBe('2026-12-01');
    expect(outcome.warnings).toBeUndefined();

    // Written in the site's offset, tagged with the mapping that made it.
    const bundle = await h.fhirGet<Bundle<Observation>>(
      `Observation?identifier=${encodeURIComponent(`${TIMELINE_SYSTEM}|${CHANNEL_ID}.ed_arrival`)}`,
    );
    const door = bundle.entry?.[0]?.resource;
    expect(door?.valueDateTime).toBe('2026-11-25T13:02:40-06:00');
    expect(door?.meta?.tag).toContainEqual({
      system: 'https://fhir.mercy-general.example.org/pulsara/mapping',
      code: '2026-12-01',
      display: 'Mercy General stroke programme (Epic flowsheet rows)',
    });
  });

  it('plans nothing once the case is in the chart, and a different time zone setting changes nothing', async () => {
    const { report } = await dryRun();
    const plan = report.dryRun?.plan ?? [];
    expect(plan.every((s) => s.action === 'unchanged')).toBe(true);
    expect(plan).toHaveLength(12);

    // Same instants, other offsets: the chart is not rewritten for formatting.
    const utc = JSON.parse(fs.readFileSync(MAPPING, 'utf8')) as Record<string, unknown>;
    delete utc.$schema;
    utc.timeZone = 'UTC';
    const utcFile = path.join(tmp, 'utc.json');
    fs.writeFileSync(utcFile, JSON.stringify(utc));
    const again = await dryRun(utcFile);
    expect(again.report.dryRun?.plan?.every((s) => s.action === 'unchanged')).toBe(true);
  });

  it('plans the update, the retraction and the warning of a changed case, and the delivery does exactly that', async () => {
    // CT time corrected, groin puncture cleared, bolus typed before the door.
    await sim('PATCH', `/channels/${CHANNEL_ID}/timeline/ct_start`, { time: '2026-11-25T19:11:15Z' });
    await sim('PATCH', `/channels/${CHANNEL_ID}/timeline/groin_puncture`, { time: null });
    await sim('PATCH', `/channels/${CHANNEL_ID}/timeline/thrombolytic_bolus`, { time: '2026-11-25T18:50:20Z' });
    await saveFromPulsara();
    const { code, report } = await dryRun(MAPPING, true);
    expect(code).toBe(2);
    const plan = report.dryRun?.plan ?? [];
    expect(keysOf(plan, 'update')).toEqual(['ct_start', 'door_to_ct', 'thrombolytic_bolus']);
    expect(keysOf(plan, 'entered-in-error')).toEqual(['door_to_groin', 'door_to_needle', 'groin_puncture']);
    expect(plan.filter((s) => s.resourceType === 'DocumentReference').map((s) => s.action)).toEqual([
      'create',
      'supersede',
    ]);
    expect(report.warnings.map((w) => `${w.entry}:${w.kind}:${w.action}`)).toEqual([
      'ed_arrival:out-of-order:written',
      'thrombolytic_bolus:out-of-order:written',
      'thrombolytic_bolus:out-of-order:written',
      'door_to_needle:negative-interval:skipped',
    ]);

    const outcome = await deliver();
    const planned = (action: string) => plan.filter((s) => s.action === action).length;
    expect(outcome.updated).toBe(planned('update') + planned('supersede') + planned('entered-in-error'));
    expect(outcome.created).toBe(planned('create'));
    const retracted = plan.filter((s) => s.action === 'entered-in-error').map((s) => s.id);
    expect([...(outcome.retractedIds ?? [])].sort()).toEqual(retracted.sort());
    // The ledger keeps the warnings, without the times behind them.
    expect(outcome.warnings).toEqual(
      report.warnings.map(({ entry, kind, message, action }) => ({ entry, kind, message, action })),
    );
    expect(JSON.stringify(outcome.warnings)).not.toMatch(/2026-/);
    // The log names the entries and kinds; never the patient, the MRN or the times.
    const logs = h.logs();
    expect(logs).toContain('door_to_needle:negative-interval:skipped');
    for (const phi of ['E4410982', '300018842', 'Example', '1951-04-09', '18:50:20', '12:50:20']) {
      expect(logs).not.toContain(phi);
    }
  });

  it('keeps what was filed when the channel is re-typed, unless the entry says to retract it', async () => {
    await sim('PUT', `/channels/${CHANNEL_ID}`, {
      ...JSON.parse(fs.readFileSync(channelFile, 'utf8')),
      patient_type: 'trauma',
    });
    await saveFromPulsara();
    const kept = await dryRun();
    expect(kept.report.dryRun?.plan?.filter((s) => s.action !== 'unchanged')).toEqual([]);

    const retracting = JSON.parse(fs.readFileSync(MAPPING, 'utf8')) as {
      $schema?: string;
      observations: Record<string, unknown>[];
    };
    delete retracting.$schema;
    retracting.observations.find((o) => o.key === 'ct_complete')!.onNotApplicable = 'entered-in-error';
    const file = path.join(tmp, 'retracting.json');
    fs.writeFileSync(file, JSON.stringify(retracting));
    const retracted = await dryRun(file);
    expect(retracted.report.dryRun?.plan?.filter((s) => s.action !== 'unchanged')).toEqual([
      expect.objectContaining({ action: 'entered-in-error', resourceType: 'Observation', key: 'ct_complete' }),
    ]);
  });

  it('stops where the delivery would: a patient the EHR does not have, without showing the MRN', async () => {
    const channel = JSON.parse(fs.readFileSync(channelFile, 'utf8')) as {
      identifiers: { name: string; value: string }[];
    };
    channel.identifiers = channel.identifiers.map((i) => (i.name === 'MRN' ? { ...i, value: 'E0000000' } : i));
    fs.writeFileSync(channelFile, JSON.stringify(channel));
    const { code, report } = await dryRun(MAPPING, true);
    expect(code).toBe(2);
    expect(report.dryRun?.lookup).toEqual({
      outcome: 'stopped',
      code: 'patient-not-found',
      message:
        "No Patient with identifier system urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14 and the channel's MRN yet; waiting for registration",
    });
    expect(report.dryRun?.plan).toBeUndefined();
  });
});
