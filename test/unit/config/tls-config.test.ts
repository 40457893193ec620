import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadServeConfig } from '../../../src/config/serve-config';
import { BridgeError } from '../../../src/shared/errors';
import { createTestPki } from '../../support/test-pki';
import type { TestPki } from '../../support/test-pki';

const minimal = {
  PULSARA_API_BASE_URL: 'https://api.pulsara.example',
  PULSARA_API_TOKEN: 'tok',
  PULSARA_WEBHOOK_SECRETS: 'whsec_a',
  FHIR_BASE_URL: 'https://ehr.hospital.example/fhir',
};

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => {
  pki.remove();
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadServeConfig({ ...minimal, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).message).toContain('serve did not start');
    return (err as BridgeError).detail as string[];
  }
  throw new Error('expected a configuration error');
}

describe('FHIR TLS settings', () => {
  it('reads a CA bundle of several certificates and a client certificate with its key', () => {
    const bundle = path.join(pki.dir, 'bundle.pem');
    fs.writeFileSync(bundle, `${pki.read(pki.caCertFile)}\n${pki.read(pki.otherCaCertFile)}`);
    const config = loadServeConfig({
      ...minimal,
      FHIR_CA_FILE: bundle,
      FHIR_CLIENT_CERT_FILE: pki.clientCertFile,
      FHIR_CLIENT_KEY_FILE: pki.clientKeyFile,
    });
    const tls = config.fhir.tls;
    expect(tls?.caCertificates?.map((pem) => new X509Certificate(pem).subject)).toEqual(['CN=test-ca', 'CN=other-ca']);
    expect(tls?.clientCertificate).toContain('BEGIN CERTIFICATE');
    expect(tls?.clientKey).toContain('PRIVATE KEY');
  });

  it('is unset without the variables, and a CA alone needs no client certificate', () => {
    expect(loadServeConfig(minimal).fhir.tls).toBeUndefined();
    const config = loadServeConfig({ ...minimal, FHIR_CA_FILE: pki.caCertFile });
    expect(config.fhir.tls).toEqual({ caCertificates: [expect.stringContaining('BEGIN CERTIFICATE')] });
  });

  it('names the variable of an unreadable or non-PEM file', () => {
    expect(problemsOf({ FHIR_CA_FILE: path.join(pki.dir, 'missing.pem') })).toEqual([
      expect.stringMatching(/^FHIR_CA_FILE: cannot read the file .*missing\.pem \(ENOENT\)$/),
    ]);
    expect(problemsOf({ FHIR_CA_FILE: pki.clientKeyFile })).toEqual([
      'FHIR_CA_FILE: no PEM certificate found (expected -----BEGIN CERTIFICATE----- blocks)',
    ]);
    const broken = path.join(pki.dir, 'broken.pem');
    fs.writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    expect(problemsOf({ FHIR_CA_FILE: broken })).toEqual([
      'FHIR_CA_FILE: certificate 1 of 1 is not a valid X.509 certificate',
    ]);
  });

  it('refuses a client certificate without its key, a key without its certificate, and a key of another certificate', () => {
    expect(problemsOf({ FHIR_CLIENT_CERT_FILE: pki.clientCertFile })).toEqual([
      'FHIR_CLIENT_CERT_FILE: mutual TLS needs FHIR_CLIENT_KEY_FILE as well (the client certificate and its key)',
    ]);
    expect(problemsOf({ FHIR_CLIENT_KEY_FILE: pki.clientKeyFile })).toEqual([
      'FHIR_CLIENT_KEY_FILE: mutual TLS needs FHIR_CLIENT_CERT_FILE as well (the client certificate and its key)',
    ]);
    expect(problemsOf({ FHIR_CLIENT_CERT_FILE: pki.clientCertFile, FHIR_CLIENT_KEY_FILE: pki.serverKeyFile })).toEqual([
      'FHIR_CLIENT_KEY_FILE: is not the private key of the certificate in FHIR_CLIENT_CERT_FILE',
    ]);
    const problems = problemsOf({ FHIR_CLIENT_CERT_FILE: pki.clientCertFile, FHIR_CLIENT_KEY_FILE: pki.caCertFile });
    expect(problems).toEqual(['FHIR_CLIENT_KEY_FILE: not a readable unencrypted PEM private key']);
    expect(problems.join()).not.toContain('BEGIN');
  });
});
