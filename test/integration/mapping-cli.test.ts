import path from 'node:path';
import { seedSandbox, startSandbox } from '../../src/tools/sandbox';
import type { RunningSandbox } from '../../src/tools/sandbox';
import { runCli } from '../support/run-cli';

/** `mapping preview` through the built binary: options, exit codes, formats, the dry run. */
const repo = path.resolve(__dirname, '..', '..');
const stroke = path.join(repo, 'mappings/examples/stroke.json');
const strokeChannel = path.join(repo, 'mappings/examples/channels/stroke.json');
const samplePdf = path.join(repo, 'mappings/examples/sample-psr.pdf');

describe('pulsara-fhir-bridge mapping preview', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    await seedSandbox(sandbox.baseUrl);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('dry-runs a ready mapping on its example case against a test EHR, cleanly under --strict', async () => {
    const run = await runCli([
      'mapping',
      'preview',
      stroke,
      '--channel',
      strokeChannel,
      '--pdf',
      samplePdf,
      '--ehr',
      sandbox.baseUrl,
      '--strict',
      '--format',
      'text',
    ]);
    expect(run.stderr).toBe(
      `note: 11 of 12 observations would be written; nothing was written to ${sandbox.baseUrl}\n`,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Dry run against ${sandbox.baseUrl} (nothing written)`);
    expect(run.stdout).toMatch(/ {4}create {12}DocumentReference {2,}a new version of the summary report\n/);
    expect(run.stdout.match(/^ {4}create {12}Observation /gm)).toHaveLength(11);
  });

  it('prints JSON when its output is not a terminal, and exits 2 under --strict on a warning', async () => {
    const run = await runCli([
      'mapping',
      'preview',
      stroke,
      '--channel',
      path.join(repo, 'test/fixtures/mapping-channels/broken/stroke-lkw-after-door.json'),
      '--strict',
    ]);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as { warnings: { kind: string }[] };
    expect(report.warnings.map((w) => w.kind)).toContain('out-of-order');
  });

  it('refuses a format it does not know', async () => {
    const run = await runCli(['mapping', 'preview', stroke, '--channel', strokeChannel, '--format', 'yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--format <format>' argument 'yaml' is invalid. Allowed choices are text, json/);
  });
});
