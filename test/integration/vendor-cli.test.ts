import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { JSONWebKeySet } from 'jose';
import { EHR_DIALECTS } from '../../src/config/settings';
import { parseEhrAuthConfig } from '../../src/config/ehr-auth-config';
import { createEhrAuth } from '../../src/ehr/auth';
import { DEFAULT_MRN_SYSTEM, EPIC_ERROR_SYSTEM, SAMPLE_MRN } from '../../src/tools/sandbox';
import { freePort } from '../support/free-port';
import { REPO_ROOT, runCli, spawnCli } from '../support/run-cli';
import { epicNote } from '../support/vendor-emulator';

/** `keys`, `sandbox --profile` and `demo --ehr` through the built binary, as the EHR team and an integrator use them. */
describe('keys and vendor emulators from the CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pfb-vendor-cli-'));
  const keysDir = path.join(dir, 'smart');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keys generate writes a 0600 key, prints the JWKS and the settings; keys jwks prints it again', async () => {
    const generated = await runCli(['keys', 'generate', '--alg', 'ES384', '--out', keysDir]);
    expect(generated.code).toBe(0);
    const jwks = JSON.parse(generated.stdout) as JSONWebKeySet;
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
    expect(statSync(path.join(keysDir, 'private-key.pem')).mode & 0o777).toBe(0o600);
    expect(generated.stderr).toContain(`FHIR_KEY_ID=${jwks.keys[0].kid}`);
    expect(generated.stderr).toContain(`FHIR_PRIVATE_KEY_FILE=${path.join(keysDir, 'private-key.pem')}`);

    const again = await runCli(['keys', 'generate', '--out', keysDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');

    const printed = await runCli(['keys', 'jwks', '--private-key', path.join(keysDir, 'private-key.pem')]);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(jwks);
  });

  it('serve refuses to start with an incomplete or unreadable TLS setting, naming the variable', async () => {
    const result = await runCli(['serve'], {
      env: {
        PULSARA_API_BASE_URL: 'http://127.0.0.1:1',
        PULSARA_API_TOKEN: 't',
        PULSARA_WEBHOOK_SECRETS: 's',
        FHIR_BASE_URL: 'https://ehr.example/fhir',
        FHIR_CA_FILE: path.join(dir, 'no-such-ca.pem'),
        FHIR_CLIENT_CERT_FILE: path.join(keysDir, 'jwks.json'),
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('serve did not start');
    expect(result.stderr).toMatch(/FHIR_CA_FILE: cannot read the file .*no-such-ca\.pem/);
    expect(result.stderr).toContain('FHIR_CLIENT_CERT_FILE: no PEM certificate found');
    expect(result.stderr).toContain('FHIR_CLIENT_CERT_FILE: mutual TLS needs FHIR_CLIENT_KEY_FILE as well');
  });

  it('sandbox refuses --client-id without --jwks, and an unknown profile', async () => {
    const half = await runCli(['sandbox', '--port', '0', '--profile', 'epic', '--client-id', 'x']);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('--client-id and --jwks go together');
    const unknown = await runCli(['sandbox', '--port', '0', '--profile', 'cerner']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Allowed choices are generic, epic, oracle');
  });

  it('sandbox --profile epic --seed with a registered client: tokens required, Epic refusals, until SIGTERM', async () => {
    const port = await freePort();
    const jwksFile = path.join(keysDir, 'jwks.json');
    const child = spawnCli(
      ['sandbox', '--port', String(port), '--profile', 'epic', '--seed', '--client-id', 'bridge', '--jwks', jwksFile],
      { env: { LOG_LEVEL: 'warn' } },
    );
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
      });
      expect(baseUrl).toBe(`http://127.0.0.1:${port}/fhir`);
      const mrnSearch = `${baseUrl}/Patient?identifier=${encodeURIComponent(`${DEFAULT_MRN_SYSTEM}|${SAMPLE_MRN}`)}`;
      expect((await fetch(mrnSearch)).status).toBe(401);

      // The bridge's own SMART client, configured as serve would be, with the key made above.
      const { config, problems } = parseEhrAuthConfig({
        FHIR_AUTH: 'smart-backend',
        FHIR_BASE_URL: baseUrl,
        FHIR_CLIENT_ID: 'bridge',
        FHIR_KEY_ID: (JSON.parse(readFileSync(jwksFile, 'utf8')) as JSONWebKeySet).keys[0].kid,
        FHIR_PRIVATE_KEY: readFileSync(path.join(keysDir, 'private-key.pem'), 'utf8'),
      });
      expect(problems).toEqual([]);
      const headers = await createEhrAuth(config!).headers();
      const patients = (await (await fetch(mrnSearch, { headers })).json()) as Bundle;
      const patientId = patients.entry?.[0]?.resource?.id ?? '';
      const visits = (await (await fetch(`${baseUrl}/Encounter?patient=${patientId}`, { headers })).json()) as Bundle;
      const subject = { patientId, encounterId: visits.entry?.[0]?.resource?.id ?? '' };

      const post = (body: unknown) =>
        fetch(`${baseUrl}/DocumentReference`, {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/fhir+json' },
          body: JSON.stringify(body),
        });
      const pdf = epicNote(subject);
      pdf.content[0].attachment.contentType = 'application/pdf';
      const refused = await post(pdf);
      expect(refused.status).toBe(400);
      const outcome = (await refused.json()) as OperationOutcome;
      expect(outcome.issue[0].details?.coding?.[0]).toMatchObject({ system: EPIC_ERROR_SYSTEM, code: '59100' });
      const filed = await post(epicNote(subject));
      expect(filed.status).toBe(201);
      expect(await filed.text()).toBe('');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it.each(['epic', 'oracle'])(
    'demo --ehr %s runs the chain against the emulator once the dialect ships, and says it is not available before',
    async (ehr) => {
      const available =
        (EHR_DIALECTS as readonly string[]).includes(ehr) &&
        existsSync(path.join(REPO_ROOT, 'mappings', `${ehr}.json`));
      const result = await runCli(['demo', '--ehr', ehr], { timeoutMs: 120000 });
      if (available) {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`an ${ehr}-like EHR emulator`);
        expect(result.stdout).toMatch(/the bridge obtained [1-9]\d* access token/);
      } else {
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`demo --ehr ${ehr} is not available yet`);
      }
    },
    130000,
  );
});
