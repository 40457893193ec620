import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, importPKCS8, jwtVerify, SignJWT } from 'jose';
import type { JSONWebKeySet } from 'jose';
import type { CommandIo } from '../../../src/cli/output';
import { generateKeys, JWKS_FILE, PRIVATE_KEY_FILE, printJwks } from '../../../src/cli/commands/keys';
import { parseEhrAuthConfig } from '../../../src/config/ehr-auth-config';

function collector(): CommandIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  };
  return io;
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-command-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('keys generate', () => {
  it.each(['RS384', 'ES384'] as const)(
    '%s: writes the private key 0600 in a new 0700 folder, prints the JWKS that verifies its signatures',
    async (alg) => {
      const out = path.join(tmp, 'new', 'keys');
      const io = collector();
      const key = await generateKeys({ alg, out }, io);

      const keyFile = path.join(out, PRIVATE_KEY_FILE);
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(fs.statSync(out).mode & 0o777).toBe(0o700);
      const printed = JSON.parse(io.stdout) as JSONWebKeySet;
      expect(JSON.parse(fs.readFileSync(path.join(out, JWKS_FILE), 'utf8'))).toEqual(printed);
      expect(printed.keys).toHaveLength(1);
      expect(printed.keys[0]).toMatchObject({ kid: key.keyId, alg, use: 'sig' });
      expect(printed.keys[0]).not.toHaveProperty('d');
      expect(io.stderr).toContain(`FHIR_PRIVATE_KEY_FILE=${keyFile}`);
      expect(io.stderr).toContain(`FHIR_KEY_ID=${key.keyId}`);

      // The bridge's configuration accepts the key file, and the JWKS verifies what it signs.
      const pem = fs.readFileSync(keyFile, 'utf8');
      const parsed = parseEhrAuthConfig({
        FHIR_AUTH: 'smart-backend',
        FHIR_BASE_URL: 'https://ehr.example/fhir',
        FHIR_CLIENT_ID: 'bridge',
        FHIR_KEY_ID: key.keyId,
        FHIR_PRIVATE_KEY: pem,
      });
      expect(parsed.problems).toEqual([]);
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg, kid: key.keyId })
        .setIssuer('bridge')
        .sign(await importPKCS8(pem, alg));
      await expect(jwtVerify(jwt, createLocalJWKSet(printed))).resolves.toBeDefined();
    },
  );

  it('refuses to replace an existing key unless --force, and keeps 0600 when it does', async () => {
    const first = await generateKeys({ alg: 'RS384', out: tmp }, collector());
    await expect(generateKeys({ alg: 'RS384', out: tmp }, collector())).rejects.toThrow(/already exists.*--force/);
    expect(fs.readFileSync(path.join(tmp, PRIVATE_KEY_FILE), 'utf8')).toBe(first.privateKeyPem);

    fs.chmodSync(path.join(tmp, PRIVATE_KEY_FILE), 0o644);
    const second = await generateKeys({ alg: 'ES384', out: tmp, force: true }, collector());
    expect(second.keyId).not.toBe(first.keyId);
    expect(fs.statSync(path.join(tmp, PRIVATE_KEY_FILE)).mode & 0o777).toBe(0o600);
  });
});

describe('keys jwks', () => {
  it('prints the same JWKS (same kid) as generate did for that key', async () => {
    const generated = await generateKeys({ alg: 'ES384', out: tmp }, collector());
    const io = collector();
    await printJwks(path.join(tmp, PRIVATE_KEY_FILE), io);
    expect(JSON.parse(io.stdout)).toEqual(generated.jwks);
    expect(io.stderr).toContain(`FHIR_KEY_ID=${generated.keyId}`);
  });

  it('names the file when it is missing or not a private key', async () => {
    await expect(printJwks(path.join(tmp, 'nope.pem'), collector())).rejects.toThrow(/nope\.pem \(ENOENT\)/);
    fs.writeFileSync(path.join(tmp, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    await expect(printJwks(path.join(tmp, 'cert.pem'), collector())).rejects.toThrow(
      /cert\.pem: not a readable unencrypted PEM private key/,
    );
  });
});
