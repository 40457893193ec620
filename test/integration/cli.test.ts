import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/open-store';
import { freePort } from '../support/free-port';
import { assertBuilt, REPO_ROOT, runCli, spawnCli } from '../support/run-cli';

/** The built binary, driven as an operator would (docs/interface.md). */
describe('pulsara-fhir-bridge CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pfb-cli-'));
  beforeAll(() => assertBuilt());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serve refuses to start half-configured and names every bad variable', async () => {
    const result = await runCli(['serve'], { env: { PORT: 'abc', PULSARA_SIGNATURE_SCHEME: 'md5' } });
    expect(result.code).toBe(1);
    for (const name of [
      'PORT',
      'PULSARA_API_BASE_URL',
      'PULSARA_API_TOKEN',
      'PULSARA_WEBHOOK_SECRETS',
      'PULSARA_SIGNATURE_SCHEME',
      'FHIR_BASE_URL',
    ]) {
      expect(result.stderr).toContain(`${name}:`);
    }
  });

  it('serve refuses to start with a broken mapping file and lists its problems', async () => {
    const mapping = path.join(dir, 'broken.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        name: 'x',
        version: '1',
        triggers: { events: [], identifierNames: [] },
        observations: [{ tme: 'x' }],
      }),
    );
    const result = await runCli(['serve'], {
      env: {
        PORT: '0',
        PULSARA_API_BASE_URL: 'http://127.0.0.1:9',
        PULSARA_API_TOKEN: 't',
        PULSARA_WEBHOOK_SECRETS: 's',
        FHIR_BASE_URL: 'http://127.0.0.1:9/fhir',
        MAPPING_FILE: mapping,
        STORE_URL: `sqlite:${path.join(dir, 'never.sqlite')}`,
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('broken.json');
    expect(result.stderr).toContain('$.observations[0]');
    expect(result.stderr).toContain('$.patient');
  });

  it('events list, show, retry and replay work on the ledger of STORE_URL', async () => {
    const storeUrl = `sqlite:${path.join(dir, 'ledger.sqlite')}`;
    const store = await openStore(storeUrl);
    await store.init();
    const { deliveryId } = await store.recordEvent({
      eventId: 'evt_cli_1',
      eventType: 'patient_channel.identifier.updated',
      channelId: 'pc_cli',
      payload: '{}',
      receivedAt: new Date(),
    });
    const claimed = await store.claim('test-worker', 60000);
    expect(claimed?.id).toBe(deliveryId);
    await store.markDead(deliveryId, 'test-worker', {
      code: 'patient-ambiguous',
      message: 'ambiguous patient: 2 matches',
    });
    await store.close();
    const withStore = { env: { STORE_URL: storeUrl } };

    const table = await runCli(['events', 'list', '--status', 'dead'], withStore);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(deliveryId);
    expect(table.stdout).toContain('patient-ambiguous: ambiguous patient: 2 matches');

    const json = JSON.parse((await runCli(['events', 'list', '--json'], withStore)).stdout);
    expect(json).toEqual([expect.objectContaining({ id: deliveryId, status: 'dead', attempts: 1 })]);

    expect((await runCli(['events', 'list', '--status', 'pending'], withStore)).stdout).toBe('no deliveries\n');
    const badStatus = await runCli(['events', 'list', '--status', 'bogus'], withStore);
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toContain('unknown status bogus');

    const retried = await runCli(['events', 'retry', deliveryId], withStore);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain('pending');
    const shown = JSON.parse((await runCli(['events', 'show', deliveryId], withStore)).stdout);
    expect(shown.status).toBe('pending');

    const replay = await runCli(['events', 'replay', '--channel', 'pc_cli'], withStore);
    expect(replay.code).toBe(0);
    const elsewhere = await runCli(['events', 'list'], {
      env: { STORE_URL: `sqlite:${path.join(dir, 'nope', 'bridge.sqlite')}` },
    });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('no delivery store at');
    expect(existsSync(path.join(dir, 'nope'))).toBe(false);

    const unknown = await runCli(['events', 'retry', 'dlv_nope'], withStore);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no delivery dlv_nope');
  });

  it('demo drives a sample case through, prints what was written and exits 0', async () => {
    // Within Jest's 30 s test timeout, so that a hang is reported with the demo's stderr.
    const result = await runCli(['demo'], { timeoutMs: 25_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/DocumentReference\/[\w-]+: "Pulsara Summary Report", application\/pdf/);
    expect(result.stdout).toMatch(/Observation\/[\w-]+: Last known well time = 2026-11-25T18:05:00-06:00/);
    expect(result.stdout).toContain('second delivery delivered: 0 created, 0 updated');
    expect(result.stdout + result.stderr).not.toContain('E4410982');
  });

  it('sandbox --seed serves FHIR R4 at <host>:<port>/fhir until SIGTERM', async () => {
    const port = await freePort();
    const child = spawnCli(['sandbox', '--port', String(port), '--seed']);
    try {
      const printed = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
      });
      expect(printed).toMatch(new RegExp(`^http://(localhost|127\\.0\\.0\\.1):${port}/fhir$`));
      const metadata = (await (await fetch(`${printed}/metadata`)).json()) as {
        resourceType: string;
        fhirVersion: string;
      };
      expect(metadata).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
      const patients = (await (
        await fetch(
          `${printed}/Patient?identifier=${encodeURIComponent('urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14|E4410982')}`,
        )
      ).json()) as { entry?: unknown[] };
      expect(patients.entry).toHaveLength(1);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('mapping validate and preview work on the shipped mapping', async () => {
    const ok = await runCli(['mapping', 'validate', path.join(REPO_ROOT, 'mappings', 'default.json')]);
    expect(ok.code).toBe(0);
    const preview = await runCli([
      'mapping',
      'preview',
      path.join(REPO_ROOT, 'mappings', 'default.json'),
      '--channel',
      path.join(REPO_ROOT, 'test', 'fixtures', 'mapping-channels', 'stroke.json'),
    ]);
    expect(preview.code).toBe(0);
    const printed = JSON.parse(preview.stdout);
    expect(JSON.stringify(printed)).toContain('Observation');
  });
});
